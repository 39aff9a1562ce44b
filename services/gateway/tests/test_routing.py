"""The route table: whole-segment longest-prefix matching, and the settings that feed it."""

from __future__ import annotations

import pytest
from muninn_gateway.routing.table import PublicRoutes, RouteTable, split_path
from muninn_gateway.settings import GatewaySettings
from pydantic import ValidationError


@pytest.fixture(scope="module")
def table() -> RouteTable:
    return RouteTable.from_settings(
        GatewaySettings(
            routes={**GatewaySettings().routes, "/v1/conversations/exports": "memory"},
            route_read_timeouts={"/v1/chat/completions": 300.0},
            upstream_timeout_seconds=7.0,
        )
    )


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/v1/auth/login", "identity"),
        ("/v1/me", "identity"),
        ("/v1/me/", "identity"),
        ("/v1/me/api-keys/k1", "identity"),
        # One audit log, identity's: integrations' changes reach it as events.
        ("/v1/me/audit-log", "identity"),
        # Patterns are learned by the scheduler, which sees notifications answered.
        ("/v1/me/patterns", "scheduler"),
        ("/v1/me/patterns/p1/dismiss", "scheduler"),
        ("/v1/me/patterns-elsewhere", "identity"),
        ("/v1/usage/calls", "conversation"),
        ("/v1/conversations", "conversation"),
        ("/v1/conversations/c1/messages", "conversation"),
        ("/v1/conversations/exports/e1", "memory"),
        ("/v1/chat/completions", "conversation"),
        ("/v1/models", "conversation"),
        ("/v1/advisor-board", "conversation"),
        ("/v1/memories/search", "memory"),
        ("/v1/interests", "memory"),
        ("/v1/reminders/r1", "scheduler"),
        ("/v1/providers", "scheduler"),
        ("/v1/expenses/summary", "scheduler"),
        ("/v1/lists/l1/items/i1", "scheduler"),
        ("/v1/calendar/events", "integrations"),
        ("/v1/mail", "integrations"),
        ("/v1/byod/stores", "byod"),
        # The operator's routes, each with the service that owns what it shows.
        ("/v1/admin/users", "identity"),
        ("/v1/admin/users/u1", "identity"),
        ("/v1/admin/index", "memory"),
        # mem0's client, given host=<gateway>/mem0, calls its own /v1, /v2 and /v3 paths there.
        ("/mem0/v1/ping/", "memory"),
        ("/mem0/v3/memories/search/", "memory"),
        ("/mem0/v1/memories/m1/history/", "memory"),
    ],
)
def test_paths_reach_their_service(table: RouteTable, path: str, service: str) -> None:
    route = table.match(path)
    assert route is not None
    assert route.service == service


@pytest.mark.parametrize(
    "path",
    [
        "/v1",
        "/v1/",
        "/v1/mem",
        "/v1/memoriesx",
        "/v1/chat",
        "/v1/chat/completion",
        "/v1/admin",
        "/v1/admin/usersx",
        "/v1/admin/backup",
        "/v1//memories",
        "/v1/me/../internal",
        "/v1/me/./x",
        "/internal/api-keys/verify",
        "/v2/memories",
        "/v3/memories/add/",
        "/mem0x/v1/ping",
        "/mem0/../v1/me",
        "memories",
        "",
    ],
)
def test_other_paths_reach_nothing(table: RouteTable, path: str) -> None:
    assert table.match(path) is None


def test_per_route_timeouts_and_body_limits(table: RouteTable) -> None:
    completions = table.match("/v1/chat/completions")
    assert completions is not None
    assert completions.read_timeout == 300.0
    memories = table.match("/v1/memories")
    assert memories is not None
    assert memories.read_timeout == 7.0
    assert memories.max_body_bytes == 1024 * 1024
    documents = table.match("/v1/documents/d1/content")
    assert documents is not None
    assert documents.max_body_bytes == 25 * 1024 * 1024


def test_split_path_refuses_dot_segments() -> None:
    assert split_path("/v1/me") == ("v1", "me")
    assert split_path("/v1/me/") == ("v1", "me")
    assert split_path("/v1/a/../b") is None
    assert split_path("/v1/a\x00") is None


def test_public_routes_match_method_and_exact_path() -> None:
    public = PublicRoutes(GatewaySettings().public_routes)
    assert public.is_public("POST", "/v1/auth/login")
    assert public.is_public("post", "/v1/auth/register/")
    assert not public.is_public("GET", "/v1/auth/login")
    assert not public.is_public("POST", "/v1/auth/logout")
    assert not public.is_public("POST", "/v1/auth/login/extra")


@pytest.mark.parametrize(
    "routes",
    [
        {"/internal/api-keys": "identity"},
        {"/v1/x": "nobody"},
        {"/v1/../internal": "identity"},
        {"/": "identity"},
        {"/internal/mem0": "memory"},
        {"/mem1": "memory"},
    ],
)
def test_bad_route_tables_are_refused(routes: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(routes=routes)


def test_routes_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNINN_ROUTES", '{"/v1/widgets/": "memory"}')
    monkeypatch.setenv("MUNINN_CORS_ALLOWED_ORIGINS", '["https://app.example"]')
    settings = GatewaySettings()
    assert settings.routes == {"/v1/widgets": "memory"}
    assert settings.cors_allowed_origins == ["https://app.example"]
    assert settings.port == 8080
