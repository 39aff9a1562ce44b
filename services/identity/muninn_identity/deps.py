"""FastAPI dependencies: the service container and the signed-in, still-active user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from muninn_shared.auth import Principal, current_principal
from muninn_shared.http.services import services_of
from muninn_shared.problems import ProblemError

from muninn_identity.api_keys.service import ApiKeyService
from muninn_identity.audit.models import RequestInfo
from muninn_identity.audit.service import AuditLog
from muninn_identity.auth.service import AuthService
from muninn_identity.oauth.connections import Connections
from muninn_identity.oauth.consent import ConsentPages
from muninn_identity.oauth.server import McpAuthorizationServer
from muninn_identity.operators.service import OperatorService
from muninn_identity.privacy.service import PrivacyService
from muninn_identity.users.service import UserService


@dataclass(frozen=True)
class IdentityServices:
    users: UserService
    auth: AuthService
    api_keys: ApiKeyService
    audit: AuditLog
    privacy: PrivacyService
    oauth: McpAuthorizationServer
    consent: ConsentPages
    connections: Connections
    operators: OperatorService


Services = Annotated[IdentityServices, Depends(services_of(IdentityServices))]


async def request_info(request: Request) -> RequestInfo:
    forwarded = request.headers.get("x-forwarded-for", "")
    ip = forwarded.split(",")[0].strip() or (request.client.host if request.client else None)
    return RequestInfo(
        ip_address=ip,
        user_agent=request.headers.get("user-agent"),
        api_endpoint=f"{request.method} {request.url.path}",
    )


ClientInfo = Annotated[RequestInfo, Depends(request_info)]

_SIGNED_OUT = ProblemError(401, "This session has ended; sign in again.", code="session-revoked")


async def active_principal(
    principal: Annotated[Principal, Depends(current_principal)], services: Services
) -> Principal:
    """A valid token is not enough here: the account must exist and the session not be revoked."""
    if not await services.users.is_active(principal.user_id):
        raise ProblemError(
            401, "This account no longer exists or is being erased.", code="account-inactive"
        )
    if principal.session_id and not await services.auth.session_active(principal.session_id):
        raise _SIGNED_OUT
    await services.users.touch(principal.user_id)
    return principal


ActiveUser = Annotated[Principal, Depends(active_principal)]


async def operator_principal(principal: ActiveUser, services: Services) -> Principal:
    """An active operator whose email is still listed (not only when their token was issued)."""
    await services.operators.confirm(principal)
    return principal


Operator = Annotated[Principal, Depends(operator_principal)]
TokenHolder = Annotated[Principal, Depends(current_principal)]
