"""The audit trail: every identity feature records what it did here, and users read it back."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_identity.audit.models import AuditEntry, RequestInfo
from muninn_identity.audit.store import AuditStore


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

    async def page(
        self, user_id: str, *, limit: int, cursor: str | None
    ) -> tuple[list[AuditEntry], str | None]:
        return await self._store.page(user_id, limit=limit, cursor=cursor)
