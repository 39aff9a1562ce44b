"""OAuth 2.0 authorization code with PKCE (RFC 7636, S256) against Google's endpoints.

authlib builds and parses the protocol messages (authorization URL, token and revocation
requests, the token's expiry); they are sent over the guarded httpx client, because
authlib's own HTTP client is built on another HTTP library and would bypass the outbound
guard's transport.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import url_decode
from authlib.oauth2.rfc6749 import OAuth2Token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7009 import prepare_revoke_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from muninn_shared.logging import get_logger
from muninn_shared.outbound import OutboundRefusedError

from muninn_integrations.connectors.dav.client import retry_after
from muninn_integrations.connectors.google.config import GoogleConfig
from muninn_integrations.connectors.port import (
    AddressRefusedError,
    CredentialsRejectedError,
    SourceRejectedError,
    SourceUnavailableError,
)

log = get_logger(__name__)

VERIFIER_CHARS = 64  # RFC 7636: 43 to 128 unreserved characters
MAX_TOKEN_RESPONSE_BYTES = 64 * 1024
# Refused grants: the refresh token was revoked, expired (unused for six months, or a
# password change for Gmail scopes) or belongs to another client. The user must reconnect.
_REFUSED_GRANTS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})
_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    return str(generate_token(VERIFIER_CHARS))


@dataclass(frozen=True)
class GoogleTokens:
    """An access token (short-lived), the refresh token and what they were granted.

    Kept only in the vault; its repr names no token."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None
    scopes: tuple[str, ...]

    def expired(self, *, leeway: float = 60.0) -> bool:
        if self.expires_at is None:
            return False
        return self.expires_at - timedelta(seconds=leeway) <= datetime.now(UTC)

    def to_secret(self) -> dict[str, str]:
        values = {"access_token": self.access_token, "scope": " ".join(self.scopes)}
        if self.refresh_token:
            values["refresh_token"] = self.refresh_token
        if self.expires_at is not None:
            values["expires_at"] = str(int(self.expires_at.timestamp()))
        return values

    @classmethod
    def from_secret(cls, secret: Any) -> GoogleTokens:
        expires = secret.get("expires_at")
        return cls(
            access_token=secret["access_token"],
            refresh_token=secret.get("refresh_token") or None,
            expires_at=datetime.fromtimestamp(int(expires), UTC) if expires else None,
            scopes=tuple(str(secret.get("scope", "")).split()),
        )

    @classmethod
    def from_response(cls, body: dict[str, Any], *, previous: GoogleTokens | None) -> GoogleTokens:
        token = OAuth2Token.from_dict(dict(body))
        access = token.get("access_token")
        if not isinstance(access, str) or not access:
            raise SourceRejectedError("Google answered without an access token.")
        expires_at = token.get("expires_at")
        scope = token.get("scope")
        scopes = tuple(str(scope).split()) if scope else (previous.scopes if previous else ())
        refresh = token.get("refresh_token") or (previous.refresh_token if previous else None)
        return cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=datetime.fromtimestamp(expires_at, UTC) if expires_at else None,
            scopes=scopes,
        )


def authorization_url(
    config: GoogleConfig, *, state: str, code_verifier: str, scopes: list[str]
) -> str:
    """Google's consent page for these scopes, with the PKCE challenge (S256) and state."""
    uri: str = prepare_grant_uri(
        config.authorize_url,
        client_id=config.client_id,
        response_type="code",
        redirect_uri=config.redirect_uri,
        scope=" ".join(scopes),
        state=state,
        code_challenge=create_s256_code_challenge(code_verifier),
        code_challenge_method="S256",
        # offline: a refresh token, so syncs go on without the user; consent: Google
        # sends a refresh token again when an account reconnects.
        access_type="offline",
        prompt="consent",
    )
    return uri


class GoogleOAuth:
    def __init__(self, config: GoogleConfig, http: httpx.AsyncClient) -> None:
        self._config = config
        self._http = http

    def authorization_url(self, *, state: str, code_verifier: str, scopes: list[str]) -> str:
        return authorization_url(
            self._config, state=state, code_verifier=code_verifier, scopes=scopes
        )

    async def exchange(self, code: str, code_verifier: str) -> GoogleTokens:
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=self._config.redirect_uri,
            code_verifier=code_verifier,
            client_id=self._config.client_id,
            client_secret=self._config.client_secret,
        )
        answer = await self._post(self._config.token_url, body)
        return GoogleTokens.from_response(answer, previous=None)

    async def refresh(self, tokens: GoogleTokens) -> GoogleTokens:
        if not tokens.refresh_token:
            raise CredentialsRejectedError(
                "Google gave no refresh token; connect the account again."
            )
        body = prepare_token_request(
            "refresh_token",
            refresh_token=tokens.refresh_token,
            client_id=self._config.client_id,
            client_secret=self._config.client_secret,
        )
        answer = await self._post(self._config.token_url, body)
        return GoogleTokens.from_response(answer, previous=tokens)

    async def revoke(self, token: str) -> None:
        """Revoke the grant (a refresh token revokes its access tokens too)."""
        body, headers = prepare_revoke_token_request(token, body="", headers=dict(_FORM))
        await self._post(self._config.revoke_url, body, headers=headers, expect_json=False)

    async def _post(
        self,
        url: str,
        body: str,
        *,
        headers: dict[str, str] | None = None,
        expect_json: bool = True,
    ) -> dict[str, Any]:
        try:
            response = await self._http.post(url, content=body.encode(), headers=headers or _FORM)
        except OutboundRefusedError as exc:
            raise AddressRefusedError(exc.public_message) from None
        except httpx.TimeoutException:
            raise SourceUnavailableError("Google did not answer in time.") from None
        except httpx.TransportError:
            raise SourceUnavailableError("Google could not be reached.") from None
        raw = response.content[:MAX_TOKEN_RESPONSE_BYTES]
        if response.status_code == 429 or response.status_code >= 500:
            raise SourceUnavailableError(
                f"Google's sign-in service is unavailable (HTTP {response.status_code}).",
                retry_after=retry_after(response.headers.get("Retry-After")),
            )
        answer = _json_object(raw)
        if response.status_code >= 400:
            error = str(answer.get("error", ""))
            # The error code only: a description may echo request details.
            log.info("google_oauth_refused", status=response.status_code, error=error[:64])
            if error in _REFUSED_GRANTS:
                raise CredentialsRejectedError(
                    "Google refused the authorization; connect the account again."
                )
            raise SourceRejectedError(f"Google refused the request (HTTP {response.status_code}).")
        if expect_json and not answer:
            raise SourceRejectedError("Google's answer was not a token.")
        return answer


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        # Some servers answer a token request form-encoded.
        try:
            return dict(url_decode(raw.decode("utf-8", errors="replace")))
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}
