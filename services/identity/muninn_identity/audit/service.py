"""The audit trail: every identity feature records what it did here, integrations' changes
arrive as events, and users read it all back."""

from __future__ import annotations

from typing import Any

from muninn_shared.events.payloads import AuditChangeRecorded
from muninn_shared.logging import get_logger
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.audit.models import AuditEntry, AuditFilter, RequestInfo
from muninn_identity.audit.store import AuditStore

log = get_logger(__name__)


class AuditLog:
    def __init__(self, store: AuditStore) -> None:
        self._store = store

    async def record(
        self,
        *,
        user_id: str | None,
        action: str,
        resource_type: str,
        resource_id: str | None = None,
        request: RequestInfo | None = None,
        details: dict[str, Any] | None = None,
        session: AsyncClientSession | None = None,
    ) -> None:
        """Append an entry, inside the caller's transaction when it passes one."""
        await self._store.record(
            user_id=user_id,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            request=request,
            details=details,
            session=session,
        )

    async def record_change(self, change: AuditChangeRecorded, session: AsyncClientSession) -> bool:
        """Keep a change another service recorded; False when it is already kept."""
        return await self._store.record_change(change, session)

    async def forget_user(self, user_id: str) -> None:
        """An erased user's entries that a late delivery wrote after the erasure: removed."""
        removed = await self._store.forget_user(user_id)
        if removed:
            log.info("late audit entries of an erased user removed", removed=removed)

    async def page(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        only: AuditFilter | None = None,
    ) -> tuple[list[AuditEntry], str | None]:
        return await self._store.page(user_id, limit=limit, cursor=cursor, only=only)
