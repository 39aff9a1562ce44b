"""Connecting an account by signing in at its provider: start (a state and a PKCE verifier,
kept sealed and single-use for a few minutes, bound to the user) and complete (the code
exchanged for tokens that go straight to the vault; the connection answers with the scopes
granted and when the access token expires, never a token)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from muninn_shared.logging import get_logger
from muninn_shared.outbound import OutboundGuard, OutboundRefusedError, guarded_client
from muninn_shared.problems import ProblemError
from muninn_shared.vault.envelope import SealBrokenError
from muninn_shared.vault.service import UnknownKeyError, Vault

from muninn_integrations.connections.checks import source_unavailable
from muninn_integrations.connections.models import Connection, Provider, SourceCollection
from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.connectors.google import GoogleConfig, GoogleConnector, GoogleOAuth
from muninn_integrations.connectors.google.config import (
    PRODUCT_ORDER,
    granted_products,
    scopes_for,
)
from muninn_integrations.connectors.google.oauth import (
    GoogleTokens,
    authorization_url,
    new_code_verifier,
    new_state,
)
from muninn_integrations.connectors.port import (
    AddressRefusedError,
    ConnectorError,
    CredentialsRejectedError,
    SourceUnavailableError,
)
from muninn_integrations.oauth.models import OAuthComplete, OAuthStart, OAuthStarted
from muninn_integrations.oauth.store import OAuthStateStore

log = get_logger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _note_context(user_id: str, hashed: str) -> str:
    return f"oauth-verifier\x00{user_id}\x00{hashed}"


def invalid_state() -> ProblemError:
    # One answer for unknown, used, expired and another user's state: which it was is
    # nobody's business but the owner's.
    return ProblemError(
        400,
        "This sign-in is unknown, expired or already completed; start signing in again.",
        code="oauth-state-invalid",
    )


def problem_of(error: ConnectorError | OutboundRefusedError | TimeoutError) -> ProblemError:
    if isinstance(error, TimeoutError):
        return source_unavailable(SourceUnavailableError("Google did not answer in time."))
    if isinstance(error, SourceUnavailableError):
        return source_unavailable(error)
    if isinstance(error, OutboundRefusedError | AddressRefusedError):
        return ProblemError(422, error.public_message, code="address-refused")
    if isinstance(error, CredentialsRejectedError):
        return ProblemError(422, error.public_message, code="credentials-rejected")
    return ProblemError(422, error.public_message, code="source-refused")


class OAuthService:
    def __init__(
        self,
        *,
        store: OAuthStateStore,
        vault: Vault,
        connections: ConnectionService,
        google: GoogleConfig | None,
        guard: OutboundGuard,
        timeout: float,
        state_ttl: timedelta,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._vault = vault
        self._connections = connections
        self._google = google
        self._guard = guard
        self._timeout = timeout
        self._state_ttl = state_ttl
        self._clock = clock

    def _config(self, provider: str) -> GoogleConfig:
        if provider != Provider.GOOGLE.value or self._google is None:
            raise ProblemError(
                404,
                f"This instance does not offer signing in with {provider[:32]}.",
                code="provider-unavailable",
            )
        return self._google

    async def start(self, user_id: str, provider: str, body: OAuthStart) -> OAuthStarted:
        config = self._config(provider)
        scopes = scopes_for(tuple(body.products or PRODUCT_ORDER))
        state = new_state()
        verifier = new_code_verifier()
        hashed = state_hash(state)
        key_id, sealed = self._vault.seal_note(_note_context(user_id, hashed), verifier.encode())
        now = self._clock()
        expires_at = now + self._state_ttl
        await self._store.insert(
            {
                "_id": hashed,
                "user_id": user_id,
                "provider": provider,
                "scopes": scopes,
                "key_id": key_id,
                "verifier": sealed,
                "created_at": now,
                "expires_at": expires_at,
            }
        )
        url = authorization_url(config, state=state, code_verifier=verifier, scopes=scopes)
        log.info("oauth_started", user_id=user_id, provider=provider, scopes=len(scopes))
        return OAuthStarted(authorize_url=url, state=state, expires_at=expires_at, scopes=scopes)

    async def complete(self, user_id: str, provider: str, body: OAuthComplete) -> Connection:
        config = self._config(provider)
        hashed = state_hash(body.state)
        doc = await self._store.take(hashed, user_id=user_id, provider=provider, now=self._clock())
        if doc is None:
            log.info("oauth_state_refused", user_id=user_id, provider=provider)
            raise invalid_state()
        try:
            verifier = self._vault.open_note(
                doc["key_id"], bytes(doc["verifier"]), _note_context(user_id, hashed)
            ).decode()
        except (SealBrokenError, UnknownKeyError):
            raise invalid_state() from None
        tokens = await self._exchange(config, body.code, verifier)
        if not granted_products(tokens.scopes):
            await self._discard(config, tokens)
            raise ProblemError(
                422,
                "Google granted none of the permissions asked for; sign in again and allow "
                "calendar, contacts or mail access.",
                code="scopes-not-granted",
            )
        collections, account = await self._inspect(config, tokens)
        connection = await self._connections.connect_oauth(
            user_id,
            provider=Provider.GOOGLE,
            server_url=_origin(config.authorize_url),
            account=account,
            display_name=f"Google ({account})"[:120],
            scopes=list(tokens.scopes),
            token_expires_at=tokens.expires_at,
            collections=collections,
            secret=tokens.to_secret(),
        )
        log.info("oauth_completed", user_id=user_id, connection_id=connection.id)
        return connection

    async def _exchange(self, config: GoogleConfig, code: str, verifier: str) -> GoogleTokens:
        http = guarded_client(self._guard, timeout=config.timeout)
        try:
            async with asyncio.timeout(self._timeout):
                return await GoogleOAuth(config, http).exchange(code, verifier)
        except CredentialsRejectedError:
            raise ProblemError(
                400,
                "Google did not accept the authorization code; start signing in again.",
                code="oauth-code-rejected",
            ) from None
        except (ConnectorError, OutboundRefusedError, TimeoutError) as exc:
            raise problem_of(exc) from None
        finally:
            await http.aclose()

    async def _inspect(
        self, config: GoogleConfig, tokens: GoogleTokens
    ) -> tuple[list[SourceCollection], str]:
        """The calendars, address book and mailbox the grant reaches, and whose they are."""
        connector = GoogleConnector(config, tokens, guard=self._guard)
        try:
            async with asyncio.timeout(self._timeout):
                found = await connector.check()
                account = await connector.account()
        except (ConnectorError, OutboundRefusedError, TimeoutError) as exc:
            await self._discard(config, tokens)
            raise problem_of(exc) from None
        finally:
            await connector.aclose()
        if not account:
            await self._discard(config, tokens)
            raise ProblemError(
                422, "Google did not tell which account signed in.", code="source-refused"
            )
        collections = [
            SourceCollection(id=c.id, name=c.name, kind=c.kind, read_only=c.read_only)
            for c in found
        ]
        return collections, account

    async def _discard(self, config: GoogleConfig, tokens: GoogleTokens) -> None:
        """Revoke a grant that will not be kept, best effort."""
        http = guarded_client(self._guard, timeout=config.timeout)
        try:
            async with asyncio.timeout(self._timeout):
                await GoogleOAuth(config, http).revoke(tokens.refresh_token or tokens.access_token)
        except (ConnectorError, OutboundRefusedError, TimeoutError) as exc:
            log.warning("oauth_discard_failed", error=type(exc).__name__)
        finally:
            await http.aclose()


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
