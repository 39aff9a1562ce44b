"""GET /v1/me/audit-log: the user's own security history and the changes to their contacts,
interactions and connections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.events.payloads import AUDIT_NAME_MAX, AUDIT_NAME_PATTERN

from muninn_identity.audit.models import AuditFilter, AuditPage
from muninn_identity.deps import ActiveUser, Services

router = APIRouter(prefix="/v1/me", tags=["audit"])

RESOURCE_ID_PATTERN = r"^[A-Za-z0-9_:.@-]+$"
RESOURCE_ID_MAX = 200


@router.get(
    "/audit-log",
    summary="Security events and changes to contacts, interactions and connections, newest first",
)
async def audit_log(
    user: ActiveUser,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    resource_type: Annotated[
        str | None,
        Query(
            max_length=AUDIT_NAME_MAX,
            pattern=AUDIT_NAME_PATTERN,
            description="Only entries about this kind of resource: integration, contact, "
            "interaction, session, api_key, user, …",
        ),
    ] = None,
    resource_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=RESOURCE_ID_MAX,
            pattern=RESOURCE_ID_PATTERN,
            description="Only entries about this resource",
        ),
    ] = None,
    action: Annotated[
        str | None,
        Query(
            max_length=AUDIT_NAME_MAX,
            pattern=AUDIT_NAME_PATTERN,
            description="Only this action: connect, update, auth.login_succeeded, …",
        ),
    ] = None,
) -> AuditPage:
    # An empty cursor is the first page, as it always was.
    items, next_cursor = await services.audit.page(
        user.user_id,
        limit=limit,
        cursor=cursor or None,
        only=AuditFilter(resource_type=resource_type, resource_id=resource_id, action=action),
    )
    return AuditPage(items=items, next_cursor=next_cursor)
