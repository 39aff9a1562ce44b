"""Google OAuth messages (PKCE S256, code exchange, refresh, revocation), the token holder
(refresh on expiry, once on a 401, saved back) and Google's errors mapped to the port's."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from muninn_integrations.connectors.google.api import (
    GoogleApi,
    GoogleReply,
    TokenHolder,
    google_error,
)
from muninn_integrations.connectors.google.config import GoogleConfig, granted_products, scopes_for
from muninn_integrations.connectors.google.oauth import (
    GoogleOAuth,
    GoogleTokens,
    authorization_url,
    new_code_verifier,
)
from muninn_integrations.connectors.port import (
    CredentialsRejectedError,
    CursorExpiredError,
    SourceRejectedError,
    SourceUnavailableError,
)

CONFIG = GoogleConfig(
    client_id="client-1",
    client_secret="secret-1",
    redirect_uri="https://muninn.example/cb",
    token_url="https://oauth.test/token",
    revoke_url="https://oauth.test/revoke",
)


def tokens(*, expired: bool = False, access: str = "old-access") -> GoogleTokens:
    delta = timedelta(minutes=-5 if expired else 30)
    return GoogleTokens(
        access, "refresh-1", datetime.now(UTC) + delta, tuple(scopes_for(["calendar"]))
    )


def test_the_authorization_url_carries_an_s256_challenge_of_the_verifier() -> None:
    verifier = new_code_verifier()
    assert 43 <= len(verifier) <= 128
    url = authorization_url(CONFIG, state="st-123", code_verifier=verifier, scopes=["a", "b"])
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert query["code_challenge"] == digest.decode()
    assert query["code_challenge_method"] == "S256"
    assert (query["state"], query["scope"], query["client_id"]) == ("st-123", "a b", "client-1")
    assert query["redirect_uri"] == "https://muninn.example/cb"
    assert "code_verifier" not in query


def test_tokens_round_trip_through_the_vault_secret_and_hide_in_repr() -> None:
    held = tokens()
    again = GoogleTokens.from_secret(held.to_secret())
    assert again.access_token == held.access_token
    assert again.refresh_token == held.refresh_token
    assert again.scopes == held.scopes
    assert again.expires_at is not None
    assert held.expires_at is not None
    assert abs((again.expires_at - held.expires_at).total_seconds()) < 1
    assert "old-access" not in repr(held)
    assert "refresh-1" not in repr(held)


def test_granted_products_need_every_scope_of_a_product() -> None:
    assert [p.value for p in granted_products(scopes_for(["calendar", "mail"]))] == [
        "calendar",
        "mail",
    ]
    assert granted_products(["https://www.googleapis.com/auth/calendar.events"]) == []


async def test_code_exchange_sends_the_verifier_and_refresh_keeps_the_refresh_token() -> None:
    seen: list[dict[str, list[str]]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        seen.append(form)
        body = {"access_token": "new-access", "expires_in": 3600, "token_type": "Bearer"}
        if form["grant_type"] == ["authorization_code"]:
            body.update(refresh_token="refresh-2", scope="s1 s2")
        return httpx.Response(200, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        oauth = GoogleOAuth(CONFIG, http)
        exchanged = await oauth.exchange("code-1", "verifier-1")
        refreshed = await oauth.refresh(exchanged)
    assert seen[0]["code_verifier"] == ["verifier-1"]
    assert seen[0]["redirect_uri"] == ["https://muninn.example/cb"]
    assert seen[0]["client_secret"] == ["secret-1"]
    assert exchanged.scopes == ("s1", "s2")
    assert seen[1]["grant_type"] == ["refresh_token"]
    assert seen[1]["refresh_token"] == ["refresh-2"]
    # Google sends no new refresh token (nor scope) on a refresh: the old ones stay.
    assert (refreshed.refresh_token, refreshed.scopes) == ("refresh-2", ("s1", "s2"))


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, {"error": "invalid_grant"}, CredentialsRejectedError),
        (401, {"error": "invalid_client"}, CredentialsRejectedError),
        (503, {}, SourceUnavailableError),
        (400, {"error": "invalid_request"}, SourceRejectedError),
    ],
)
async def test_a_refused_refresh_maps_to_the_port(
    status: int, body: dict[str, str], error: type[Exception]
) -> None:
    transport = httpx.MockTransport(lambda _: httpx.Response(status, json=body))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(error):
            await GoogleOAuth(CONFIG, http).refresh(tokens())


async def test_the_holder_refreshes_an_expired_token_and_once_on_a_401_and_saves_it() -> None:
    issued = iter(["access-2", "access-3"])
    calls: list[str] = []
    saved: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": next(issued), "expires_in": 3600})
        bearer = request.headers["Authorization"].removeprefix("Bearer ")
        calls.append(bearer)
        if bearer == "access-2":  # revoked early at Google
            return httpx.Response(401, json={"error": {"code": 401, "status": "UNAUTHENTICATED"}})
        return httpx.Response(200, json={"ok": bearer})

    async def save(new: GoogleTokens) -> None:
        saved.append(new.access_token)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        holder = TokenHolder(tokens(expired=True), GoogleOAuth(CONFIG, http), save)
        api = GoogleApi(http, holder)
        answer_json = await api.get_json("https://api.test/thing")
    assert answer_json == {"ok": "access-3"}
    assert calls == ["access-2", "access-3"]
    assert saved == ["access-2", "access-3"]


async def test_a_401_after_a_refresh_is_refused_credentials() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"access_token": "again", "expires_in": 3600})
        return httpx.Response(401, json={"error": {"code": 401}})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        api = GoogleApi(http, TokenHolder(tokens(), GoogleOAuth(CONFIG, http), None))
        with pytest.raises(CredentialsRejectedError):
            await api.get_json("https://api.test/thing")


def reply(status: int, body: object = None, **headers: str) -> GoogleReply:
    return GoogleReply(status, httpx.Headers(headers), json.dumps(body or {}).encode())


def test_google_errors_map_to_the_port() -> None:
    gone = reply(410, {"error": {"errors": [{"reason": "fullSyncRequired"}]}})
    assert isinstance(google_error(gone, writing=False), CursorExpiredError)
    expired = reply(
        400,
        {"error": {"status": "FAILED_PRECONDITION", "details": [{"reason": "EXPIRED_SYNC_TOKEN"}]}},
    )
    assert isinstance(google_error(expired, writing=False), CursorExpiredError)
    limited = google_error(reply(429, {}, **{"Retry-After": "7"}), writing=False)
    assert isinstance(limited, SourceUnavailableError)
    assert limited.retry_after == 7
    quota = reply(403, {"error": {"errors": [{"reason": "userRateLimitExceeded"}]}})
    assert isinstance(google_error(quota, writing=False), SourceUnavailableError)
    assert isinstance(google_error(reply(403), writing=False), CredentialsRejectedError)
    read_only = google_error(reply(403), writing=True)
    assert isinstance(read_only, SourceRejectedError)
    assert "read-only" in read_only.public_message
    stale = google_error(reply(412), writing=True)
    assert "changed at the server" in stale.public_message
    deleted = google_error(reply(410), writing=True)
    assert isinstance(deleted, SourceRejectedError)
    assert "No such event" in deleted.public_message


def test_google_is_configured_only_in_full() -> None:
    from muninn_integrations.settings import IntegrationsSettings

    assert IntegrationsSettings().google_config() is None
    with pytest.raises(ValueError, match="MUNINN_GOOGLE_CLIENT_SECRET"):
        IntegrationsSettings(google_client_id="id").google_config()
    config = IntegrationsSettings(
        google_client_id="id",
        google_client_secret="s",
        google_redirect_uri="https://muninn.example/cb",
    ).google_config()
    assert config is not None
    assert config.token_url == "https://oauth2.googleapis.com/token"
    assert "client_secret" not in repr(config)  # the secret never reaches a log line
