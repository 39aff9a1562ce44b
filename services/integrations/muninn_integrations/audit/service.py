"""Record every change to a contact, interaction, relationship, interest or connection, and
read the log back.

An entry keeps only the fields that changed, bounded (long texts cut, long lists shortened)
and never a secret: credentials are sealed in the vault and any field named like one is left
out, so the log can be shown to the user and exported without widening what leaks.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.context import current_origin
from muninn_integrations.audit.models import (
    ActorKind,
    AuditAction,
    AuditPage,
    ResourceType,
)
from muninn_integrations.audit.store import AuditStore

MAX_TEXT = 500
MAX_ITEMS = 20
MAX_DEPTH = 3
MAX_FIELDS = 50
SECRET_FIELD = re.compile(r"password|secret|token|credential|api_?key|private", re.IGNORECASE)
# Bookkeeping every update touches: recording it would make every entry look alike.
UNAUDITED = frozenset({"_id", "user_id", "updated_at", "created_at", "hand", "sources"})

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
        return "…"
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


class AuditLog:
    def __init__(self, store: AuditStore) -> None:
        self._store = store

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

    async def record_many(
        self,
        user_id: str,
        changes: list[tuple[AuditAction, ResourceType, str, Values, Values]],
        *,
        actor: ActorKind | None = None,
        session: AsyncClientSession | None = None,
    ) -> None:
        origin = current_origin()
        kind = actor or (ActorKind.USER if origin is not None else ActorKind.SYSTEM)
        now = datetime.now(UTC)
        docs: list[dict[str, Any]] = []
        for action, resource_type, resource_id, old, new in changes:
            old_values, new_values = changed_fields(old, new)
            if action is AuditAction.UPDATE and not (old_values or new_values):
                continue
            docs.append(
                {
                    "_id": uuid.uuid4().hex,
                    "user_id": user_id,
                    "action": action.value,
                    "resource_type": resource_type.value,
                    "resource_id": resource_id,
                    "old_values": old_values,
                    "new_values": new_values,
                    "actor": {
                        "kind": kind.value,
                        "id": user_id if kind is ActorKind.USER else None,
                    },
                    "ip_address": origin.ip if origin and kind is ActorKind.USER else None,
                    "user_agent": origin.user_agent if origin and kind is ActorKind.USER else None,
                    "api_endpoint": origin.endpoint if origin and kind is ActorKind.USER else None,
                    "created_at": now,
                }
            )
        await self._store.insert_many(docs, session)

    async def page(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        resource_type: ResourceType | None = None,
        resource_id: str | None = None,
        action: AuditAction | None = None,
    ) -> AuditPage:
        query: dict[str, Any] = {}
        if resource_type is not None:
            query["resource_type"] = resource_type.value
        if resource_id is not None:
            query["resource_id"] = resource_id
        if action is not None:
            query["action"] = action.value
        items, next_cursor = await self._store.page(user_id, query, limit=limit, cursor=cursor)
        return AuditPage(items=items, next_cursor=next_cursor)
