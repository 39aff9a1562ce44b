"""Access tokens: signed by identity alone, verified by the gateway and by every service.

Identity signs with an Ed25519 key (:mod:`muninn_shared.signing`) and publishes the public
keys as a JWKS; everyone else holds only those public keys, so breaking into any other
process does not let anyone mint tokens. The gateway forwards the caller's (or its own
exchanged) token, so every service checks the user itself rather than trusting a header.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, Request

from muninn_shared.logging import bind_user, get_logger
from muninn_shared.model_calls import act_for
from muninn_shared.problems import ProblemError
from muninn_shared.signing import ALGORITHM
from muninn_shared.signing import ALL_SCOPES as ALL_SCOPES
from muninn_shared.signing import OPERATOR_SCOPE as OPERATOR_SCOPE
from muninn_shared.storage.routed import serve
from muninn_shared.storage.routes import RouteTable

log = get_logger(__name__)

MAX_KID_LENGTH = 128


@dataclass(frozen=True)
class Principal:
    user_id: str
    scopes: frozenset[str] = field(default_factory=lambda: frozenset(ALL_SCOPES))
    session_id: str | None = None
    token_id: str | None = None
    via_api_key: str | None = None

    @property
    def is_operator(self) -> bool:
        # A token exchanged for an API key never counts, whatever it says: identity does not
        # put the scope in one, and a key leaked from a script must not run the instance.
        return OPERATOR_SCOPE in self.scopes and self.via_api_key is None

    def require(self, scope: str) -> None:
        """403 unless the credential grants ``scope``; ``admin`` stands in for the user's own
        scopes (read, write), never for ``operator``."""
        if scope == OPERATOR_SCOPE:
            self.require_operator()
            return
        if scope not in self.scopes and "admin" not in self.scopes:
            raise ProblemError(
                403, f"This credential lacks the '{scope}' scope.", code="insufficient-scope"
            )

    def require_operator(self) -> None:
        if not self.is_operator:
            raise ProblemError(
                403,
                "Only an operator of this Muninn may do this: sign in with an account the "
                "operator listed (API keys and MCP clients never act as operator).",
                code="operator-only",
            )


class SigningKeysUnavailableError(Exception):
    """No public keys are known yet and the JWKS cannot be fetched."""


class KeySource(Protocol):
    async def key_for(self, kid: str) -> Ed25519PublicKey | None: ...

    async def jwks(self) -> dict[str, Any]: ...


def keys_of(jwks: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 signing keys of a JWKS; any other kind of key is left out, never guessed at."""
    found: dict[str, Ed25519PublicKey] = {}
    entries = jwks.get("keys")
    if not isinstance(entries, list):
        raise ValueError("a JWKS needs a 'keys' list")
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kid, x = entry.get("kid"), entry.get("x")
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        if entry.get("alg", ALGORITHM) != ALGORITHM or entry.get("use", "sig") != "sig":
            continue
        if not isinstance(kid, str) or not isinstance(x, str) or len(kid) > MAX_KID_LENGTH:
            continue
        try:
            raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
            found[kid] = Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, binascii.Error):
            continue
    return found


