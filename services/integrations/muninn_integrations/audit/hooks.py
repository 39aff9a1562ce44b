"""How a feature records one of its changes: a no-op where no audit log is wired (tests
that build a feature alone)."""

from __future__ import annotations

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.models import ActorKind, AuditAction, ResourceType
from muninn_integrations.audit.service import AuditLog, Values


async def audit_change(
    audit: AuditLog | None,
    user_id: str,
    action: AuditAction,
    resource_type: ResourceType,
    resource_id: str,
    *,
    old: Values = None,
    new: Values = None,
    actor: ActorKind | None = None,
    session: AsyncClientSession | None = None,
) -> None:
    if audit is None:
        return
    await audit.record(
        user_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        old=old,
        new=new,
        actor=actor,
        session=session,
    )
