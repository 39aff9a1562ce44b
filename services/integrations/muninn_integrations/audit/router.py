"""/v1/me/audit-log: every change to the user's contacts, interactions and connections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from muninn_shared.auth import CurrentPrincipal

from muninn_integrations.audit.models import AuditAction, AuditPage, ResourceType
from muninn_integrations.deps import Services

router = APIRouter(prefix="/v1/me/audit-log", tags=["audit"])


@router.get("", summary="Changes to your contacts, interactions and connections, newest first")
async def audit_log(
    principal: CurrentPrincipal,
    services: Services,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    resource_type: ResourceType | None = None,
    resource_id: Annotated[
        str | None, Query(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_:.@-]+$")
    ] = None,
    action: AuditAction | None = None,
) -> AuditPage:
    return await services.audit.page(
        principal.user_id,
        limit=limit,
        cursor=cursor,
        resource_type=resource_type,
        resource_id=resource_id,
        action=action,
    )
