"""A change to a contact, recorded in the audit log as the API shows the contact (no
internal keys such as match or sort keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.hooks import audit_change
from muninn_integrations.audit.models import ActorKind, AuditAction, ResourceType
from muninn_integrations.audit.service import AuditLog, Values
from muninn_integrations.contacts.store import contact_from_doc


async def audit_contact(
    audit: AuditLog | None,
    user_id: str,
    action: AuditAction,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    session: AsyncClientSession | None,
    *,
    actor: ActorKind | None = None,
    new: Values = None,
) -> None:
    """``new`` replaces what ``after`` would record (a merged-away contact's destination)."""
    contact_id = str((after or before or {})["_id"])
    await audit_change(
        audit,
        user_id,
        action,
        ResourceType.CONTACT,
        contact_id,
        old=contact_from_doc(before) if before is not None else None,
        new=new if new is not None else contact_from_doc(after) if after is not None else None,
        actor=actor,
        session=session,
    )
