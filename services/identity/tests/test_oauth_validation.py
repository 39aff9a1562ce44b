"""What a dynamically registered MCP client may ask for (redirect URIs, names, scopes, grants),
and which redirect URI an authorization request may name."""

from __future__ import annotations

from typing import Any

import pytest
from mcp.server.auth.provider import RegistrationError
from mcp.shared.auth import InvalidRedirectUriError, OAuthClientInformationFull
from muninn_identity.oauth.validation import (
    RegisteredClient,
    check_client,
    redirect_target,
    redirect_uri_matches,
    redirect_uri_problem,
)
from pydantic import AnyUrl


@pytest.mark.parametrize(
    "uri",
    [
        "https://claude.ai/api/mcp/auth_callback",
        "https://app.example.org/oauth/callback?tenant=1",
        "http://localhost:33418/callback",
        "http://127.0.0.1:6274/oauth/callback",
        "http://[::1]:8000/cb",
        "http://127.0.0.2/cb",
        # RFC 8252 §7.1 private-use schemes: reverse-domain ones, and real clients' words.
        "com.example.app:/oauth2redirect",
        "com.example.app:/oauth2redirect/example-provider",
        "org.muninn.desktop://callback",
        "cursor://anysphere.cursor-retrieval/oauth/user-XXX/callback",
        "vscode://vscode.github-authentication/did-authenticate",
        "vscode-insiders://ms-vscode.remote/cb?x=1",
        "my+app.v2:/cb",
    ],
)
def test_https_loopback_http_and_private_use_schemes_may_receive_codes(uri: str) -> None:
    assert redirect_uri_problem(uri) is None


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        ("http://evil.example/callback", "https"),
        ("http://10.0.0.5/callback", "https"),
        ("http://localhost.evil.example/cb", "https"),
        ("http:/no-host", "host"),
        ("javascript:alert(1)", "javascript: scheme"),
        ("JavaScript://%0aalert(1)", "javascript: scheme"),
        ("vbscript:msgbox(1)", "vbscript: scheme"),
        ("data:text/html,<script>alert(1)</script>", "data: scheme"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data: scheme"),
        ("file:///etc/passwd", "file: scheme"),
        ("about:blank", "about: scheme"),
        ("blob:https://app.example.org/1234", "blob: scheme"),
        ("filesystem:https://app.example.org/temporary/x", "filesystem: scheme"),
        ("view-source:https://app.example.org/", "view-source: scheme"),
        ("ws://127.0.0.1:8080/cb", "ws: scheme"),
        ("wss://app.example.org/cb", "wss: scheme"),
        ("ftp://app.example.org/cb", "ftp: scheme"),
        ("mailto:someone@example.org", "mailto: scheme"),
        ("tel:+15551234", "tel: scheme"),
        ("intent://scan/#Intent;scheme=zxing;end", "fragment"),
        ("intent://scan/", "intent: scheme"),
        ("ms-msdt:/id PCWDiagnostic", "holds spaces"),
        ("ms-msdt:/id", "ms-msdt: scheme"),
        ("search-ms:query=x", "search-ms: scheme"),
        ("chrome-extension://abc/cb", "chrome-extension: scheme"),
        ("urn:ietf:wg:oauth:2.0:oob", "urn: scheme"),
        ("com.example.app:/cb#frag", "fragment"),
        ("cursor://user:secret@anysphere.cursor-retrieval/cb", "credentials"),
        ("com.example.app:", "nothing else"),
        ("com.example.app://", "nothing else"),
        ("1app:/cb", "needs a scheme"),
        ("/relative/callback", "needs a scheme"),
        ("a" * 65 + ":/cb", "longer than 64"),
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


@pytest.mark.parametrize(
    ("requested", "registered"),
    [
        ("https://claude.ai/api/mcp/auth_callback", "https://claude.ai/api/mcp/auth_callback"),
        ("com.example.app:/oauth2redirect", "com.example.app:/oauth2redirect"),
        ("cursor://anysphere.cursor-retrieval/cb", "cursor://anysphere.cursor-retrieval/cb"),
        # Only what the URL parser writes the same way on both sides: case, an empty path.
        ("https://claude.ai/", "https://CLAUDE.ai"),
        # RFC 8252 §7.3: a loopback http URI on any port.
        ("http://127.0.0.1:51234/callback", "http://127.0.0.1:47821/callback"),
        ("http://127.0.0.1:51234/callback", "http://127.0.0.1/callback"),
        ("http://127.0.0.1/callback", "http://127.0.0.1:47821/callback"),
        ("http://[::1]:6000/cb?x=1", "http://[::1]:7000/cb?x=1"),
        ("http://localhost:33418/callback", "http://localhost:8080/callback"),
        ("http://127.0.0.1:9/", "http://127.0.0.1:8"),
    ],
)
def test_a_registered_uri_matches(requested: str, registered: str) -> None:
    assert redirect_uri_matches(requested, registered)


@pytest.mark.parametrize(
    ("requested", "registered"),
    [
        ("https://claude.ai/api/mcp/auth_callback2", "https://claude.ai/api/mcp/auth_callback"),
        ("https://claude.ai/cb?x=2", "https://claude.ai/cb?x=1"),
        ("https://claude.ai:8443/cb", "https://claude.ai/cb"),
        ("https://127.0.0.1:8443/cb", "https://127.0.0.1:9443/cb"),
        ("https://claude.ai.evil.example/cb", "https://claude.ai/cb"),
        ("com.example.app:/oauth2redirect/x", "com.example.app:/oauth2redirect"),
        ("com.example.evil:/oauth2redirect", "com.example.app:/oauth2redirect"),
        ("cursor://anysphere.cursor-retrieval:99/cb", "cursor://anysphere.cursor-retrieval/cb"),
        # The port rule is the only slack: host, path and query of a loopback URI hold.
        ("http://localhost:5000/callback", "http://127.0.0.1:5000/callback"),
        ("http://127.0.0.2:5000/callback", "http://127.0.0.1:5000/callback"),
        ("http://127.0.0.1:5000/other", "http://127.0.0.1:5000/callback"),
        ("http://127.0.0.1:5000/callback?x=1", "http://127.0.0.1:5000/callback"),
        ("http://evil.example:5000/callback", "http://evil.example:6000/callback"),
        ("not a url", "https://claude.ai/cb"),
    ],
)
def test_anything_else_does_not_match(requested: str, registered: str) -> None:
    assert not redirect_uri_matches(requested, registered)


def registered(*uris: str) -> RegisteredClient:
    return RegisteredClient.model_validate({"client_id": "c1", "redirect_uris": list(uris)})


def test_authorization_takes_the_requested_loopback_port_and_refuses_the_unregistered() -> None:
    client = registered("http://127.0.0.1:47821/callback", "com.example.app:/cb")
    chosen = client.validate_redirect_uri(AnyUrl("http://127.0.0.1:51234/callback"))
    assert str(chosen) == "http://127.0.0.1:51234/callback", "codes go where the app listens"
    assert str(client.validate_redirect_uri(AnyUrl("com.example.app:/cb"))) == (
        "com.example.app:/cb"
    )
    for refused in ("com.example.app:/cb2", "http://127.0.0.1:51234/other", "cursor://x/cb"):
        with pytest.raises(InvalidRedirectUriError):
            client.validate_redirect_uri(AnyUrl(refused))
    with pytest.raises(InvalidRedirectUriError, match="must be specified"):
        client.validate_redirect_uri(None)
    only = registered("cursor://anysphere.cursor-retrieval/cb")
    assert str(only.validate_redirect_uri(None)) == "cursor://anysphere.cursor-retrieval/cb"


@pytest.mark.parametrize(
    ("uri", "target"),
    [
        ("https://claude.ai/api/mcp/auth_callback", "claude.ai"),
        ("http://127.0.0.1:47821/callback", "127.0.0.1"),
        ("http://[::1]:8000/cb", "::1"),
        ("cursor://anysphere.cursor-retrieval/oauth/cb", "cursor://anysphere.cursor-retrieval"),
        ("com.example.app:/oauth2redirect", "com.example.app:"),
    ],
)
def test_where_codes_go_reads_as_a_host_or_an_app_scheme(uri: str, target: str) -> None:
    assert redirect_target(uri) == target


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
    check_client(
        client(
            redirect_uris=[
                "cursor://anysphere.cursor-retrieval/oauth/user-1/callback",
                "com.example.app:/oauth2redirect",
                "http://localhost:33418/callback",
            ]
        )
    )


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
        ({"redirect_uris": ["javascript:alert(1)"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["com.example.app:/cb#x"]}, "invalid_redirect_uri"),
        ({"scope": "read admin"}, "invalid_client_metadata"),
        ({"scope": "read operator"}, "invalid_client_metadata"),
        ({"client_name": "x" * 121}, "invalid_client_metadata"),
        ({"client_name": "Looks\nlike two lines"}, "invalid_client_metadata"),
        ({"grant_types": ["authorization_code", "client_credentials"]}, "invalid_client_metadata"),
    ],
)
def test_a_client_muninn_will_not_serve_is_refused(fields: dict[str, Any], error: str) -> None:
    with pytest.raises(RegistrationError) as refused:
        check_client(client(**fields))
    assert refused.value.error == error
