"""Access tokens: issued by identity, verified by the gateway and by every service.

HS256 with a shared secret keeps the local stack dependency-free; the gateway forwards the
caller's (or its own exchanged) token, so every service checks the user itself rather than
trusting a header.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from muninn_shared.problems import ProblemError

ALGORITHM = "HS256"

ALL_SCOPES = ("read", "write", "admin")


@dataclass(frozen=True)
class Principal:
    user_id: str
    scopes: frozenset[str] = field(default_factory=lambda: frozenset(ALL_SCOPES))
    session_id: str | None = None
    token_id: str | None = None
    via_api_key: str | None = None

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "admin" not in self.scopes:
            raise ProblemError(
                403, f"This credential lacks the '{scope}' scope.", code="insufficient-scope"
            )


class TokenCodec:
    def __init__(self, secret: str, *, issuer: str, audience: str, ttl_seconds: int) -> None:
        if len(secret) < 32:
            raise ValueError("MUNINN_JWT_SECRET must be at least 32 characters")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self.ttl_seconds = ttl_seconds

    def issue(
        self,
        user_id: str,
        *,
        scopes: frozenset[str] | tuple[str, ...] = ALL_SCOPES,
        session_id: str | None = None,
        api_key_id: str | None = None,
        ttl_seconds: int | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": user_id,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "nbf": now,
            "exp": now + (ttl_seconds or self.ttl_seconds),
            "jti": uuid.uuid4().hex,
            "typ": "access",
            "scope": " ".join(sorted(scopes)),
        }
        if session_id:
            claims["sid"] = session_id
        if api_key_id:
            claims["akid"] = api_key_id
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._secret,
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
            raise ProblemError(
                401,
                "The access token is not valid.",
                code="invalid-token",
                headers=_challenge("invalid_token"),
            ) from None
        if claims.get("typ") != "access":
            raise ProblemError(
                401,
                "Not an access token.",
                code="invalid-token",
                headers=_challenge("invalid_token"),
            )
        return Principal(
            user_id=str(claims["sub"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
            session_id=claims.get("sid"),
            token_id=claims.get("jti"),
            via_api_key=claims.get("akid"),
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
    # async although it never waits: FastAPI runs a plain-def dependency on a worker thread
    # (a thread hop on every request), and the user bound to the log context there would
    # not reach the request's own logs.
    # The app-wide scope check (muninn_shared.http.scopes) verified it first: once is enough.
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    codec: TokenCodec = request.app.state.token_codec
    principal = codec.verify(bearer_token(request))
    request.state.principal = principal
    from muninn_shared.logging import bind_user

    bind_user(principal.user_id)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
