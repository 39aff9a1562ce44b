"""``muninn admin users`` and ``muninn admin reembed`` against a scripted server (no network).

The same commands against the real stack are in tests/integration/end_to_end/test_cli.py;
here are what the stack cannot be made to show on demand: a re-embedding running, ending,
failing, and the memory service unreachable for a moment while it is watched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from muninn_client import Muninn, RetryPolicy
from muninn_client.cli import state as cli_state
from muninn_client.cli.app import app
from typer.testing import CliRunner, Result

BASE = "http://muninn.test"
FAST = RetryPolicy(max_retries=1, backoff_seconds=0.0, max_retry_wait=1.0)
Handler = Callable[[httpx.Request], httpx.Response]


def index_state(state: str, copied: int, total: int = 40, error: str | None = None) -> Any:
    progress = 1.0 if state == "complete" else (copied / total if total else 0.0)
    return {
        "instance_id": "memory-0",
        "shared": False,
        "embedding_model": "intfloat/multilingual-e5-small",
        "read_collection": "memories_old",
        "migration": {
            "state": state,
            "source": "memories_old",
            "target": "memories_new",
            "copied": copied,
            "total": total,
            "progress": progress,
            "error": error,
        },
        "pending": {"memories": 3, "document_chunks": 0, "summaries": 0, "limit": 100000},
    }


def account(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"u{number}",
        "email": f"user{number}@example.com",
        "name": f"User {number}",
        "status": "active",
        "created_at": f"2026-11-0{number}T10:00:00Z",
        "last_login_at": None,
        "last_active_at": f"2026-11-0{number}T10:00:00Z",
        "operator": False,
        **fields,
    }


def operator_only() -> httpx.Response:
    return httpx.Response(
        403,
        headers={"content-type": "application/problem+json"},
        json={
            "type": "https://muninn.dev/problems/operator-only",
            "title": "Forbidden",
            "status": 403,
            "detail": "Only an operator of this Muninn may do this.",
        },
    )


class Server:
    """Answers each request with the next scripted response of its path."""

    def __init__(self) -> None:
        self.script: dict[str, list[httpx.Response]] = {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.script[request.url.path]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Server:
    scripted = Server()

    def client(base_url: str | None = None, **_: Any) -> Muninn:
        http = httpx.Client(base_url=BASE, transport=httpx.MockTransport(scripted))
        return Muninn(BASE, api_key="mk_test", http=http, retry=FAST)

    monkeypatch.setenv("MUNINN_API_KEY", "mk_test")
    monkeypatch.setattr(cli_state, "Muninn", client)
    return scripted


def run(tmp_path: Path, *args: str, code: int = 0) -> Result:
    config = ["--base-url", BASE, "--config", str(tmp_path / "credentials.json")]
    result = CliRunner().invoke(app, [*config, *args], env={"COLUMNS": "200"})
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    return result


def test_watch_follows_the_copy_to_its_end_through_a_brief_outage(
    server: Server, tmp_path: Path
) -> None:
    unavailable = httpx.Response(503, headers={"content-type": "application/problem+json"})
    server.script["/v1/admin/index"] = [
        httpx.Response(200, json=index_state("running", 0)),
        httpx.Response(200, json=index_state("running", 16)),
        unavailable,  # the SDK retries once, then the command keeps watching
        unavailable,
        httpx.Response(200, json=index_state("running", 32)),
        httpx.Response(200, json=index_state("complete", 40)),
    ]
    result = run(tmp_path, "admin", "reembed", "--watch", "--interval", "0.1")
    assert "complete: 40 / 40 (100%)" in result.stdout
    assert "memory instance memory-0" in result.stdout
    assert "3 memories, 0 document chunks" in result.stdout
    assert len(server.requests) == 6


def test_a_failed_copy_exits_non_zero_and_json_gives_the_final_state(
    server: Server, tmp_path: Path
) -> None:
    server.script["/v1/admin/index"] = [
        httpx.Response(200, json=index_state("running", 8)),
        httpx.Response(200, json=index_state("failed", 8, error="model unreachable")),
    ]
    result = run(tmp_path, "--json", "admin", "reembed", "--watch", "--interval", "0.1", code=1)
    final = json.loads(result.stdout)
    assert final["migration"]["state"] == "failed"
    assert final["migration"]["error"] == "model unreachable"

    # Without --watch the state is printed once, with the same exit status.
    shown = run(tmp_path, "admin", "reembed", code=1)
    assert "failed: 8 / 40 (20%)" in shown.stdout
    assert "model unreachable" in shown.stdout


def test_idle_is_reported_at_once_even_when_watching(server: Server, tmp_path: Path) -> None:
    server.script["/v1/admin/index"] = [
        httpx.Response(200, json={**index_state("idle", 0, total=0), "read_collection": "m"})
    ]
    result = run(tmp_path, "admin", "reembed", "--watch")
    assert "idle: the index is the configured model's" in result.stdout
    assert len(server.requests) == 1


def test_users_pages_through_and_shows_one(server: Server, tmp_path: Path) -> None:
    server.script["/v1/admin/users"] = [
        httpx.Response(200, json={"items": [account(3), account(2)], "next_cursor": "c2"}),
        httpx.Response(200, json={"items": [account(1, operator=True)], "next_cursor": None}),
    ]
    listed = json.loads(
        run(tmp_path, "admin", "users", "--q", "a.b+c", "--limit", "10", "--json").stdout
    )
    assert [user["id"] for user in listed] == ["u3", "u2", "u1"]
    first, second = server.requests
    assert first.url.params["q"] == "a.b+c"
    assert first.url.params["limit"] == "10"
    assert "cursor" not in first.url.params
    assert second.url.params["cursor"] == "c2"

    server.script["/v1/admin/users"] = [
        httpx.Response(200, json={"items": [account(3), account(2)], "next_cursor": "c2"}),
    ]
    table = run(tmp_path, "admin", "users", "--limit", "2").stdout
    assert "user3@example.com" in table
    assert "user2@example.com" in table
    assert "2 accounts" in table
    run(tmp_path, "admin", "users", "--status", "gone", code=2)

    server.script["/v1/admin/users/u1"] = [httpx.Response(200, json=account(1, operator=True))]
    shown = run(tmp_path, "admin", "users", "show", "u1").stdout
    assert "user1@example.com" in shown
    assert "operator" in shown
    assert json.loads(run(tmp_path, "admin", "users", "show", "u1", "--json").stdout)["id"] == "u1"


def test_a_credential_that_is_no_operator_gets_the_servers_refusal(
    server: Server, tmp_path: Path
) -> None:
    server.script["/v1/admin/users"] = [operator_only()]
    server.script["/v1/admin/index"] = [operator_only()]
    for command in (("admin", "users"), ("admin", "reembed")):
        refused = run(tmp_path, *command, code=1)
        assert "403" in refused.output
        assert "operator" in refused.output