class StaticKeys:
    """Keys known in process: identity verifying its own tokens."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._jwks = dict(jwks)
        self._keys = keys_of(jwks)

    async def key_for(self, kid: str) -> Ed25519PublicKey | None:
        return self._keys.get(kid)

    async def jwks(self) -> dict[str, Any]:
        return self._jwks


JwksFetch = Callable[[], Awaitable[dict[str, Any]]]


class JwksKeys:
    """Identity's public keys, fetched and cached.

    An unknown ``kid`` triggers a refetch, at most one per ``min_refetch_seconds`` (so a
    flood of made-up kids costs identity one request per interval); cached keys are
    refreshed in the background every ``refresh_seconds`` and kept when identity cannot be
    reached, so a brief identity outage does not stop verification.
    """

    def __init__(
        self,
        fetch: JwksFetch,
        *,
        refresh_seconds: float,
        min_refetch_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._refresh_seconds = refresh_seconds
        self._min_refetch_seconds = min_refetch_seconds
        self._clock = clock
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._jwks: dict[str, Any] | None = None
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._unknown_kid_fetched_at: float | None = None
        self._inflight: asyncio.Task[None] | None = None

    async def key_for(self, kid: str) -> Ed25519PublicKey | None:
        await self._ensure_keys()
        key = self._keys.get(kid)
        if key is None and await self._refetch_for_unknown_kid():
            key = self._keys.get(kid)
        return key

    async def jwks(self) -> dict[str, Any]:
        await self._ensure_keys()
        assert self._jwks is not None
        return self._jwks

    async def _ensure_keys(self) -> None:
        if self._jwks is None:
            # Nothing known yet: one attempt per interval, so requests arriving while identity
            # is down fail fast instead of each waiting on it.
            if self._inflight is None and self._may_fetch(self._attempted_at):
                self._start_fetch()
            if self._inflight is not None:
                await asyncio.shield(self._inflight)
            if self._jwks is None:
                raise SigningKeysUnavailableError
        elif self._stale():
            self._refresh_in_background()

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._refresh_seconds

    def _may_fetch(self, last: float | None) -> bool:
        return last is None or self._clock() - last >= self._min_refetch_seconds

    async def _refetch_for_unknown_kid(self) -> bool:
        """Refetch unless an unknown kid caused one within the interval; True if keys may have
        changed."""
        if self._inflight is None:
            if not self._may_fetch(self._unknown_kid_fetched_at):
                return False
            self._unknown_kid_fetched_at = self._clock()
            self._start_fetch()
        assert self._inflight is not None
        await asyncio.shield(self._inflight)
        return True

    def _refresh_in_background(self) -> None:
        if self._inflight is None and self._may_fetch(self._attempted_at):
            self._start_fetch()

    def _start_fetch(self) -> None:
        self._attempted_at = self._clock()
        self._inflight = asyncio.ensure_future(self._fetch_once())

    async def _fetch_once(self) -> None:
        try:
            jwks = await self._fetch()
            keys = keys_of(jwks)
        except Exception as exc:  # any failure keeps the keys already known
            log.warning("signing keys could not be fetched", error=repr(exc))
        else:
            self._jwks, self._keys = jwks, keys
            self._fetched_at = self._clock()
        finally:
            self._inflight = None


def jwks_fetcher(url: str, client: httpx.AsyncClient) -> JwksFetch:
    """Fetch from ``http(s)://`` (identity's well-known path) or read a ``file://`` JWKS."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(parts.path)

        async def read_file() -> dict[str, Any]:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8")
            document: dict[str, Any] = json.loads(text)
            return document

        return read_file
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"the JWKS URL must be http(s):// or file://, not {url!r}")

    async def fetch() -> dict[str, Any]:
        response = await client.get(url)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document

    return fetch


class TokenVerifier:
    def __init__(self, keys: KeySource, *, issuer: str, audience: str) -> None:
        self.keys = keys
        self._issuer = issuer
        self._audience = audience

    async def verify(self, token: str) -> Principal:
        principal, _ = await self.verify_with_issued_at(token)
        return principal

    async def verify_with_issued_at(self, token: str) -> tuple[Principal, int]:
        """The principal and the token's ``iat``, which revocations are compared with."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _invalid() from None
        kid = header.get("kid")
        # Only EdDSA: an HS256 token "signed" with the public key is refused here, before
        # any key is even looked up.
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise _invalid()
        if not kid or len(kid) > MAX_KID_LENGTH:
            raise _invalid()
        try:
            key = await self.keys.key_for(kid)
        except SigningKeysUnavailableError:
            raise ProblemError(
                503,
                "Access tokens cannot be checked right now; try again shortly.",
                code="signing-keys-unavailable",
                headers={"Retry-After": "5"},
            ) from None
        if key is None:
            raise _invalid()
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise ProblemError(
                401,
                "The access token has expired.",
                code="token-expired",
                headers=_challenge("invalid_token"),
            ) from None
        except jwt.PyJWTError:
            raise _invalid() from None
        if claims.get("typ") != "access":
            raise ProblemError(
                401,
                "Not an access token.",
                code="invalid-token",
                headers=_challenge("invalid_token"),
            )
        principal = Principal(
            user_id=str(claims["sub"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            session_id=claims.get("sid"),
            token_id=claims.get("jti"),
            via_api_key=claims.get("akid"),
        )
        return principal, int(claims["iat"])


def _invalid() -> ProblemError:
    return ProblemError(
        401,
        "The access token is not valid.",
        code="invalid-token",
        headers=_challenge("invalid_token"),
    )


def _challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="muninn"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401, "A bearer access token is required.", code="unauthenticated", headers=_challenge()
        )
    return token.strip()


async def current_principal(request: Request) -> Principal:
    # async also because a plain-def dependency runs on a worker thread, and the user bound
    # to the log context there would not reach the request's own logs.
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known  # verified once per request, however many dependencies ask
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = await verifier.verify(bearer_token(request))
    request.state.principal = principal
    bind_user(principal.user_id)
    # The user's content is read and written where it lives (their own database for BYOD).
    routes: RouteTable | None = getattr(request.app.state, "routes", None)
    serve(routes.route_of(principal.user_id) if routes is not None else None)
    # Model calls made while answering are this user's usage (muninn_shared.model_calls).
    act_for(principal.user_id)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_operator(principal: CurrentPrincipal) -> Principal:
    """The caller, who must be an operator (403 ``operator-only`` otherwise)."""
    principal.require_operator()
    return principal


CurrentOperator = Annotated[Principal, Depends(current_operator)]
