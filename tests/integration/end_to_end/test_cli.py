"""The `muninn` command line against the whole stack (Typer's CliRunner, in-process).

Each test signs a new user in with `muninn login` into a credentials file of its own, then
drives the commands as a person (rich output) or a script (`--json`) would.
"""

from __future__ import annotations

import contextlib
import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from muninn_client import Conflict, Muninn
from muninn_client.cli.app import app
from typer.testing import CliRunner, Result

from tests.integration.e2e import OPERATOR_EMAIL, PASSWORD, bearer, new_email
from tests.integration.suite import Suite


class Cli:
    def __init__(self, suite: Suite, config: Path) -> None:
        self.runner = CliRunner()
        self.prefix = ["--base-url", suite.gateway_url, "--config", str(config)]
        self.config = config

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = self.runner.invoke(app, [*self.prefix, *args], env={"COLUMNS": "200"})
        assert result.exit_code == code, (result.exit_code, result.output, result.exception)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self("--json", *args).stdout)


@pytest.fixture
def cli(suite: Suite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """A user signed in with `muninn login`."""
    monkeypatch.delenv("MUNINN_API_KEY", raising=False)
    monkeypatch.delenv("MUNINN_BASE_URL", raising=False)
    email = new_email("cli")
    # The account is made with the SDK: the CLI signs in to an existing one.
    with Muninn(suite.gateway_url) as client:
        client.register({"email": email, "password": PASSWORD, "timezone": "Europe/Lisbon"})
    runner = Cli(suite, tmp_path / "muninn" / "credentials.json")
    signed_in = runner.json("login", "--email", email, "--password", PASSWORD)
    assert signed_in["user"]["email"] == email
    return runner


def test_login_keeps_credentials_private_and_refreshes_them_in_place(cli: Cli) -> None:
    mode = stat.S_IMODE(cli.config.stat().st_mode)
    assert mode == 0o600, oct(mode)
    saved = json.loads(cli.config.read_text())
    assert saved["access_token"]
    assert saved["refresh_token"]

    # A token the gateway refuses: the next command refreshes it and saves the new pair.
    cli.config.write_text(
        json.dumps({**saved, "access_token": saved["access_token"][:-4] + "AAAA"})
    )
    assert cli.json("whoami")["email"] == saved["email"]
    refreshed = json.loads(cli.config.read_text())
    assert refreshed["refresh_token"] != saved["refresh_token"]
    assert stat.S_IMODE(cli.config.stat().st_mode) == 0o600

    assert "signed out" in cli("logout").stdout
    assert not cli.config.exists()
    failed = cli("whoami", code=2)
    assert "muninn login" in failed.output


def test_memories_add_search_list_history_forget(cli: Cli) -> None:
    job = cli.json("memories", "add", "My bike lock code is 4417.", "--context", "personal")
    assert job["status"] == "done"
    memory_id = job["memories"][0]["id"]

    found = cli.json("memories", "search", "bike lock code")
    assert memory_id in [r["memory"]["id"] for r in found["results"] if r["memory"]]
    listed = cli.json("memories", "list", "--limit", "5")
    assert [m["id"] for m in listed] == [memory_id]
    table = cli("memories", "list").stdout
    assert "bike lock code" in table

    history = cli.json("memories", "history", memory_id)
    assert history["memory"]["id"] == memory_id
    assert cli.json("memories", "forget", memory_id) == {"deleted": memory_id}
    assert cli.json("memories", "list") == []
    changes = cli.json("memories", "history", memory_id)["changes"]
    assert "deleted" in [change["operation"] for change in changes]
    missing = cli("memories", "history", "no-such-memory", code=1)
    assert "404" in missing.output


def test_chat_streams_the_reply_and_json_gives_the_stored_message(cli: Cli) -> None:
    shown = cli("chat", "Hello there, I play the cello.", "--title", "cli chat")
    assert shown.stdout.strip(), "the reply is printed"
    answer = cli.json("chat", "And the piano too.")
    assert answer["message"]["status"] == "complete"
    assert answer["message"]["content"]
    again = cli.json("chat", "Which instruments?", "--conversation", answer["conversation_id"])
    assert again["conversation_id"] == answer["conversation_id"]


def test_reminders_and_export(cli: Cli, tmp_path: Path) -> None:
    reminder = cli.json("reminders", "add", "renew the passport", "--at", "2031-05-01T09:00:00Z")
    assert reminder["title"] == "renew the passport"
    assert [r["id"] for r in cli.json("reminders", "list")] == [reminder["id"]]
    assert cli.json("reminders", "complete", reminder["id"])["status"] == "completed"
    cli("reminders", "list", "--status", "sometimes", code=2)

    archive = tmp_path / "export.json"
    written = cli.json("export", "--output", str(archive))
    assert written["bytes"] == archive.stat().st_size > 0
    exported = json.loads(archive.read_text())
    assert "renew the passport" in json.dumps(exported)


def test_admin_dead_letters_use_the_operator_tool(cli: Cli, suite: Suite) -> None:
    letters = cli.json(
        "admin",
        "dead-letters",
        "list",
        "--topic",
        "muninn.byod.routing",
        "--bootstrap",
        suite.infra.kafka_bootstrap,
    )
    assert isinstance(letters, list)
    missing = cli(
        "admin",
        "dead-letters",
        "show",
        "muninn.byod.routing.dlq:0:999999",
        "--bootstrap",
        suite.infra.kafka_bootstrap,
        code=1,
    )
    assert "no such dead letter" in missing.output


def test_admin_backup_dumps_a_services_database(cli: Cli, suite: Suite, tmp_path: Path) -> None:
    dumped = cli.json(
        "admin",
        "backup",
        "--out",
        str(tmp_path / "dump"),
        "--uri",
        suite.infra.mongo_uri,
        "--database",
        suite.database("identity"),
    )
    assert dumped["command"] == "dump"
    written = {p.name for p in (tmp_path / "dump").iterdir()}
    assert suite.database("identity") in written, written


def signed_in_operator(suite: Suite, config: Path) -> Cli:
    """The suite's operator account (made by whichever test needs it first), signed in."""
    # An earlier test may have made it: the suite runs once per package.
    with Muninn(suite.gateway_url) as client, contextlib.suppress(Conflict):
        client.register({"email": OPERATOR_EMAIL, "password": PASSWORD, "name": "Operator"})
    operator = Cli(suite, config)
    operator.json("login", "--email", OPERATOR_EMAIL, "--password", PASSWORD)
    return operator


def test_an_operator_lists_users_and_sees_the_index_and_admin_is_not_enough(
    cli: Cli, suite: Suite, tmp_path: Path
) -> None:
    # An account owner's session holds every scope of their account: not the operator's.
    me = cli.json("whoami")
    refused = cli("admin", "users", code=1)
    assert "403" in refused.output
    assert "operator" in refused.output
    saved = json.loads(cli.config.read_text())
    with Muninn(suite.gateway_url) as owner:
        owner.login(me["email"], PASSWORD)
        key = owner.me.create_key({"name": "all of mine", "scopes": ["read", "write", "admin"]})
    with httpx.Client(base_url=suite.gateway_url, timeout=15) as http:
        for credential in (saved["access_token"], key.key):
            for path in ("/v1/admin/users", f"/v1/admin/users/{me['id']}", "/v1/admin/index"):
                answer = http.get(path, headers=bearer(credential))
                assert answer.status_code == 403, (path, answer.text)
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert answer.json()["type"].endswith("/operator-only")

    operator = signed_in_operator(suite, tmp_path / "operator" / "credentials.json")
    found = operator.json("admin", "users", "--q", me["email"].upper())
    assert [(u["id"], u["email"], u["operator"]) for u in found] == [(me["id"], me["email"], False)]
    assert operator.json("admin", "users", "show", me["id"])["email"] == me["email"]
    listed = operator.json("admin", "users", "--q", OPERATOR_EMAIL)
    assert [u["operator"] for u in listed] == [True]
    table = operator("admin", "users", "--limit", "5").stdout
    assert me["email"] in table
    assert OPERATOR_EMAIL in table

    index = operator.json("admin", "reembed", "--watch")
    assert index["migration"]["state"] == "idle"  # the suite never switched models
    assert index["embedding_model"]
    assert index["read_collection"]
    assert index["pending"]["memories"] >= 0
    assert "memory index" in operator("admin", "reembed").stdout
