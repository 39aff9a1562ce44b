"""GET /v1/me/audit-log: the user's own security history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from muninn_identity.audit.models import AuditPage
from muninn_identity.deps import ActiveUser, Services

router = APIRouter(prefix="/v1/me", tags=["audit"])


@router.get("/audit-log", summary="Security events of the current user, newest first")
async def audit_log(
    user: ActiveUser,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> AuditPage:
    # An empty cursor is the first page, as it always was.
    items, next_cursor = await services.audit.page(user.user_id, limit=limit, cursor=cursor or None)
    return AuditPage(items=items, next_cursor=next_cursor)
