"""The foundation end to end: every service and the gateway as processes, called as a client would.

Everything goes through the gateway (``suite.gateway_url``); MongoDB is read directly only
where the claim is about what is stored (bad input changes nothing, erasure leaves nothing).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from muninn_devstack.servers import free_port
from muninn_shared.signing import SigningKeyRing, TokenIssuer
from pymongo import AsyncMongoClient
from schemathesis.checks import not_a_server_error

from tests.integration.e2e import (
    PASSWORD,
    REQUEST_TIMEOUT,
    Doc,
    User,
    assert_problem,
    bearer,
    new_email,
    register,
    token_issuer,
)
from tests.integration.end_to_end.pim import (
    ERASURE_TIMEOUT,
    documents_mentioning,
    erasure_completed,
)
from tests.integration.suite import Suite

AUDIT_TIMEOUT = 60.0
FEED_TOKEN = "feed-token-" + uuid.uuid4().hex


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def identity_db(suite: Suite, mongo: AsyncMongoClient[Doc]) -> Any:
    return mongo[suite.database("identity")]


# -- sign-up, sign-in, tokens ------------------------------------------------------------------


async def test_register_login_me(client: httpx.AsyncClient) -> None:
    user = await register(client, "ada")
    login = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    tokens = login.json()["tokens"]
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] > 0

    me = await client.get("/v1/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user.id
    assert me.json()["email"] == user.email
    assert me.json()["last_login_at"] is not None
    assert me.headers.get("x-request-id")


async def test_bad_credentials_and_bad_tokens_change_nothing(
    client: httpx.AsyncClient, identity_db: Any
) -> None:
    user = await register(client, "bob")
    users_before = await identity_db.users.count_documents({})
    doc_before = await identity_db.users.find_one({"_id": user.id})
    sessions_before = await identity_db.refresh_tokens.count_documents({"user_id": user.id})
    assert doc_before is not None

    wrong = assert_problem(
        await client.post(
            "/v1/auth/login", json={"email": user.email, "password": "not the password"}
        ),
        401,
    )
    assert "password" in wrong["detail"]
    malformed = assert_problem(
        await client.post(
            "/v1/auth/register", json={"email": "not-an-email", "password": PASSWORD}
        ),
        422,
    )
    assert any("email" in error["loc"] for error in malformed["errors"])

    expired = token_issuer().issue(user.id, ttl_seconds=-60)
    assert assert_problem(await client.get("/v1/me", headers=bearer(expired)), 401)[
        "type"
    ].endswith("token-expired")

    head, payload, signature = user.access_token.split(".")
    flipped = "A" if signature[-5] != "A" else "B"
    tampered = f"{head}.{payload}.{signature[:-5]}{flipped}{signature[-4:]}"
    assert assert_problem(await client.get("/v1/me", headers=bearer(tampered)), 401)[
        "type"
    ].endswith("invalid-token")
    forged = TokenIssuer(
        SigningKeyRing.generate(), issuer="muninn", audience="muninn", ttl_seconds=600
    ).issue(user.id)
    assert_problem(await client.get("/v1/me", headers=bearer(forged)), 401)
    assert_problem(
        await client.patch(
            "/v1/me/preferences", json={"ai_model": "sneaky"}, headers=bearer(tampered)
        ),
        401,
    )
    unauthenticated = assert_problem(await client.get("/v1/me"), 401)
    assert unauthenticated["type"]

    assert await identity_db.users.count_documents({}) == users_before
    assert await identity_db.users.find_one({"_id": user.id}) == doc_before
    assert await identity_db.refresh_tokens.count_documents({"user_id": user.id}) == sessions_before
    prefs = await client.get("/v1/me/preferences", headers=user.headers)
    assert prefs.json()["ai_model"] != "sneaky"


async def test_reused_refresh_token_revokes_the_whole_family(
    client: httpx.AsyncClient, identity_db: Any
) -> None:
    user = await register(client, "rita")
    rotated = await client.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token})
    assert rotated.status_code == 200, rotated.text
    second_refresh = rotated.json()["refresh_token"]
    second_access = rotated.json()["access_token"]
    assert second_refresh != user.refresh_token
    assert (await client.get("/v1/me", headers=bearer(second_access))).status_code == 200
    users_before = await identity_db.users.count_documents({})

    reuse = assert_problem(
        await client.post("/v1/auth/refresh", json={"refresh_token": user.refresh_token}), 401
    )
    assert reuse["type"].endswith("refresh-token-reused")
    # The legitimate newer token dies with the family, and so does its access token.
    assert_problem(
        await client.post("/v1/auth/refresh", json={"refresh_token": second_refresh}), 401
    )
    assert assert_problem(await client.get("/v1/me", headers=bearer(second_access)), 401)[
        "type"
    ].endswith("session-revoked")
    assert await identity_db.users.count_documents({}) == users_before

    # Signing in again starts a new family that works.
    login = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200
    fresh = login.json()["tokens"]
    audit = await client.get("/v1/me/audit-log", headers=bearer(fresh["access_token"]))
    assert "auth.refresh_token_reuse_detected" in [e["action"] for e in audit.json()["items"]]


# -- the audit log: security events and changes made in other services ------------------------


@contextmanager
def calendar_feed() -> Iterator[str]:
    """A published calendar on loopback; its address, whose path is a secret of its own."""
    body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//muninn tests//EN\r\nEND:VCALENDAR\r\n"

    class Feed(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == f"/calendars/{FEED_TOKEN}.ics"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/calendars/{FEED_TOKEN}.ics"
    finally:
        server.shutdown()
        server.server_close()


async def test_changes_to_a_connection_reach_the_audit_log_beside_security_events(
    client: httpx.AsyncClient,
) -> None:
    """Integrations records the change, identity keeps it: one log at /v1/me/audit-log."""
    user = await register(client, "audit")
    login = await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    headers = {**bearer(login.json()["tokens"]["access_token"]), "User-Agent": "audit-e2e/1.0"}
    with calendar_feed() as feed_url:
        connected = await client.post(
            "/v1/integrations/connections",
            json={"provider": "ics", "server_url": feed_url},
            headers=headers,
            timeout=60,
        )
        assert connected.status_code == 201, connected.text
        connection_id = connected.json()["id"]
        renamed = await client.patch(
            f"/v1/integrations/connections/{connection_id}",
            json={"display_name": "Team calendar"},
            headers=headers,
        )
        assert renamed.status_code == 200, renamed.text

    deadline = time.monotonic() + AUDIT_TIMEOUT
    while True:
        changes = await client.get(
            "/v1/me/audit-log", params={"resource_type": "integration"}, headers=headers
        )
        assert changes.status_code == 200, changes.text
        if len(changes.json()["items"]) >= 2:
            break
        assert time.monotonic() < deadline, f"no change in the audit log: {changes.text}"
        await asyncio.sleep(0.5)
    rename, connect = changes.json()["items"]
    assert (rename["action"], connect["action"]) == ("update", "connect")
    assert rename["resource_id"] == connect["resource_id"] == connection_id
    assert rename["old_values"] == {"display_name": "127.0.0.1"}
    assert rename["new_values"] == {"display_name": "Team calendar"}
    assert connect["old_values"] is None
    assert connect["new_values"]["provider"] == "ics"
    for entry in (rename, connect):
        assert entry["actor"] == {"kind": "user", "id": user.id}
        assert entry["ip_address"] == "127.0.0.1"
        assert entry["user_agent"] == "audit-e2e/1.0"
    assert rename["api_endpoint"] == f"PATCH /v1/integrations/connections/{connection_id}"
    assert connect["api_endpoint"] == "POST /v1/integrations/connections"
    assert FEED_TOKEN not in changes.text

    # The security events are in the same log, and the filters tell them apart.
    everything = await client.get("/v1/me/audit-log", params={"limit": 200}, headers=headers)
    actions = [entry["action"] for entry in everything.json()["items"]]
    assert {"user.registered", "auth.login_succeeded", "connect", "update"} <= set(actions)
    signed_in = await client.get(
        "/v1/me/audit-log", params={"action": "auth.login_succeeded"}, headers=headers
    )
    assert [entry["actor"] for entry in signed_in.json()["items"]] == [None]
    assert_problem(
        await client.get(
            "/v1/me/audit-log", params={"resource_type": "Integration!"}, headers=headers
        ),
        422,
    )


# -- tenant isolation: one row per id-bearing endpoint -----------------------------------------


@dataclass(frozen=True)
class OwnedResource:
    """An endpoint that takes the id of something a user owns."""

    method: str
    path: str
    create: Callable[[httpx.AsyncClient, User], Awaitable[str]]
    """Makes the resource as its owner; returns its id."""
    still_there: Callable[[httpx.AsyncClient, User, str], Awaitable[bool]]
    body: Doc | None = field(default=None)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


async def create_api_key(client: httpx.AsyncClient, owner: User) -> str:
    created = await client.post(
        "/v1/me/api-keys", json={"name": "laptop", "scopes": ["read"]}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    key_id: str = created.json()["id"]
    return key_id


async def api_key_listed(client: httpx.AsyncClient, owner: User, key_id: str) -> bool:
    listing = await client.get("/v1/me/api-keys", headers=owner.headers)
    return key_id in [key["id"] for key in listing.json()["items"]]


async def request_erasure(client: httpx.AsyncClient, owner: User) -> str:
    erased = await client.delete("/v1/me", headers=owner.headers)
    assert erased.status_code == 202, erased.text
    erasure_id: str = erased.json()["id"]
    return erasure_id


async def erasure_visible(client: httpx.AsyncClient, owner: User, erasure_id: str) -> bool:
    status = await client.get(f"/v1/me/erasure/{erasure_id}", headers=owner.headers)
    return status.status_code == 200 and status.json()["id"] == erasure_id


OWNED_RESOURCES = [
    OwnedResource("DELETE", "/v1/me/api-keys/{id}", create_api_key, api_key_listed),
    OwnedResource("GET", "/v1/me/erasure/{id}", request_erasure, erasure_visible),
]


@pytest.mark.parametrize("resource", OWNED_RESOURCES, ids=str)
async def test_other_users_resources_are_not_found(
    client: httpx.AsyncClient, resource: OwnedResource
) -> None:
    owner = await register(client, "owner")
    intruder = await register(client, "intruder")
    resource_id = await resource.create(client, owner)

    response = await client.request(
        resource.method,
        resource.path.format(id=resource_id),
        json=resource.body,
        headers=intruder.headers,
    )
    foreign = assert_problem(response, 404)
    # Someone else's id and an id that never existed look the same: no existence oracle.
    made_up = assert_problem(
        await client.request(
            resource.method,
            resource.path.format(id=uuid.uuid4().hex),
            json=resource.body,
            headers=intruder.headers,
        ),
        404,
    )
    assert (foreign["type"], foreign["title"]) == (made_up["type"], made_up["title"])
    assert await resource.still_there(client, owner, resource_id)


# -- a service crash while requests flow -------------------------------------------------------


@dataclass
class Outcome:
    started: float
    what: str
    status: int | None
    error: str = ""
    value: str | None = None
    problem: bool = True
    """An error answer came as application/problem+json."""


async def test_identity_crash_gives_503_never_a_hang_and_keeps_acknowledged_writes(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "crash")
    outcomes: list[Outcome] = []
    stop = asyncio.Event()

    async def call(what: str, request: Awaitable[httpx.Response], value: str | None) -> None:
        started = time.monotonic()
        try:
            response = await request
        except httpx.HTTPError as exc:  # a timeout is a hang: the gateway must answer
            outcomes.append(Outcome(started, what, None, f"{type(exc).__name__}: {exc}", value))
            return
        problem = response.status_code < 400 or response.headers.get("content-type", "").startswith(
            "application/problem+json"
        )
        outcomes.append(Outcome(started, what, response.status_code, value=value, problem=problem))

    async def writer() -> None:
        counter = 0
        while not stop.is_set():
            counter += 1
            value = f"model-{counter}"
            await call(
                "write",
                client.patch("/v1/me/preferences", json={"ai_model": value}, headers=user.headers),
                value,
            )

    async def reader() -> None:
        while not stop.is_set():
            await call("read", client.get("/v1/me", headers=user.headers), None)

    tasks = [asyncio.create_task(writer()), asyncio.create_task(reader())]
    try:
        while sum(o.what == "write" and o.status == 200 for o in outcomes) < 5:
            await asyncio.sleep(0.05)
            assert not any(t.done() for t in tasks), "a request loop ended early"
        await asyncio.to_thread(suite.kill, "identity")
        killed_at = time.monotonic()
        while sum(o.started > killed_at for o in outcomes) < 20:
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        if not suite.alive("identity"):
            await asyncio.to_thread(suite.restart, "identity")

    hung = [o for o in outcomes if o.status is None]
    assert not hung, f"requests without an answer: {hung[:5]}"
    unexpected = [o for o in outcomes if o.status not in (200, 503)]
    assert not unexpected, f"only 200 or 503 expected: {unexpected[:5]}"
    assert all(o.problem for o in outcomes), "a 503 came without a problem+json body"
    after_kill = [o for o in outcomes if o.started > killed_at]
    assert after_kill
    assert all(o.status == 503 for o in after_kill), [o.status for o in after_kill]

    # Identity is back (restarted above): every acknowledged write is still there. A write
    # cut off by the crash may or may not have committed, so the first unacknowledged one is
    # the only other value allowed.
    writes = [o for o in outcomes if o.what == "write"]
    acknowledged = [o.value for o in writes if o.status == 200]
    first_lost = next((o.value for o in writes if o.status != 200), None)
    prefs = await client.get("/v1/me/preferences", headers=user.headers)
    assert prefs.status_code == 200, prefs.text
    assert prefs.json()["ai_model"] in {acknowledged[-1], first_lost}

    # The killed process may have left a transaction open on this user's document; the
    # database aborts it after its lifetime limit (60 s, as MongoDB's default), and until then
    # a write to the document can time out. It must then go through, and nothing else fails.
    deadline = time.monotonic() + 150
    while True:
        again = await client.patch(
            "/v1/me/preferences", json={"ai_model": "after-restart"}, headers=user.headers
        )
        if again.status_code != 504 or time.monotonic() > deadline:
            break
    assert again.status_code == 200, again.text
    me = await client.get("/v1/me", headers=user.headers)
    assert me.status_code == 200
    assert me.json()["preferences"]["ai_model"] == "after-restart"


# -- erasure -----------------------------------------------------------------------------------


async def test_erasure_removes_the_user_from_every_service(
    suite: Suite, client: httpx.AsyncClient, mongo: AsyncMongoClient[Doc]
) -> None:
    user = await register(client, "erase")
    await create_api_key(client, user)
    prefs = await client.patch(
        "/v1/me/preferences",
        json={"response_style": "detailed", "ai_model": "kept-until-erased"},
        headers=user.headers,
    )
    assert prefs.status_code == 200, prefs.text
    presence = await client.put("/v1/me/presence", json={"is_online": True}, headers=user.headers)
    assert presence.status_code == 200, presence.text
    needles = [user.id, user.email]
    before = await documents_mentioning(mongo, suite.database_prefix, needles)
    assert any(".users " in hit for hit in before), before  # the scan does see stored data

    erased = await client.delete("/v1/me", headers=user.headers)
    assert erased.status_code == 202, erased.text
    status_url = erased.json()["status_url"]
    assert erased.headers["location"] == status_url
    assert status_url == f"/v1/me/erasure/{erased.json()['id']}"

    deadline = time.monotonic() + ERASURE_TIMEOUT
    status = await erasure_completed(client, user, erased)
    assert status["completed_at"] is not None
    assert status["services"], status
    assert all(s["status"] == "completed" for s in status["services"].values()), status

    # Events announcing the erasure leave through the outboxes shortly after; give them that.
    leftovers = await documents_mentioning(mongo, suite.database_prefix, needles)
    while leftovers and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        leftovers = await documents_mentioning(mongo, suite.database_prefix, needles)
    assert not leftovers, f"still stored after erasure: {leftovers}"

    assert_problem(
        await client.post("/v1/auth/login", json={"email": user.email, "password": PASSWORD}), 401
    )
    assert_problem(await client.get("/v1/me", headers=user.headers), 401)


# -- the whole public API against its own schema -----------------------------------------------


class Caller:
    """A signed-in user for generated requests; replaced when a generated request erases it."""

    def __init__(self, gateway_url: str) -> None:
        self.gateway_url = gateway_url
        self.headers: dict[str, str] = {}
        self.renew()

    def renew(self) -> None:
        email = new_email("schema")
        response = httpx.post(
            f"{self.gateway_url}/v1/auth/register",
            json={"email": email, "password": PASSWORD},
            timeout=REQUEST_TIMEOUT,
        )
        assert response.status_code == 201, response.text
        self.headers = bearer(response.json()["tokens"]["access_token"])


@pytest.fixture(scope="module")
def gateway_schema(suite: Suite) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{suite.gateway_url}/openapi.json", wait_for_schema=60)


@pytest.fixture(scope="module")
def caller(suite: Suite) -> Caller:
    return Caller(suite.gateway_url)


gateway_api = schemathesis.pytest.from_fixture("gateway_schema")


@pytest.mark.timeout(3600)
@settings(
    # Three generated cases per operation (plus the schema's explicit examples), derandomised so
    # every run sends the same ones: with ~290 operations this is the suite's longest test, and
    # the time budget of `make test` is spent where a new feature needs it.
    max_examples=3,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@gateway_api.parametrize()
def test_no_operation_answers_with_a_server_error(
    case: schemathesis.Case[Any], suite: Suite, caller: Caller
) -> None:
    response = case.call_and_validate(
        base_url=suite.gateway_url,
        headers=caller.headers,
        checks=[not_a_server_error],
        timeout=15,
    )
    if case.method.upper() == "DELETE" and case.path == "/v1/me" and response.status_code == 202:
        caller.renew()
