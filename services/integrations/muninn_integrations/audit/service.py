"""Record every change to a contact, interaction, relationship, interest or connection.

An entry keeps only the fields that changed, bounded (long texts cut, long lists shortened)
and never a secret: credentials are sealed in the vault and any field named like one is left
out, so the log can be shown to the user and exported without widening what leaks.

The user reads the log from identity (``GET /v1/me/audit-log``, next to their security
events): each entry leaves here as one ``integrations.audit.recorded`` event, written to the
outbox in the caller's transaction when it passes one, so the entry commits with the change.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from muninn_shared.events import EventEnvelope, new_event
from muninn_shared.events.payloads import (
    AUDIT_RESOURCE_ID_MAX,
    AuditActor,
    AuditChangeRecorded,
)
from muninn_shared.events.sealing import sealed_size
from muninn_shared.storage.outbox import Outbox
from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.context import current_origin
from muninn_integrations.audit.models import ActorKind, AuditAction, ResourceType

MAX_TEXT = 500
MAX_ITEMS = 20
MAX_DEPTH = 3
MAX_FIELDS = 50
SECRET_FIELD = re.compile(r"password|secret|token|credential|api_?key|private", re.IGNORECASE)
# Bookkeeping every update touches: recording it would make every entry look alike.
UNAUDITED = frozenset({"_id", "user_id", "updated_at", "created_at", "hand", "sources"})

# What stands for a value left out: too deep, or too large for the entry's event.
ELIDED = "…"
SOURCE = "integrations"

Values = Mapping[str, Any] | BaseModel | None


def as_fields(values: Values) -> dict[str, Any]:
    if values is None:
        return {}
    if isinstance(values, BaseModel):
        return values.model_dump(mode="python")
    return dict(values)


def bounded(value: Any, depth: int = 0) -> Any:
    """A JSON-safe, size-bounded copy of a field's value."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python")
    if depth >= MAX_DEPTH:
        return ELIDED
    if isinstance(value, Mapping):
        return {
            str(k): bounded(v, depth + 1)
            for k, v in list(value.items())[:MAX_FIELDS]
            if not SECRET_FIELD.search(str(k))
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = list(value)
        return [bounded(v, depth + 1) for v in items[:MAX_ITEMS]]
    return str(value)[:MAX_TEXT]


def changed_fields(old: Values, new: Values) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(old values, new values) of the fields that differ, secrets and bookkeeping left out."""
    before, after = as_fields(old), as_fields(new)
    keys = [
        k
        for k in dict.fromkeys([*before, *after])
        if k not in UNAUDITED and not SECRET_FIELD.search(k) and before.get(k) != after.get(k)
    ][:MAX_FIELDS]
    old_values = (
        {k: bounded(before.get(k)) for k in keys if k in before} if old is not None else None
    )
    new_values = {k: bounded(after.get(k)) for k in keys if k in after} if new is not None else None
    return old_values, new_values


def _encoded_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))


def fit_entry(entry: AuditChangeRecorded, max_bytes: int) -> AuditChangeRecorded:
    """``entry`` whose event fits in ``max_bytes`` once sealed: the largest values are
    replaced by ``"…"`` until it does.

    Each value is bounded already, but fifty fields of nested lists of texts can still add up
    to more than the outbox takes; an entry must never make the change it records fail.
    """

    def excess(candidate: AuditChangeRecorded) -> int:
        return sealed_size(_event(candidate)) - max_bytes

    over = excess(entry)
    if over <= 0:
        return entry
    old = dict(entry.old_values or {})
    new = dict(entry.new_values or {})
    places = [(side, key, _encoded_size(side[key])) for side in (old, new) for key in side]
    places.sort(key=lambda place: place[2], reverse=True)
    elided = _encoded_size(ELIDED)
    fitted = entry
    for side, key, size in places:
        if size <= elided:
            break
        side[key] = ELIDED
        # The values travel sealed (base64): a value left out gives back a third more than
        # its own length. An estimate only: the event is measured again before it is kept.
        over -= (size - elided) * 4 // 3
        if over > 0:
            continue
        fitted = entry.model_copy(
            update={
                "old_values": old if entry.old_values is not None else None,
                "new_values": new if entry.new_values is not None else None,
            }
        )
        over = excess(fitted)
        if over <= 0:
            return fitted
    return entry.model_copy(
        update={
            "old_values": old if entry.old_values is not None else None,
            "new_values": new if entry.new_values is not None else None,
        }
    )


def _event(entry: AuditChangeRecorded) -> EventEnvelope:
    # The type is spelled out: deploy/k8s/generate_kafka_users.py reads it to grant the topic.
    return new_event(
        "integrations.audit.recorded", source=SOURCE, subject=entry.user_id, data=entry
    )


class AuditLog:
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    async def record(
        self,
        user_id: str,
        *,
        action: AuditAction,
        resource_type: ResourceType,
        resource_id: str,
        old: Values = None,
        new: Values = None,
        actor: ActorKind | None = None,
        session: AsyncClientSession | None = None,
    ) -> None:
        """Append one entry; an update that changed nothing is not recorded."""
        await self.record_many(
            user_id,
            [(action, resource_type, resource_id, old, new)],
            actor=actor,
            session=session,
        )

    def entries(
        self,
        user_id: str,
        changes: list[tuple[AuditAction, ResourceType, str, Values, Values]],
        *,
        actor: ActorKind | None = None,
    ) -> list[AuditChangeRecorded]:
        """The entries recording ``changes``, as identity will keep them."""
        origin = current_origin()
        kind = actor or (ActorKind.USER if origin is not None else ActorKind.SYSTEM)
        by_user = origin is not None and kind is ActorKind.USER
        now = datetime.now(UTC)
        entries: list[AuditChangeRecorded] = []
        for action, resource_type, resource_id, old, new in changes:
            old_values, new_values = changed_fields(old, new)
            if action is AuditAction.UPDATE and not (old_values or new_values):
                continue
            entry = AuditChangeRecorded(
                user_id=user_id,
                entry_id=uuid.uuid4().hex,
                action=action.value,
                resource_type=resource_type.value,
                resource_id=resource_id[:AUDIT_RESOURCE_ID_MAX],
                old_values=old_values,
                new_values=new_values,
                actor=AuditActor.model_validate(
                    {"kind": kind.value, "id": user_id if kind is ActorKind.USER else None}
                ),
                ip_address=origin.ip if origin and by_user else None,
                user_agent=origin.user_agent if origin and by_user else None,
                api_endpoint=origin.endpoint if origin and by_user else None,
                created_at=now,
            )
            entries.append(fit_entry(entry, self._outbox.max_event_bytes))
        return entries

    async def record_many(
        self,
        user_id: str,
        changes: list[tuple[AuditAction, ResourceType, str, Values, Values]],
        *,
        actor: ActorKind | None = None,
        session: AsyncClientSession | None = None,
    ) -> None:
        """One ``integrations.audit.recorded`` event per entry, into the outbox (inside the
        caller's transaction when it passes ``session``)."""
        events = [_event(entry) for entry in self.entries(user_id, changes, actor=actor)]
        await self._outbox.put_many(events, session)
