"""Contacts' interests: detected in the mail and meetings they take part in (a sync follower),
reinforced by each mention, decayed on read, dropped by the daily sweep once faded."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from muninn_shared.moments import as_utc
from muninn_shared.problems import not_found
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from muninn_integrations.audit.hooks import audit_change
from muninn_integrations.audit.models import AuditAction, ResourceType
from muninn_integrations.audit.service import AuditLog
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.interactions.derive import addresses_on, contacts_on
from muninn_integrations.interests.detect import detect
from muninn_integrations.interests.models import ContactInterest, InterestCreate, InterestList
from muninn_integrations.interests.scoring import InterestPolicy, decayed, reinforced
from muninn_integrations.interests.store import MAX_SOURCES, InterestStore
from muninn_integrations.sync.followers import AppliedPage, PageFollower
from muninn_integrations.sync.sinks import Action


def text_of(kind: RecordKind, data: Mapping[str, Any]) -> str:
    """What a record says about its people's interests: an e-mail's subject and snippet, a
    meeting's title and description."""
    fields = ("subject", "snippet") if kind is RecordKind.EMAIL else ("title", "description")
    return "\n".join(str(data[f]) for f in fields if isinstance(data.get(f), str))


class InterestService(PageFollower):
    follows = (RecordKind.EMAIL, RecordKind.CALENDAR_EVENT)

    def __init__(
        self,
        store: InterestStore,
        contacts: ContactService,
        policy: InterestPolicy,
        audit: AuditLog | None = None,
    ) -> None:
        self._audit = audit
        self._store = store
        self._contacts = contacts
        self._policy = policy

    def _view(self, doc: Mapping[str, Any], now: datetime) -> ContactInterest:
        by_hand = doc.get("source") == "user"
        reinforced_at = as_utc(doc["last_reinforced_at"])
        confidence = float(doc.get("confidence") or 0)
        if not by_hand:
            confidence = decayed(confidence, reinforced_at, now, self._policy.half_life_days)
        return ContactInterest(
            id=doc["_id"],
            contact_id=doc["contact_id"],
            category=doc["category"],
            topic=doc["topic"],
            confidence=round(min(1.0, max(0.0, confidence)), 6),
            evidence_count=int(doc.get("evidence_count") or 0),
            source="user" if by_hand else "inferred",
            source_interactions=list(doc.get("source_interactions") or []),
            first_detected_at=as_utc(doc["first_detected_at"]),
            last_reinforced_at=reinforced_at,
            created_at=as_utc(doc["created_at"]),
            updated_at=as_utc(doc["updated_at"]),
        )

    # --- detection -------------------------------------------------------------------------

    async def follow_page(self, page: AppliedPage) -> None:
        """Each contact on a new e-mail or meeting gains the interests its text mentions."""
        scope, kind, applied, session = page.scope, page.kind, page.applied, page.session
        fresh = [a for a in applied if a.action is Action.CREATED and text_of(kind, a.data)]
        wanted = addresses_on(kind, fresh)
        if not wanted:
            return
        known = await self._contacts.ids_by_email(scope.user_id, wanted, session)
        for item, at, ids in contacts_on(kind, fresh, known):
            if not ids or len(ids) > self._policy.max_participants:
                continue
            text = text_of(kind, item.data)
            for contact_id in sorted(ids):
                await self.reinforce_from_text(
                    scope.user_id,
                    contact_id,
                    text,
                    source_id=f"{item.record_id}:{contact_id}",
                    at=at,
                    session=session,
                )

    async def reinforce_from_text(
        self,
        user_id: str,
        contact_id: str,
        text: str,
        *,
        source_id: str,
        at: datetime,
        session: AsyncClientSession | None = None,
    ) -> list[ContactInterest]:
        """Detect the topics ``text`` mentions and reinforce each for the contact, once per
        (source_id, topic): a replayed source changes nothing. The interests touched, as of
        now. A first mention already faded under the floor by now is not kept."""
        topics = detect(text)
        if not topics:
            return []
        at = as_utc(at)
        now = datetime.now(UTC)
        existing = {
            (doc["category"], doc["topic"]): doc
            for doc in await self._store.of_contact(user_id, contact_id, session)
        }
        touched: list[ContactInterest] = []
        for topic in topics:
            doc = existing.get((topic.category, topic.topic))
            if doc is not None and source_id in (doc.get("source_interactions") or []):
                touched.append(self._view(doc, now))
                continue
            if doc is None:
                start = self._policy.base
                if decayed(start, at, now, self._policy.half_life_days) < self._policy.floor:
                    continue
                doc = {
                    "_id": uuid.uuid4().hex,
                    "user_id": user_id,
                    "contact_id": contact_id,
                    "category": topic.category,
                    "topic": topic.topic,
                    "confidence": start,
                    "evidence_count": 1,
                    "source": "inferred",
                    "source_interactions": [source_id],
                    "first_detected_at": at,
                    "last_reinforced_at": at,
                    "created_at": now,
                    "updated_at": now,
                }
                raced = await self._create(doc, session)
                if raced is None:
                    touched.append(self._view(doc, now))
                    continue
                doc = raced
                if source_id in (doc.get("source_interactions") or []):
                    touched.append(self._view(doc, now))
                    continue
            last = as_utc(doc["last_reinforced_at"])
            if doc.get("source") == "user":
                confidence = float(doc.get("confidence") or 1.0)
            else:
                # Decayed to the mention's moment, then reinforced; a mention older than the
                # last one (mail synced out of order) reinforces the confidence as it stands.
                current = decayed(
                    float(doc.get("confidence") or 0), last, at, self._policy.half_life_days
                )
                confidence = reinforced(current, self._policy.gain)
            updated = await self._store.reinforce(
                doc["_id"],
                confidence=confidence,
                reinforced_at=max(last, at),
                source_id=source_id,
                now=now,
                session=session,
            )
            if updated is not None:
                touched.append(self._view(updated, now))
        return touched

    async def _create(
        self, doc: dict[str, Any], session: AsyncClientSession | None
    ) -> dict[str, Any] | None:
        """Insert a first detection; None when inserted, else the interest another writer
        added meanwhile (outside a transaction: inside one, the conflict aborts and the
        transaction is retried)."""
        if session is not None:
            await self._store.insert(doc, session)
            return None
        try:
            await self._store.insert(doc)
        except DuplicateKeyError:
            return await self._store.topic(
                doc["user_id"], doc["contact_id"], doc["category"], doc["topic"]
            )
        return None

    # --- reads and edits -------------------------------------------------------------------

    async def _ensure_contact(self, user_id: str, contact_id: str) -> None:
        if contact_id not in await self._contacts.people(user_id, [contact_id]):
            raise not_found("Contact")

    async def top(
        self, user_id: str, contact_id: str, limit: int = 5, now: datetime | None = None
    ) -> list[ContactInterest]:
        """The contact's strongest interests by confidence decayed to ``now``."""
        now = as_utc(now) if now else datetime.now(UTC)
        views = [self._view(d, now) for d in await self._store.of_contact(user_id, contact_id)]
        views.sort(key=lambda i: (-i.confidence, i.category, i.topic))
        return views[: max(0, limit)]

    async def of_contact(self, user_id: str, contact_id: str, limit: int) -> InterestList:
        await self._ensure_contact(user_id, contact_id)
        return InterestList(items=await self.top(user_id, contact_id, limit))

    async def add(self, user_id: str, contact_id: str, body: InterestCreate) -> ContactInterest:
        """The user says the contact cares about it: kept at full confidence, never fading."""
        await self._ensure_contact(user_id, contact_id)
        now = datetime.now(UTC)
        before = await self._store.topic(user_id, contact_id, body.category, body.topic)
        doc = await self._store.put_by_hand(
            user_id,
            contact_id,
            body.category,
            body.topic,
            on_insert={
                "_id": uuid.uuid4().hex,
                "evidence_count": 0,
                "source_interactions": [],
                "first_detected_at": now,
                "created_at": now,
            },
            now=now,
        )
        added = self._view(doc, now)
        await audit_change(
            self._audit,
            user_id,
            AuditAction.CREATE if before is None else AuditAction.UPDATE,
            ResourceType.INTEREST,
            added.id,
            old=self._view(before, now) if before is not None else None,
            new=added,
        )
        return added

    async def remove(self, user_id: str, contact_id: str, interest_id: str) -> None:
        await self._ensure_contact(user_id, contact_id)
        before = await self._store.get(user_id, contact_id, interest_id)
        if before is None or not await self._store.delete(user_id, contact_id, interest_id):
            raise not_found("Interest")
        await audit_change(
            self._audit,
            user_id,
            AuditAction.DELETE,
            ResourceType.INTEREST,
            interest_id,
            old=self._view(before, datetime.now(UTC)),
        )

    # --- merging contacts and the daily sweep ----------------------------------------------

    async def repoint(
        self, user_id: str, from_id: str, into_id: str, session: AsyncClientSession
    ) -> None:
        """``from_id`` was merged into ``into_id``: its interests become ``into_id``'s; one
        both had becomes one (evidence summed, the higher confidence, sources joined)."""
        if from_id == into_id:
            return
        now = datetime.now(UTC)
        targets = {
            (d["category"], d["topic"]): d
            for d in await self._store.of_contact(user_id, into_id, session)
        }
        moved: list[str] = []
        for doc in await self._store.of_contact(user_id, from_id, session):
            target = targets.get((doc["category"], doc["topic"]))
            if target is None:
                await self._store.set(
                    doc["_id"], {"contact_id": into_id, "updated_at": now}, session
                )
                continue
            await self._store.set(target["_id"], self._merged(target, doc, now), session)
            moved.append(doc["_id"])
        if moved:
            await self._store.delete_ids(moved, session)

    def _merged(
        self, target: Mapping[str, Any], other: Mapping[str, Any], now: datetime
    ) -> dict[str, Any]:
        last = max(as_utc(target["last_reinforced_at"]), as_utc(other["last_reinforced_at"]))
        by_hand = "user" in (target.get("source"), other.get("source"))
        # Each side's confidence brought to the later of their last mentions, then the higher.
        confidence = max(
            decayed(
                float(d.get("confidence") or 0),
                as_utc(d["last_reinforced_at"]),
                last,
                self._policy.half_life_days,
            )
            if d.get("source") != "user"
            else float(d.get("confidence") or 0)
            for d in (target, other)
        )
        sources = list(
            dict.fromkeys(
                [
                    *(other.get("source_interactions") or []),
                    *(target.get("source_interactions") or []),
                ]
            )
        )
        return {
            "confidence": 1.0 if by_hand else confidence,
            "source": "user" if by_hand else "inferred",
            "evidence_count": int(target.get("evidence_count") or 0)
            + int(other.get("evidence_count") or 0),
            "source_interactions": sources[-MAX_SOURCES:],
            "first_detected_at": min(
                as_utc(target["first_detected_at"]), as_utc(other["first_detected_at"])
            ),
            "last_reinforced_at": last,
            "updated_at": now,
        }

    async def sweep(self, now: datetime | None = None) -> int:
        """Drop every inferred interest decayed under the floor; how many went."""
        return await self._store.delete_faded(
            now or datetime.now(UTC), self._policy.half_life_days, self._policy.floor
        )
