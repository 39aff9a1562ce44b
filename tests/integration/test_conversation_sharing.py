"""Shared conversations: invitations, the role matrix cell by cell, and what participants see of each other.

The conversation service runs in-process against real MongoDB and Kafka with the offline
provider; identity and memory are replaced by fakes that answer per bearer token, as the
real services do.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from muninn_conversation.messages.store import MessageStore
from muninn_conversation.profiles.client import ProfileClient
from muninn_conversation.recall.client import MemoryRecallClient
from muninn_conversation.settings import ConversationSettings
from muninn_shared.events import Topic
from muninn_shared.messaging.broker import create_broker, publish_event
from pymongo import AsyncMongoClient

from tests.integration.conversation_app import client, settings
from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.kafka_tools import message_event
from tests.integration.tokens import identity_token_issuer

Headers = dict[str, str]
CAREER_COACH = "builtin-career-coach"

__all__ = ["client", "settings"]  # one conversation service for the module


@dataclass(frozen=True)
class User:
    id: str
    headers: Headers
    token: str


def new_user(settings: ConversationSettings) -> User:
    user_id = "u-" + uuid.uuid4().hex
    token = identity_token_issuer().issue(user_id)
    return User(user_id, {"Authorization": f"Bearer {token}"}, token)


async def ok(response: Awaitable[httpx.Response], status: int = 200) -> Any:
    answered = await response
    assert answered.status_code == status, answered.text
    return answered.json() if answered.content else None


async def invite(
    client: httpx.AsyncClient, cid: str, owner: User, invitee: User, role: str
) -> None:
    await ok(
        client.post(
            f"/v1/conversations/{cid}/participants",
            json={"user_id": invitee.id, "role": role},
            headers=owner.headers,
        )
    )


async def new_conversation(client: httpx.AsyncClient, owner: User) -> str:
    created = await ok(client.post("/v1/conversations", json={}, headers=owner.headers), 201)
    return str(created["id"])


async def accept(client: httpx.AsyncClient, cid: str, invitee: User) -> None:
    await ok(client.post(f"/v1/conversations/invitations/{cid}/accept", headers=invitee.headers))


async def post(
    client: httpx.AsyncClient, cid: str, user: User, content: str, parent_id: str | None = None
) -> dict[str, Any]:
    exchange: dict[str, Any] = await ok(
        client.post(
            f"/v1/conversations/{cid}/messages",
            json={"content": content, "parent_id": parent_id},
            headers=user.headers,
        ),
        201,
    )
    return exchange


# -- invitations --------------------------------------------------------------------------


async def test_an_invitee_has_no_access_until_they_accept(
    client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner, invitee, other = (new_user(settings) for _ in range(3))
    cid = (
        await ok(
            client.post("/v1/conversations", json={"title": "Surprise"}, headers=owner.headers),
            201,
        )
    )["id"]
    await invite(client, cid, owner, invitee, "collaborator")

    for method, path in (
        ("GET", f"/v1/conversations/{cid}"),
        ("GET", f"/v1/conversations/{cid}/messages"),
        ("POST", f"/v1/conversations/{cid}/messages"),
        ("GET", f"/v1/conversations/{cid}/participants"),
    ):
        response = await client.request(
            method,
            path,
            headers=invitee.headers,
            json={"content": "hi"} if method == "POST" else None,
        )
        assert response.status_code == 404, (method, path, response.text)
    listed = await ok(client.get("/v1/conversations", headers=invitee.headers))
    assert listed["items"] == [], "not accepted: not listed"

    [invitation] = await ok(client.get("/v1/conversations/invitations", headers=invitee.headers))
    assert invitation["conversation_id"] == cid
    assert invitation["title"] == "Surprise"
    assert (invitation["owner_id"], invitation["role"], invitation["invited_by"]) == (
        owner.id,
        "collaborator",
        owner.id,
    )
    assert await ok(client.get("/v1/conversations/invitations", headers=other.headers)) == []
    assert (
        await client.post(f"/v1/conversations/invitations/{cid}/accept", headers=other.headers)
    ).status_code == 404, "nobody accepts someone else's invitation"

    seen_by_owner = await ok(
        client.get(f"/v1/conversations/{cid}/participants", headers=owner.headers)
    )
    assert [(p["user_id"], p["status"]) for p in seen_by_owner] == [
        (owner.id, "active"),
        (invitee.id, "invited"),
    ]

    joined = await ok(
        client.post(f"/v1/conversations/invitations/{cid}/accept", headers=invitee.headers)
    )
    assert joined["my_role"] == "collaborator"
    assert [
        c["id"]
        for c in (await ok(client.get("/v1/conversations", headers=invitee.headers)))["items"]
    ] == [cid]
    assert await ok(client.get("/v1/conversations/invitations", headers=invitee.headers)) == []
    await post(client, cid, invitee, "Count me in.")
    again = await client.post(
        f"/v1/conversations/{cid}/participants",
        json={"user_id": invitee.id, "role": "viewer"},
        headers=owner.headers,
    )
    assert again.status_code == 409, (
        "a participant's role changes through PATCH, not a new invitation"
    )
    assert again.headers["content-type"] == "application/problem+json"


async def test_a_declined_or_withdrawn_invitation_gives_no_access(
    client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner, declining, withdrawn = (new_user(settings) for _ in range(3))
    cid = await new_conversation(client, owner)
    await invite(client, cid, owner, declining, "viewer")
    await invite(client, cid, owner, withdrawn, "viewer")

    await ok(
        client.post(f"/v1/conversations/invitations/{cid}/decline", headers=declining.headers),
        204,
    )
    assert await ok(client.get("/v1/conversations/invitations", headers=declining.headers)) == []
    assert (
        await client.post(f"/v1/conversations/invitations/{cid}/accept", headers=declining.headers)
    ).status_code == 404

    await ok(
        client.delete(
            f"/v1/conversations/{cid}/participants/{withdrawn.id}", headers=owner.headers
        ),
        204,
    )
    assert (
        await client.post(f"/v1/conversations/invitations/{cid}/accept", headers=withdrawn.headers)
    ).status_code == 404
    for user in (declining, withdrawn):
        assert (
            await client.get(f"/v1/conversations/{cid}", headers=user.headers)
        ).status_code == 404
    participants = await ok(
        client.get(f"/v1/conversations/{cid}/participants", headers=owner.headers)
    )
    assert [p["user_id"] for p in participants] == [owner.id]


async def test_only_the_owner_sees_pending_invitations(
    client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner, collaborator, pending = (new_user(settings) for _ in range(3))
    cid = await new_conversation(client, owner)
    await invite(client, cid, owner, collaborator, "collaborator")
    await accept(client, cid, collaborator)
    await invite(client, cid, owner, pending, "viewer")
    seen = await ok(
        client.get(f"/v1/conversations/{cid}/participants", headers=collaborator.headers)
    )
    assert sorted(p["user_id"] for p in seen) == sorted([owner.id, collaborator.id])


# -- the role matrix ----------------------------------------------------------------------

# Expected cells, written out independently of the code's table (and printed in the README):
# O = owner, C = collaborator, V = viewer. A cell not allowed answers 403 and changes nothing.
ROLE_MATRIX: dict[str, str] = {
    "read": "OCV",
    "post": "OC",
    "regenerate": "OC",
    "stop_generation": "OC",
    "edit_own_message": "OC",
    "edit_others_message": "O",
    "delete_own_message": "OC",
    "delete_others_message": "O",
    "set_active_branch": "OC",
    "rate": "OC",
    "type": "OC",
    "write_advisor_notes": "OC",
    "summarize": "OC",
    "pin": "O",
    "archive": "O",
    "rename": "O",
    "change_settings": "O",
    "tag": "OC",
    "delete_conversation": "O",
    "invite": "O",
    "remove_participant": "O",
    "change_role": "O",
    "leave": "CV",
}
ROLE_LETTERS = {"owner": "O", "collaborator": "C", "viewer": "V"}


@dataclass(frozen=True)
class Scene:
    """A conversation where everyone has written: the viewer was a collaborator before.

    The collaborator's and the viewer's turns branch off under the owner's first message, and
    the viewer's branch is the one shown: choosing the owner's reply changes the active leaf.
    """

    cid: str
    users: dict[str, User]
    user_messages: dict[str, str]
    replies: dict[str, str]

    def other_than(self, role: str) -> str:
        return "collaborator" if role == "owner" else "owner"

    def base(self) -> str:
        return f"/v1/conversations/{self.cid}"


async def build_scene(client: httpx.AsyncClient, settings: ConversationSettings) -> Scene:
    users = {role: new_user(settings) for role in ("owner", "collaborator", "viewer")}
    owner = users["owner"]
    cid = (
        await ok(
            client.post("/v1/conversations", json={"title": "Trip"}, headers=owner.headers), 201
        )
    )["id"]
    for role in ("collaborator", "viewer"):
        await invite(client, cid, owner, users[role], "collaborator")
        await accept(client, cid, users[role])
    user_messages, replies = {}, {}
    for role in ("owner", "collaborator", "viewer"):
        exchange = await post(
            client,
            cid,
            users[role],
            f"Note from the {role}: pack light.",
            parent_id=user_messages.get("owner"),
        )
        user_messages[role] = exchange["user_message"]["id"]
        replies[role] = exchange["assistant_message"]["id"]
    await ok(
        client.patch(
            f"/v1/conversations/{cid}/participants/{users['viewer'].id}",
            json={"role": "viewer"},
            headers=owner.headers,
        )
    )
    return Scene(cid, users, user_messages, replies)


Request = Callable[[httpx.AsyncClient, Scene, str], Awaitable[httpx.Response]]


def _act(method: str, path: Callable[[Scene, str], str], body: Any = None) -> Request:
    async def request(client: httpx.AsyncClient, scene: Scene, role: str) -> httpx.Response:
        return await client.request(
            method,
            scene.base() + path(scene, role),
            json=body(role) if callable(body) else body,
            headers=scene.users[role].headers,
        )

    return request


def _message(action: str = "") -> Callable[[Scene, str], str]:
    return lambda scene, role: f"/messages/{scene.replies['owner']}{action}"


REQUESTS: dict[str, Request] = {
    "read": _act("GET", lambda s, r: ""),
    "post": _act("POST", lambda s, r: "/messages", {"content": "And sunscreen."}),
    "regenerate": _act("POST", _message("/regenerate")),
    "stop_generation": _act("POST", _message("/stop")),
    "edit_own_message": _act(
        "POST", lambda s, r: f"/messages/{s.user_messages[r]}/edit", {"content": "Pack lighter."}
    ),
    "edit_others_message": _act(
        "POST",
        lambda s, r: f"/messages/{s.user_messages[s.other_than(r)]}/edit",
        {"content": "Pack heavy."},
    ),
    "delete_own_message": _act("DELETE", lambda s, r: f"/messages/{s.user_messages[r]}"),
    "delete_others_message": _act(
        "DELETE", lambda s, r: f"/messages/{s.user_messages[s.other_than(r)]}"
    ),
    "set_active_branch": _act("POST", lambda s, r: f"/messages/{s.replies['owner']}/activate"),
    "rate": _act("PUT", _message("/rating"), {"rating": 2}),
    "type": _act("PUT", lambda s, r: "/typing", {"is_typing": True}),
    "write_advisor_notes": _act(
        "PUT", lambda s, r: f"/advisors/{CAREER_COACH}/memory/goal", {"value": "new job"}
    ),
    "summarize": _act("POST", lambda s, r: "/summaries", {"content": "They pack light."}),
    "pin": _act("PATCH", lambda s, r: "", {"is_pinned": True}),
    "archive": _act("PATCH", lambda s, r: "", {"is_archived": True}),
    "rename": _act("PATCH", lambda s, r: "", {"title": "Renamed"}),
    "change_settings": _act("PATCH", lambda s, r: "", {"settings": {"temperature": 1.5}}),
    "tag": _act("PUT", lambda s, r: "/tags/holiday"),
    "delete_conversation": _act("DELETE", lambda s, r: ""),
    "invite": _act(
        "POST", lambda s, r: "/participants", {"user_id": "u-newcomer", "role": "viewer"}
    ),
    "remove_participant": _act(
        "DELETE",
        lambda s, r: (
            f"/participants/{s.users['viewer' if r == 'collaborator' else 'collaborator'].id}"
        ),
    ),
    "change_role": _act(
        "PATCH",
        lambda s, r: (
            f"/participants/{s.users['viewer' if r == 'collaborator' else 'collaborator'].id}"
        ),
        # The owner demotes the collaborator; the others try to promote themselves or a peer.
        lambda r: {"role": "viewer" if r == "owner" else "collaborator"},
    ),
    "leave": _act("DELETE", lambda s, r: f"/participants/{s.users[r].id}"),
}


async def snapshot(client: httpx.AsyncClient, scene: Scene) -> dict[str, Any]:
    """Everything a forbidden call could have changed, as the owner sees it."""
    owner = scene.users["owner"].headers
    base = scene.base()
    conversation = await ok(client.get(base, headers=owner))
    conversation.pop("updated_at")
    return {
        "conversation": conversation,
        "participants": await ok(client.get(f"{base}/participants", headers=owner)),
        "thread": await ok(client.get(f"{base}/messages", headers=owner)),
        "messages": [
            await ok(client.get(f"{base}/messages/{message_id}", headers=owner))
            for message_id in (*scene.user_messages.values(), *scene.replies.values())
        ],
        "typing": (await ok(client.get(f"{base}/typing", headers=owner)))["typing"],
        "advisor_notes": await ok(
            client.get(f"{base}/advisors/{CAREER_COACH}/memory", headers=owner)
        ),
        "summaries": await ok(client.get(f"{base}/summaries", headers=owner)),
    }


# Reading changes nothing; the scene's replies are complete, so stopping one is a no-op.
NO_VISIBLE_EFFECT = {"read", "stop_generation"}


@pytest.mark.parametrize("role", ["owner", "collaborator", "viewer"])
@pytest.mark.parametrize("operation", sorted(ROLE_MATRIX))
async def test_role_matrix_cell(
    client: httpx.AsyncClient, settings: ConversationSettings, operation: str, role: str
) -> None:
    scene = await build_scene(client, settings)
    allowed = ROLE_LETTERS[role] in ROLE_MATRIX[operation]
    before = await snapshot(client, scene)

    response = await REQUESTS[operation](client, scene, role)

    if allowed:
        assert response.status_code in (200, 201, 204), (operation, role, response.text)
        if operation == "delete_conversation":
            gone = await client.get(scene.base(), headers=scene.users["owner"].headers)
            assert gone.status_code == 404
        elif operation not in NO_VISIBLE_EFFECT:
            assert await snapshot(client, scene) != before, f"an allowed {operation} did nothing"
        return
    assert response.status_code == 403, (operation, role, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/forbidden-role")
    assert await snapshot(client, scene) == before, f"a forbidden {operation} changed something"


def test_the_matrix_here_is_the_one_the_service_enforces() -> None:
    from muninn_conversation.conversations.permissions import PERMISSIONS, Operation

    enforced = {
        operation.value: "".join(
            letter for name, letter in ROLE_LETTERS.items() if name in {r.value for r in roles}
        )
        for operation, roles in PERMISSIONS.items()
    }
    assert enforced == ROLE_MATRIX
    assert set(REQUESTS) == {o.value for o in Operation}, "every operation is driven over HTTP"


# -- whose profile and whose memories a reply uses ---------------------------------------


@dataclass
class FakeUpstreams:
    """Identity's ``/v1/me`` and memory's search, answering for the user whose token calls."""

    profiles: dict[str, dict[str, Any]]
    memories: dict[str, list[dict[str, Any]]]

    def _user(self, request: httpx.Request) -> str | None:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return self.tokens.get(token)

    def __post_init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def add(self, user: User, profile: dict[str, Any], memories: list[str]) -> None:
        self.tokens[user.token] = user.id
        self.profiles[user.id] = {"id": user.id, **profile}
        self.memories[user.id] = [
            {
                "kind": "memory",
                "score": 0.2,
                "memory": {"id": f"mem-{user.id}-{i}", "content": content},
            }
            for i, content in enumerate(memories)
        ]

    def identity(self, request: httpx.Request) -> httpx.Response:
        user = self._user(request)
        if user is None:
            return httpx.Response(401, json={"title": "Unauthorized"})
        return httpx.Response(200, json=self.profiles[user])

    def memory(self, request: httpx.Request) -> httpx.Response:
        user = self._user(request)
        if user is None:
            return httpx.Response(401, json={"title": "Unauthorized"})
        return httpx.Response(200, json={"results": self.memories[user]})


@pytest.fixture
async def upstreams(client: httpx.AsyncClient) -> AsyncIterator[FakeUpstreams]:
    fakes = FakeUpstreams(profiles={}, memories={})
    engine = client.app.state.services.engine  # type: ignore[attr-defined]
    saved = (engine._profiles, engine._recall)
    identity_http = httpx.AsyncClient(transport=httpx.MockTransport(fakes.identity))
    memory_http = httpx.AsyncClient(transport=httpx.MockTransport(fakes.memory))
    engine._profiles = ProfileClient(identity_http, "http://identity")
    engine._recall = MemoryRecallClient(memory_http, "http://memory", timeout=2.0, limit=6)
    yield fakes
    engine._profiles, engine._recall = saved
    await identity_http.aclose()
    await memory_http.aclose()


def profile(name: str, assistant: str, *, long_term_memory: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "assistant_name": assistant,
        "preferences": {"privacy": {"long_term_memory": long_term_memory}},
    }


async def shared_conversation(
    client: httpx.AsyncClient, owner: User, collaborator: User, viewer: User | None = None
) -> str:
    cid: str = (
        await ok(
            client.post("/v1/conversations", json={"title": "Plans"}, headers=owner.headers), 201
        )
    )["id"]
    await invite(client, cid, owner, collaborator, "collaborator")
    await accept(client, cid, collaborator)
    if viewer is not None:
        await invite(client, cid, owner, viewer, "viewer")
        await accept(client, cid, viewer)
    return cid


async def test_each_turn_is_answered_with_the_posters_own_profile(
    client: httpx.AsyncClient, settings: ConversationSettings, upstreams: FakeUpstreams
) -> None:
    owner, collaborator = new_user(settings), new_user(settings)
    upstreams.add(owner, profile("Olivia", "Huginn", long_term_memory=False), [])
    upstreams.add(collaborator, profile("Carl", "Jarvis"), ["Carl likes trains."])
    cid = await shared_conversation(client, owner, collaborator)

    theirs = (await post(client, cid, collaborator, "Hello"))["assistant_message"]
    assert "Carl" in theirs["content"]
    assert "Jarvis" in theirs["content"]
    assert theirs["metadata"]["memory_status"] == "used"

    mine = (await post(client, cid, owner, "Hello"))["assistant_message"]
    assert "Olivia" in mine["content"], mine["content"]
    assert "Huginn" in mine["content"]
    assert "Carl" not in mine["content"]
    assert "Jarvis" not in mine["content"]
    assert mine["metadata"]["memory_status"] == "disabled", "the owner's own memory switch"


SECRET = "SECRET-MEDICATION-7"


async def test_recalled_memories_are_shown_only_to_the_user_they_belong_to(
    client: httpx.AsyncClient, settings: ConversationSettings, upstreams: FakeUpstreams
) -> None:
    owner, collaborator, viewer = (new_user(settings) for _ in range(3))
    upstreams.add(owner, profile("Olivia", "Huginn"), ["Olivia runs on Sundays."])
    upstreams.add(collaborator, profile("Carl", "Jarvis"), [f"Carl takes {SECRET} daily."])
    upstreams.add(viewer, profile("Vera", "Muninn"), [])
    cid = await shared_conversation(client, owner, collaborator, viewer)
    base = f"/v1/conversations/{cid}/messages"

    streamed = await client.post(
        base,
        json={"content": "Saturday works for the picnic."},
        headers={**collaborator.headers, "Accept": "text/event-stream"},
    )
    assert streamed.status_code == 201
    assert SECRET in streamed.text, "the poster sees what their reply drew on"
    reply_id = next(
        json.loads(line.removeprefix("data: "))["assistant_message"]["id"]
        for line in streamed.text.splitlines()
        if line.startswith("data: ") and "assistant_message" in line
    )
    assert (
        SECRET
        not in (await ok(client.get(f"{base}/{reply_id}", headers=collaborator.headers)))["content"]
    ), "the offline reply to this turn does not quote the memory: only sources could leak it"
    [own] = (await ok(client.get(f"{base}/{reply_id}", headers=collaborator.headers)))["sources"]
    assert SECRET in own["snippet"]
    await post(client, cid, owner, "I will bring lemonade.")

    for other in (owner, viewer):
        for path in (
            base,
            f"{base}/{reply_id}",
            f"{base}/{reply_id}/stream",
            f"/v1/conversations/{cid}",
            "/v1/conversations",
            "/internal/privacy/export",
        ):
            response = await client.get(path, headers=other.headers)
            assert response.status_code == 200, (path, response.text)
            assert SECRET not in response.text, (path, "leaks the collaborator's memory")
            assert "Carl takes" not in response.text, path
        thread = await ok(client.get(base, headers=other.headers))
        reply = next(m for m in thread["items"] if m["id"] == reply_id)
        assert reply["sources"] == []
    owners_reply = (await ok(client.get(base, headers=owner.headers)))["items"][-1]
    assert [s["snippet"] for s in owners_reply["sources"]] == ["Olivia runs on Sundays."]
    seen_by_collaborator = (await ok(client.get(base, headers=collaborator.headers)))["items"][-1]
    assert seen_by_collaborator["sources"] == [], "nor the owner's memories to the collaborator"


async def test_erasing_the_poster_removes_their_recalled_memories_from_others_conversations(
    client: httpx.AsyncClient,
    settings: ConversationSettings,
    upstreams: FakeUpstreams,
    infra: Infra,
) -> None:
    owner, collaborator = new_user(settings), new_user(settings)
    # The module's database holds other tests' conversations: a secret of this test's own.
    secret = f"{SECRET}-{uuid.uuid4().hex}"
    upstreams.add(owner, profile("Olivia", "Huginn"), ["Olivia runs on Sundays."])
    upstreams.add(collaborator, profile("Carl", "Jarvis"), [f"Carl takes {secret} daily."])
    cid = await shared_conversation(client, owner, collaborator)
    await post(client, cid, collaborator, "Saturday works for the picnic.")
    await post(client, cid, owner, "I will bring lemonade.")
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri)
    db = mongo[settings.mongo_database]

    async def documents_mentioning(text: str) -> list[str]:
        found = []
        for name in await db.list_collection_names():
            async for doc in db[name].find({}):
                if text in json.dumps(doc, default=str):
                    found.append(name)
        return found

    assert await documents_mentioning(secret), "recalled before the erasure"
    broker = create_broker(infra.kafka_bootstrap, client_id="sharing-test", tracer_provider=None)
    await broker.start()
    try:
        await publish_event(
            broker,
            Topic.IDENTITY_USERS.value,
            erasure_requested(collaborator.id, "conversation"),
        )
    finally:
        await broker.stop()
    deadline = time.monotonic() + 30
    while await db.participants.count_documents({"user_id": collaborator.id}):
        assert time.monotonic() < deadline, "the erasure did not run"
        await asyncio.sleep(0.2)
    # The erasure's own confirmation names the user until the relay has published it.
    while "outbox" in await documents_mentioning(collaborator.id):
        assert time.monotonic() < deadline, "the erasure's confirmation was not published"
        await asyncio.sleep(0.2)
    try:
        assert await documents_mentioning(secret) == []
        assert await documents_mentioning(collaborator.id) == []
        thread = await ok(client.get(f"/v1/conversations/{cid}/messages", headers=owner.headers))
        assert [s["snippet"] for s in thread["items"][-1]["sources"]] == [
            "Olivia runs on Sundays."
        ], "the owner's own sources stay"
    finally:
        await mongo.close()


async def test_a_reply_is_announced_for_the_user_whose_turn_it_answers(
    client: httpx.AsyncClient,
    settings: ConversationSettings,
    upstreams: FakeUpstreams,
    infra: Infra,
) -> None:
    """Memory ingestion must not file a reply drawing on the poster's memories under the owner."""
    owner, collaborator = new_user(settings), new_user(settings)
    upstreams.add(owner, profile("Olivia", "Huginn"), [])
    upstreams.add(collaborator, profile("Carl", "Jarvis"), [f"Carl takes {SECRET} daily."])
    cid = await shared_conversation(client, owner, collaborator)
    reply_id = (await post(client, cid, collaborator, "Hello"))["assistant_message"]["id"]

    announced = await message_event(
        infra.kafka_bootstrap, "conversation.message.completed", reply_id
    )
    assert announced["subject"] == collaborator.id
    assert announced["data"]["user_id"] == collaborator.id


