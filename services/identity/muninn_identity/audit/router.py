"""GET /v1/me/audit-log: the user's own security history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.pagination import decode_cursor, encode_cursor

from muninn_identity.audit.models import AuditEntry, AuditPage
from muninn_identity.deps import ActiveUser, Services

router = APIRouter(prefix="/v1/me", tags=["audit"])


@router.get(
    "/audit-log",
    response_model=AuditPage,
    summary="Security events of the current user, newest first",
)
async def audit_log(
    user: ActiveUser,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> AuditPage:
    before = decode_cursor(cursor) if cursor else None
    docs = await services.audit.page(user.user_id, limit=limit + 1, before=before)
    items = [
        AuditEntry(id=d["_id"], **{k: v for k, v in d.items() if k not in ("_id", "user_id")})
        for d in docs[:limit]
    ]
    next_cursor = (
        encode_cursor(docs[limit - 1]["created_at"], docs[limit - 1]["_id"])
        if len(docs) > limit
        else None
    )
    return AuditPage(items=items, next_cursor=next_cursor)
