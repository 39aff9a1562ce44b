"""What a dynamically registered MCP client may ask for: redirect URIs, names, scopes, grants."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import OAuthClientInformationFull
from muninn_identity.oauth.validation import check_client, redirect_uri_problem


@pytest.mark.parametrize(
    "uri",
    [
        "https://claude.ai/api/mcp/auth_callback",
        "https://app.example.org/oauth/callback?tenant=1",
        "http://localhost:33418/callback",
        "http://127.0.0.1:6274/oauth/callback",
        "http://[::1]:8000/cb",
        "http://127.0.0.2/cb",
    ],
)
def test_https_and_loopback_http_may_receive_codes(uri: str) -> None:
    assert redirect_uri_problem(uri) is None


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        ("http://evil.example/callback", "https"),
        ("http://10.0.0.5/callback", "https"),
        ("http://localhost.evil.example/cb", "https"),
        ("cursor://anysphere.cursor-retrieval/oauth/callback", "https"),
        ("javascript:alert(1)", "host"),
        ("https://app.example.org/cb#fragment", "fragment"),
        ("https://user:secret@app.example.org/cb", "credentials"),
        ("https:///no-host", "host"),
        ("https://app.example.org/a b", "spaces"),
        ("https://app.example.org:99999/cb", "valid URL"),
        ("https://app.example.org/" + "a" * 2100, "too long"),
    ],
)
def test_anything_else_is_refused_with_the_reason(uri: str, why: str) -> None:
    problem = redirect_uri_problem(uri)
    assert problem is not None
    assert why in problem


def client(**fields: Any) -> OAuthClientInformationFull:
    metadata: dict[str, Any] = {
        "client_id": "c1",
        "redirect_uris": ["https://app.example.org/cb"],
        "client_name": "Example",
        "scope": "read write",
        "grant_types": ["authorization_code", "refresh_token"],
        **fields,
    }
    return OAuthClientInformationFull.model_validate(metadata)


def test_a_well_formed_client_is_accepted() -> None:
    check_client(client())
    check_client(client(scope=None, client_name=None))


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"redirect_uris": ["http://evil.example/cb"]}, "invalid_redirect_uri"),
        (
            {"redirect_uris": ["https://ok.example/cb", "http://evil.example/cb"]},
            "invalid_redirect_uri",
        ),
        (
            {"redirect_uris": [f"https://app.example.org/{i}" for i in range(11)]},
            "invalid_redirect_uri",
        ),
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"scope": "read admin"}, "invalid_client_metadata"),
        ({"client_name": "x" * 121}, "invalid_client_metadata"),
        ({"client_name": "Looks\nlike two lines"}, "invalid_client_metadata"),
        ({"grant_types": ["authorization_code", "client_credentials"]}, "invalid_client_metadata"),
    ],
)
def test_a_client_muninn_will_not_serve_is_refused(fields: dict[str, Any], error: str) -> None:
    with pytest.raises(RegistrationError) as refused:
        check_client(client(**fields))
    assert refused.value.error == error