async def test_sources_stored_inside_messages_by_earlier_versions_are_never_shown_and_dropped(
    client: httpx.AsyncClient, settings: ConversationSettings, infra: Infra
) -> None:
    owner, viewer = new_user(settings), new_user(settings)
    cid = await new_conversation(client, owner)
    await invite(client, cid, owner, viewer, "viewer")
    await accept(client, cid, viewer)
    reply_id = (await post(client, cid, owner, "Hello"))["assistant_message"]["id"]
    secret = f"{SECRET}-{uuid.uuid4().hex}"
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(infra.mongo_uri)
    messages = mongo[settings.mongo_database].messages
    try:
        await messages.update_one(
            {"_id": reply_id},
            {"$set": {"sources": [{"kind": "memory", "ref_id": "m-1", "snippet": secret}]}},
        )
        for user in (owner, viewer):
            for path in ("/messages", f"/messages/{reply_id}"):
                response = await client.get(f"/v1/conversations/{cid}{path}", headers=user.headers)
                assert response.status_code == 200
                assert secret not in response.text, path

        store = MessageStore(client.app.state.runtime.db)  # type: ignore[attr-defined]
        assert await store.drop_inline_sources() >= 1
        assert await messages.count_documents({"sources": {"$exists": True}}) == 0
    finally:
        await mongo.close()
