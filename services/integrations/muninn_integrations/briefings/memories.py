"""Contact memories as announced: the ``contact_memory`` records a briefing or summary becomes,
announced through the outbox only when their data changed, and withdrawn as deletions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_shared.moments import parse_moment
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.briefings.compose import briefing_title
from muninn_integrations.briefings.models import Composition, MemoryKind
from muninn_integrations.briefings.store import BriefingStore, digest_of
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope


@dataclass(frozen=True)
class MemoryEntry:
    """One contact memory: its record id, the ``data`` announced, and what is kept beside."""

    id: str
    contact_id: str
    kind: MemoryKind
    data: dict[str, Any]
    event_record_id: str | None = None
    expires_at: datetime | None = None
    basis_at: datetime | None = None


def briefing_id(event_record_id: str, contact_id: str) -> str:
    return f"briefing:{event_record_id}:{contact_id}"


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def stored(value: Any) -> datetime:
    """A moment this package stored itself (always set)."""
    moment = parse_moment(value)
    if moment is None:
        raise ValueError(f"not a stored moment: {value!r}")
    return moment


def briefing_entries(
    doc: dict[str, Any], name: str, composed: Composition, expires_at: datetime
) -> list[MemoryEntry]:
    """A pending briefing (``doc``) written: the briefing, then one entry per talking point."""
    record_id, contact_id = doc["event_record_id"], doc["contact_id"]
    sources = list(composed.source_interactions)
    entries = [
        MemoryEntry(
            briefing_id(record_id, contact_id),
            contact_id,
            MemoryKind.BRIEFING,
            {
                "contact_id": contact_id,
                "kind": MemoryKind.BRIEFING.value,
                "title": briefing_title(name, doc["event_title"]),
                "content": composed.content,
                "confidence": composed.confidence,
                "source_interactions": sources,
                "expires_at": iso(expires_at),
                "event_record_id": record_id,
                "event_title": doc["event_title"],
                "event_start": iso(stored(doc["event_start"])),
                "deliver_at": iso(stored(doc["deliver_at"])),
            },
            record_id,
            expires_at,
        )
    ]
    for n, point in enumerate(composed.talking_points):
        entries.append(
            MemoryEntry(
                f"talking_point:{record_id}:{contact_id}:{n}",
                contact_id,
                MemoryKind.TALKING_POINT,
                {
                    "contact_id": contact_id,
                    "kind": MemoryKind.TALKING_POINT.value,
                    "title": point.text,
                    "content": point.text,
                    "confidence": composed.confidence,
                    "source_interactions": list(point.source_interactions) or sources,
                    "expires_at": iso(expires_at),
                },
                record_id,
                expires_at,
            )
        )
    return entries


def moved_entries(
    doc: dict[str, Any], announced: list[dict[str, Any]], expires_at: datetime
) -> list[MemoryEntry]:
    """What was announced for a pending briefing (``doc``), with its meeting's new title and
    times."""
    entries: list[MemoryEntry] = []
    for memory in announced:
        data = {**memory["data"], "expires_at": iso(expires_at)}
        if memory["kind"] == MemoryKind.BRIEFING:
            data.update(
                title=briefing_title(memory.get("name") or "", doc["event_title"]),
                event_title=doc["event_title"],
                event_start=iso(stored(doc["event_start"])),
                deliver_at=iso(stored(doc["deliver_at"])),
            )
        entries.append(
            MemoryEntry(
                memory["_id"],
                doc["contact_id"],
                MemoryKind(memory["kind"]),
                data,
                doc["event_record_id"],
                expires_at,
            )
        )
    return entries


class MemoryLog:
    def __init__(self, store: BriefingStore, announcer: RecordAnnouncer) -> None:
        self._store = store
        self._announcer = announcer

    async def announce(
        self,
        scope: SyncScope,
        entries: list[MemoryEntry],
        name: str | None,
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        """Announce (and keep) the entries whose data differs from what was announced."""
        known = await self._store.memories([e.id for e in entries], session)
        changed: list[Applied] = []
        for entry in entries:
            digest = digest_of(entry.data)
            before = known.get(entry.id)
            if before is not None and before.get("digest") == digest:
                continue
            action = Action.UPDATED if before is not None else Action.CREATED
            changed.append(Applied(entry.id, action, entry.data))
            fields: dict[str, Any] = {
                "contact_id": entry.contact_id,
                "kind": entry.kind.value,
                "event_record_id": entry.event_record_id,
                "name": name,
                "data": entry.data,
                "digest": digest,
                "expires_at": entry.expires_at,
            }
            if entry.basis_at is not None:
                fields["basis_at"] = entry.basis_at
            await self._store.save_memory(entry.id, scope.user_id, fields, now, session)
        await self._announcer.announce(scope, RecordKind.CONTACT_MEMORY, changed, session)

    async def withdraw(
        self, scope: SyncScope, memories: list[dict[str, Any]], session: AsyncClientSession
    ) -> None:
        """Forget announced memories (documents of ``contact_memories``), announced deleted."""
        gone = [Applied(m["_id"], Action.DELETED, dict(m["data"])) for m in memories]
        await self._store.delete_memories([m["_id"] for m in memories], session)
        await self._announcer.announce(scope, RecordKind.CONTACT_MEMORY, gone, session)
