"""Identity as the OAuth 2.1 authorization server of MCP clients.

The MCP SDK's handlers speak the protocol (metadata, registration, /authorize, /token with
PKCE S256, /revoke); this provider is what they ask: it keeps clients, codes and grants in
identity's database and mints tokens with identity's signing keys. Access tokens are bound
to the MCP resource (RFC 8707: their audience is its URL, so no other API accepts them);
refresh tokens are refresh-token families like a signed-in session's, rotated on every use,
and presenting a rotated one revokes the grant.
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    IdentityAssertionParams,
    RefreshToken,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from muninn_shared.auth import TokenVerifier
from muninn_shared.contracts.mcp_tokens import McpTokenGrant
from muninn_shared.http.scopes import Scope
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from muninn_shared.signing import TokenIssuer
from pydantic import AnyUrl

from muninn_identity.audit.service import AuditLog
from muninn_identity.auth.service import AuthService
from muninn_identity.digests import secret_digest
from muninn_identity.oauth.models import ClientRecord, ConsentRequest, IssuedCode, OAuthGrant
from muninn_identity.oauth.store import OAuthStore
from muninn_identity.oauth.validation import OAUTH_SCOPES, SCOPES, check_client
from muninn_identity.users.service import UserService

log = get_logger(__name__)

CONSENT_PATH = "/oauth/consent"
MAX_CLIENT_ID_LENGTH = 64
MAX_TOKEN_LENGTH = 4096


class McpAuthorizationServer:
    def __init__(
        self,
        *,
        store: OAuthStore,
        auth: AuthService,
        users: UserService,
        audit: AuditLog,
        resource_tokens: TokenIssuer,
        resource_verifier: TokenVerifier,
        api_tokens: TokenIssuer,
        issuer_url: str,
        resource_url: str,
        authorization_ttl: timedelta,
        grant_lifetime: timedelta,
        exchanged_ttl_seconds: int,
    ) -> None:
        self._store = store
        self._auth = auth
        self._users = users
        self._audit = audit
        self._resource_tokens = resource_tokens
        self._resource_verifier = resource_verifier
        self._api_tokens = api_tokens
        self.issuer_url = issuer_url.rstrip("/")
        self.resource_url = resource_url
        self._authorization_ttl = authorization_ttl
        self._grant_lifetime = grant_lifetime
        self._exchanged_ttl = exchanged_ttl_seconds

    # -- clients (RFC 7591) --------------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        """The client without its secret (the token endpoint's authenticator checks that)."""
        record = await self.client_record(client_id)
        return None if record is None else record.client()

    async def client_record(self, client_id: str) -> ClientRecord | None:
        if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
            return None
        record = await self._store.client(client_id)
        if record is not None and record.legacy_secret is not None:
            # Start-up hashed every plain-text secret; this one was written since, by a replica
            # of the previous version during a rolling upgrade. Hashed at its first use.
            await self._store.hash_legacy_secret(client_id, record.legacy_secret)
            record = record.model_copy(
                update={"secret_digest": secret_digest(record.legacy_secret), "legacy_secret": None}
            )
        return record

    async def hash_legacy_secrets(self) -> None:
        """Hash the client secrets earlier versions stored in plain text (run at start-up)."""
        hashed = await self._store.hash_legacy_secrets()
        if hashed:
            log.info("plain-text oauth client secrets hashed", clients=hashed)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        check_client(client_info)
        if client_info.scope is None:
            client_info.scope = " ".join(OAUTH_SCOPES)
        # The SDK answers the registration with client_info, secret included: it is shown to
        # the client once and only its digest is kept.
        secret = client_info.client_secret
        await self._store.add_client(
            client_info.client_id,
            client_info.model_dump(mode="json", exclude_none=True, exclude={"client_secret"}),
            secret_digest(secret) if secret else None,
        )
        log.info("oauth client registered", client_id=client_info.client_id)

    # -- authorization -------------------------------------------------------------------

    async def authorize(
        self, client: OAuthClientInformationFull, params: AuthorizationParams
    ) -> str:
        """Park the checked request and send the browser to the consent page."""
        if params.resource is not None and params.resource.rstrip("/") != self.resource_url:
            raise AuthorizeError("invalid_target", "resource must be this server's MCP endpoint")
        scopes = params.scopes or (client.scope or " ".join(OAUTH_SCOPES)).split()
        if not set(scopes) <= set(OAUTH_SCOPES):
            raise AuthorizeError("invalid_scope", "scope may only hold read and write")
        request = ConsentRequest(
            id=secrets.token_urlsafe(32),
            client_id=client.client_id,
            redirect_uri=str(params.redirect_uri),
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            state=params.state,
            scopes=sorted(set(scopes)),
            code_challenge=params.code_challenge,
            resource=self.resource_url,
            expires_at=datetime.now(UTC) + self._authorization_ttl,
        )
        await self._store.add_request(request)
        return f"{self.issuer_url}{CONSENT_PATH}?request={request.id}"

    async def issue_code(self, request: ConsentRequest, user_id: str) -> str:
        code = secrets.token_urlsafe(32)
        await self._store.add_code(
            IssuedCode(
                code_digest=secret_digest(code),
                client_id=request.client_id,
                user_id=user_id,
                redirect_uri=request.redirect_uri,
                redirect_uri_provided_explicitly=request.redirect_uri_provided_explicitly,
                scopes=request.scopes,
                code_challenge=request.code_challenge,
                resource=request.resource,
                expires_at=datetime.now(UTC) + self._authorization_ttl,
            )
        )
        await self._store.mark_client_used(request.client_id)
        return code

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> AuthorizationCode | None:
        if len(authorization_code) > MAX_TOKEN_LENGTH:
            return None
        issued = await self._store.code(secret_digest(authorization_code))
        if issued is None or issued.client_id != client.client_id:
            return None
        return AuthorizationCode(
            code=authorization_code,
            scopes=issued.scopes,
            expires_at=issued.expires_at.timestamp(),
            client_id=issued.client_id,
            code_challenge=issued.code_challenge,
            redirect_uri=AnyUrl(issued.redirect_uri),
            redirect_uri_provided_explicitly=issued.redirect_uri_provided_explicitly,
            resource=issued.resource,
            subject=issued.user_id,
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
    ) -> OAuthToken:
        user_id = authorization_code.subject
        # Deleting the code is the exchange: of two concurrent redemptions one wins.
        if user_id is None or not await self._store.take_code(
            secret_digest(authorization_code.code)
        ):
            raise TokenError("invalid_grant", "the authorization code was already used")
        if not await self._users.is_active(user_id):
            raise TokenError("invalid_grant", "the account is no longer active")
        grant = OAuthGrant(
            family_id=uuid.uuid4().hex,
            user_id=user_id,
            client_id=client.client_id,
            scopes=authorization_code.scopes,
            resource=authorization_code.resource or self.resource_url,
            created_at=datetime.now(UTC),
            expires_at=datetime.now(UTC) + self._grant_lifetime,
        )
        await self._store.add_grant(grant)
        refresh_token = await self._auth.start_family(user_id, grant.family_id)
        await self._audit.record(
            user_id=user_id,
            action="oauth.token_issued",
            resource_type="session",
            resource_id=grant.family_id,
            details={"client_id": client.client_id, "client_name": client.client_name},
        )
        return self._tokens(grant, grant.scopes, refresh_token)

    # -- refresh tokens ------------------------------------------------------------------

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> RefreshToken | None:
        if not refresh_token.startswith("rt_") or len(refresh_token) > MAX_TOKEN_LENGTH:
            return None
        known = await self._auth.find_refresh_token(refresh_token)
        if known is None:
            return None
        grant = await self._store.grant(known.family_id)
        if grant is None or grant.client_id != client.client_id:
            return None
        if known.status == "rotated":
            # Two parties hold this token: end the grant for both (as for a session).
            await self._auth.revoke_session(grant.user_id, grant.family_id, "refresh_token_reuse")
            await self._audit.record(
                user_id=grant.user_id,
                action="auth.refresh_token_reuse_detected",
                resource_type="session",
                resource_id=grant.family_id,
                details={"client_id": client.client_id},
            )
            log.warning("oauth refresh token reuse: grant revoked", family_id=grant.family_id)
            return None
        if known.status != "active" or known.expires_at <= datetime.now(UTC):
            return None
        return RefreshToken(
            token=refresh_token,
            client_id=client.client_id,
            scopes=grant.scopes,
            expires_at=int(known.expires_at.timestamp()),
            resource=grant.resource,
            subject=grant.user_id,
        )

    async def exchange_refresh_token(
        self,
        client: OAuthClientInformationFull,
        refresh_token: RefreshToken,
        scopes: list[str],
    ) -> OAuthToken:
        rotated = await self._auth.rotate_refresh_token(refresh_token.token)
        grant = None if rotated is None else await self._store.grant(rotated.family_id)
        if rotated is None or grant is None:
            raise TokenError("invalid_grant", "the refresh token is not valid")
        if not await self._users.is_active(grant.user_id):
            await self._auth.end_family(grant.family_id)
            raise TokenError("invalid_grant", "the account is no longer active")
        new_token = await self._auth.start_family(grant.user_id, grant.family_id)
        await self._store.extend_grant(grant.family_id, datetime.now(UTC) + self._grant_lifetime)
        return self._tokens(grant, scopes or grant.scopes, new_token)

    def _tokens(self, grant: OAuthGrant, scopes: list[str], refresh_token: str) -> OAuthToken:
        access_token = self._resource_tokens.issue(
            grant.user_id, scopes=tuple(sorted(scopes)), session_id=grant.family_id
        )
        return OAuthToken(
            access_token=access_token,
            expires_in=self._resource_tokens.ttl_seconds,
            scope=" ".join(sorted(scopes)),
            refresh_token=refresh_token,
        )

    # -- access tokens -------------------------------------------------------------------

    async def load_access_token(self, token: str) -> AccessToken | None:
        try:
            principal, issued_at = await self._resource_verifier.verify_with_issued_at(token)
        except ProblemError:
            return None
        grant = await self._store.grant(principal.session_id or "")
        if grant is None:
            return None
        return AccessToken(
            token=token,
            client_id=grant.client_id,
            scopes=sorted(principal.scopes),
            expires_at=issued_at + self._resource_tokens.ttl_seconds,
            resource=grant.resource,
            subject=grant.user_id,
            claims={"sid": grant.family_id},
        )

    async def revoke_token(self, token: AccessToken | RefreshToken) -> None:
        """RFC 7009: either token of a grant ends the whole grant."""
        if isinstance(token, AccessToken):
            family_id = str((token.claims or {}).get("sid", ""))
        else:
            known = await self._auth.find_refresh_token(token.token)
            family_id = known.family_id if known is not None else ""
        grant = await self._store.grant(family_id) if family_id else None
        if grant is not None:
            await self._auth.revoke_session(grant.user_id, grant.family_id, "logout")

    async def exchange(self, token: str) -> McpTokenGrant:
        """A token services accept, for the gateway's MCP endpoint to call them as the user."""
        principal, issued_at = await self._resource_verifier.verify_with_issued_at(token)
        grant = await self._store.grant(principal.session_id or "")
        refused = ProblemError(
            401, "This authorization has ended; connect again.", code="session-revoked"
        )
        if grant is None or grant.user_id != principal.user_id:
            raise refused
        if not await self._auth.session_active(grant.family_id):
            raise refused
        if not await self._users.is_active(grant.user_id):
            raise refused
        # The gateway trades each token once per few minutes: "last used" to that precision.
        await self._store.mark_grant_used(grant.family_id)
        remaining = issued_at + self._resource_tokens.ttl_seconds - int(time.time())
        ttl = max(1, min(self._exchanged_ttl, remaining))
        scopes: list[Scope] = [s for s in SCOPES if s in principal.scopes]
        return McpTokenGrant(
            user_id=grant.user_id,
            session_id=grant.family_id,
            client_id=grant.client_id,
            scopes=scopes,
            access_token=self._api_tokens.issue(
                grant.user_id, scopes=tuple(scopes), session_id=grant.family_id, ttl_seconds=ttl
            ),
            expires_in=ttl,
        )

    async def exchange_identity_assertion(
        self, client: OAuthClientInformationFull, params: IdentityAssertionParams
    ) -> OAuthToken:
        """Enterprise identity assertions (SEP-990) are not offered: the metadata says so."""
        raise TokenError("unsupported_grant_type", "identity assertions are not accepted")

    async def client_name(self, client_id: str) -> str:
        client = await self.get_client(client_id)
        return (client.client_name if client else None) or client_id
