"""Conversation service against real MongoDB and Kafka, with the offline provider."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from muninn_conversation.main import create_app
from muninn_conversation.settings import ConversationSettings
from muninn_shared.events.payloads import REPLYING_TO
from pymongo import AsyncMongoClient

from tests.integration.conversation_app import conversation_settings, join, running
from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.kafka_tools import message_event
from tests.integration.tokens import identity_token_issuer


@pytest.fixture
def settings(infra: Infra, unique: str) -> ConversationSettings:
    return conversation_settings(infra, unique)


@pytest.fixture
async def app_client(settings: ConversationSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_app(settings)) as client:
        yield client


def auth(settings: ConversationSettings, user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(user_id)}"}


def parse_sse(body: str) -> list[tuple[str, dict]]:
    events = []
    for block in body.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if "event" in lines:
            events.append((lines["event"], json.loads(lines["data"])))
    return events


async def new_conversation(
    client: httpx.AsyncClient, headers: dict[str, str], **body: object
) -> str:
    response = await client.post("/v1/conversations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def send(
    client: httpx.AsyncClient, headers: dict[str, str], cid: str, content: str
) -> dict[str, Any]:
    """Posts a message and waits for the whole reply: the exchange (user and assistant message)."""
    response = await client.post(
        f"/v1/conversations/{cid}/messages", json={"content": content}, headers=headers
    )
    assert response.status_code == 201, response.text
    exchange: dict[str, Any] = response.json()
    return exchange


async def test_send_message_gets_complete_reply_with_usage(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    me = auth(settings, "u-" + uuid.uuid4().hex)
    cid = await new_conversation(app_client, me, context="work")
    exchange = await send(app_client, me, cid, "I just adopted a cat named Miso.")
    reply = exchange["assistant_message"]
    assert exchange["user_message"]["content"] == "I just adopted a cat named Miso."
    assert reply["status"] == "complete"
    assert reply["content"]
    assert reply["provider"] == "offline"
    assert reply["usage"]["output_tokens"] > 0
    assert (
        reply["usage"]["total_tokens"]
        == reply["usage"]["input_tokens"] + reply["usage"]["output_tokens"]
    )
    assert reply["timing"]["duration_ms"] >= 0
    assert reply["metadata"]["memory_status"] == "unavailable", (
        "memory is down: answered anyway, and said so"
    )
    conversation = (await app_client.get(f"/v1/conversations/{cid}", headers=me)).json()
    assert conversation["title"] == "I just adopted a cat named Miso."
    assert conversation["title_generated"] is True
    assert conversation["message_count"] == 1
    assert conversation["last_message_preview"] == reply["content"][:200]


async def test_a_message_announces_the_end_of_the_reply_it_follows(
    app_client: httpx.AsyncClient,
    settings: ConversationSettings,
    mongo: AsyncMongoClient,
    infra: Infra,
) -> None:
    """Memory reads there the question the message answers (``replying_to``)."""
    db = mongo[settings.mongo_database]
    me = auth(settings, "u-" + uuid.uuid4().hex)
    cid = await new_conversation(app_client, me)
    first = await send(app_client, me, cid, "I just adopted a dog.")
    asked = "Congratulations! " * 40 + "What is your dog called?"
    await db.messages.update_one(
        {"_id": first["assistant_message"]["id"]}, {"$set": {"content": asked}}
    )
    second = await send(app_client, me, cid, "Rex, a beagle.")

    async def announced(message_id: str) -> dict[str, Any]:
        body = await message_event(
            infra.kafka_bootstrap, "conversation.message.created", message_id
        )
        metadata: dict[str, Any] = body["data"]["metadata"]
        return metadata

    followed = (await announced(second["user_message"]["id"]))[REPLYING_TO]
    assert followed.endswith("What is your dog called?")
    assert len(followed) == 500, "the end of a long reply only"
    assert REPLYING_TO not in await announced(first["user_message"]["id"]), "it follows none"


async def test_streaming_reply_over_sse(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    me = auth(settings, "u-" + uuid.uuid4().hex)
    cid = await new_conversation(app_client, me)
    response = await app_client.post(
        f"/v1/conversations/{cid}/messages",
        json={"content": "Hello there, how are you today?"},
        headers={**me, "Accept": "text/event-stream"},
    )
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    names = [name for name, _ in events]
    assert names[0] == "message"
    assert names[-1] == "done"
    deltas = [data["text"] for name, data in events if name == "delta"]
    assert len(deltas) > 1, "the reply streams in several deltas"
    final = events[-1][1]
    assert final["message"]["status"] == "complete"
    assert "".join(deltas) == final["message"]["content"]
    assert final["usage"]["output_tokens"] > 0
    stored = await app_client.get(
        f"/v1/conversations/{cid}/messages/{final['message']['id']}", headers=me
    )
    assert stored.json()["content"] == final["message"]["content"]

    resumed = await app_client.get(
        f"/v1/conversations/{cid}/messages/{final['message']['id']}/stream", headers=me
    )
    resumed_events = parse_sse(resumed.text)
    assert resumed_events[0] == ("snapshot", {"content": final["message"]["content"]})
    assert resumed_events[-1][0] == "done"


async def test_branches_after_two_regenerations_and_an_edit(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    me = auth(settings, "u-" + uuid.uuid4().hex)
    cid = await new_conversation(app_client, me)
    base = f"/v1/conversations/{cid}/messages"
    first = (
        await app_client.post(base, json={"content": "What should I cook tonight?"}, headers=me)
    ).json()
    user_id, reply0 = first["user_message"]["id"], first["assistant_message"]["id"]
    reply1 = (await app_client.post(f"{base}/{reply0}/regenerate", headers=me)).json()[
        "assistant_message"
    ]
    reply2 = (await app_client.post(f"{base}/{reply1['id']}/regenerate", headers=me)).json()[
        "assistant_message"
    ]
    assert [reply1["branch_index"], reply2["branch_index"]] == [1, 2]
    assert reply2["parent_id"] == user_id
    assert reply2["metadata"]["regenerated"] is True

    thread = (await app_client.get(base, headers=me)).json()
    assert [m["id"] for m in thread["items"]] == [user_id, reply2["id"]]
    assert thread["branches"][reply2["id"]] == {
        "sibling_ids": [reply0, reply1["id"], reply2["id"]],
        "index": 2,
    }

    edited = (
        await app_client.post(
            f"{base}/{user_id}/edit", json={"content": "What should I bake tonight?"}, headers=me
        )
    ).json()
    new_user = edited["user_message"]
    assert new_user["parent_id"] is None
    assert new_user["branch_index"] == 1
    assert new_user["is_edited"] is True
    thread = (await app_client.get(base, headers=me)).json()
    assert next(m["content"] for m in thread["items"]) == "What should I bake tonight?"
    assert thread["branches"][new_user["id"]] == {
        "sibling_ids": [user_id, new_user["id"]],
        "index": 1,
    }
    assert thread["active_leaf_id"] == edited["assistant_message"]["id"]

    back = (await app_client.post(f"{base}/{user_id}/activate", headers=me)).json()
    assert [m["id"] for m in back["items"]] == [user_id, reply2["id"]]


async def test_roles_collaborator_viewer_stranger(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    owner_id, collaborator_id, viewer_id = ("u-" + uuid.uuid4().hex for _ in range(3))
    owner, collaborator, viewer, stranger = (
        auth(settings, u) for u in (owner_id, collaborator_id, viewer_id, "u-" + uuid.uuid4().hex)
    )
    cid = await new_conversation(app_client, owner, title="Family trip")
    await join(app_client, cid, owner, collaborator_id, collaborator, "collaborator")
    await join(app_client, cid, owner, viewer_id, viewer, "viewer")
    base = f"/v1/conversations/{cid}/messages"
    assert (
        await app_client.post(base, json={"content": "Let's go to Porto"}, headers=collaborator)
    ).status_code == 201
    denied = await app_client.post(base, json={"content": "me too"}, headers=viewer)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    assert (await app_client.get(base, headers=viewer)).status_code == 200
    for method, path in (
        ("GET", base),
        ("POST", base),
        ("GET", f"/v1/conversations/{cid}"),
        ("DELETE", f"/v1/conversations/{cid}"),
    ):
        response = await app_client.request(
            method, path, headers=stranger, json={"content": "hi"} if method == "POST" else None
        )
        assert response.status_code == 404, (method, path, response.status_code)
    assert (
        await app_client.patch(
            f"/v1/conversations/{cid}", json={"title": "x"}, headers=collaborator
        )
    ).status_code == 403
    assert (await app_client.delete(f"/v1/conversations/{cid}", headers=viewer)).status_code == 403
    listed = (await app_client.get("/v1/conversations", headers=viewer)).json()["items"]
    assert [(c["id"], c["my_role"]) for c in listed] == [(cid, "viewer")]


async def test_list_filters_and_cursor(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    me = auth(settings, "u-" + uuid.uuid4().hex)
    ids = [
        await new_conversation(
            app_client, me, title=f"Chat {i}", context="work" if i % 2 else "family"
        )
        for i in range(5)
    ]
    await app_client.patch(f"/v1/conversations/{ids[0]}", json={"is_archived": True}, headers=me)
    await app_client.patch(f"/v1/conversations/{ids[1]}", json={"is_pinned": True}, headers=me)
    page1 = (await app_client.get("/v1/conversations?limit=2", headers=me)).json()
    page2 = (
        await app_client.get(f"/v1/conversations?limit=2&cursor={page1['next_cursor']}", headers=me)
    ).json()
    seen = [c["id"] for c in page1["items"] + page2["items"]]
    assert len(seen) == 4
    assert set(seen) == set(ids[1:])
    assert page2["next_cursor"] is None
    assert [
        c["id"]
        for c in (await app_client.get("/v1/conversations?archived=true", headers=me)).json()[
            "items"
        ]
    ] == [ids[0]]
    assert {
        c["context"]
        for c in (await app_client.get("/v1/conversations?context=work", headers=me)).json()[
            "items"
        ]
    } == {"work"}
    assert [
        c["id"]
        for c in (await app_client.get("/v1/conversations?pinned=true", headers=me)).json()["items"]
    ] == [ids[1]]
    assert [
        c["title"]
        for c in (await app_client.get("/v1/conversations?q=chat%203", headers=me)).json()["items"]
    ] == ["Chat 3"]
    bad = await app_client.get("/v1/conversations?context=space", headers=me)
    assert bad.status_code == 422


async def test_abandoned_generation_becomes_a_visible_error(
    app_client: httpx.AsyncClient, settings: ConversationSettings, mongo: AsyncMongoClient
) -> None:
    """What a crash mid-generation leaves behind is swept into an error state, partial text kept."""
    me_id = "u-" + uuid.uuid4().hex
    me = auth(settings, me_id)
    cid = await new_conversation(app_client, me)
    now = datetime.now(UTC)
    messages = mongo[settings.mongo_database].messages
    await messages.insert_one(
        {
            "_id": "orphan-" + uuid.uuid4().hex,
            "conversation_id": cid,
            "user_id": me_id,
            "author_id": None,
            "role": "assistant",
            "content": "Half a thou",
            "status": "generating",
            "parent_id": None,
            "branch_index": 0,
            "lease_until": now - timedelta(seconds=5),
            "created_at": now,
            "updated_at": now,
        }
    )
    engine = app_client.app.state.services.engine  # type: ignore[attr-defined]
    assert await engine.sweep() >= 1
    doc = await messages.find_one({"conversation_id": cid})
    assert doc["status"] == "error"
    assert doc["content"] == "Half a thou"
    assert "interrupted" in doc["error"]


async def test_bad_input_changes_nothing(
    app_client: httpx.AsyncClient, settings: ConversationSettings, mongo: AsyncMongoClient
) -> None:
    me = auth(settings, "u-" + uuid.uuid4().hex)
    cid = await new_conversation(app_client, me)
    base = f"/v1/conversations/{cid}/messages"
    for body in (
        {"content": ""},
        {"content": 5},
        {"nope": "x"},
        {"content": "x", "parent_id": "missing"},
    ):
        response = await app_client.post(base, json=body, headers=me)
        assert response.status_code in (404, 422), response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert (
        await mongo[settings.mongo_database].messages.count_documents({"conversation_id": cid}) == 0
    )
    assert (
        await app_client.put(f"{base}/nothing/rating", json={"rating": 9}, headers=me)
    ).status_code == 422


@pytest.fixture
def limited_settings(settings: ConversationSettings) -> ConversationSettings:
    return settings.model_copy(update={"usage_messages_per_day": 3})


async def test_daily_message_limit_answers_429_before_any_generation(
    limited_settings: ConversationSettings, mongo: AsyncMongoClient
) -> None:
    app = create_app(limited_settings)
    me = auth(limited_settings, "u-" + uuid.uuid4().hex)
    async with started(app, "http://conversation", timeout=30) as client:
        cid = await new_conversation(client, me)
        for n in range(3):
            ok = await client.post(
                f"/v1/conversations/{cid}/messages", json={"content": f"note {n}"}, headers=me
            )
            assert ok.status_code == 201, ok.text
        db = mongo[limited_settings.mongo_database]
        before = await db["messages"].count_documents({"conversation_id": cid})
        refused = await client.post(
            f"/v1/conversations/{cid}/messages", json={"content": "one more"}, headers=me
        )
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) > 0
        assert refused.json()["type"].endswith("message-limit-reached")
        assert await db["messages"].count_documents({"conversation_id": cid}) == before, (
            "no reply was started"
        )
        limits = (await client.get("/v1/usage/limits", headers=me)).json()
        assert limits["messages_today"] == 3
        assert limits["messages_per_day"] == 3
        report = (await client.get("/v1/usage", headers=me)).json()
        assert report["totals"]["messages"] == 3
        assert report["totals"]["output_tokens"] > 0
        assert {d["provider"] for d in report["days"]} == {"offline"}


async def test_users_can_only_tighten_their_limits(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    me = auth(settings, "u-" + uuid.uuid4().hex)
    tightened = await app_client.patch("/v1/usage/limits", json={"messages_per_day": 1}, headers=me)
    assert tightened.status_code == 200, tightened.text
    assert tightened.json()["messages_per_day"] == 1
    lifted = await app_client.patch(
        "/v1/usage/limits", json={"messages_per_day": 10**6}, headers=me
    )
    assert lifted.json()["messages_per_day"] == settings.usage_messages_per_day
    assert (await app_client.patch("/v1/usage/limits", json={}, headers=me)).status_code == 422


async def test_openai_sdk_against_the_service(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    import openai

    user_id = "u-" + uuid.uuid4().hex
    token = identity_token_issuer().issue(user_id)
    sdk = openai.AsyncOpenAI(
        api_key=token,
        base_url="http://conversation/v1",
        http_client=httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app_client.app), base_url="http://conversation"
        ),  # type: ignore[attr-defined]
        max_retries=0,
    )
    models = await sdk.models.list()
    ids = [m.id for m in models.data]
    assert "muninn" in ids
    assert "offline/muninn-offline-1" in ids

    completion = await sdk.chat.completions.create(
        model="muninn",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "My sister Ana lives in Lisbon."},
        ],
        user="sdk-test",
    )
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].message.content
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens > 0
    assert completion.model == "offline/muninn-offline-1"

    stream = await sdk.chat.completions.create(
        model="offline/muninn-offline-1",
        messages=[{"role": "user", "content": "Where does Ana live?"}],
        user="sdk-test",
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces: list[str] = []
    finish: str | None = None
    usage = None
    async for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage is not None:
            usage = chunk.usage
    assert "".join(pieces).strip()
    assert finish == "stop"
    assert usage is not None
    assert usage.completion_tokens > 0

    me = {"Authorization": f"Bearer {token}"}
    listed = (await app_client.get("/v1/conversations", headers=me)).json()["items"]
    api_conversations = [c for c in listed if c["title"] == "API (sdk-test)"]
    assert len(api_conversations) == 1, (
        "both calls landed in the same conversation for this API user"
    )
    thread = (
        await app_client.get(f"/v1/conversations/{api_conversations[0]['id']}/messages", headers=me)
    ).json()
    assert [m["role"] for m in thread["items"]] == ["user", "assistant", "user", "assistant"]
    assert thread["items"][0]["metadata"]["input_method"] == "api"

    with pytest.raises(openai.NotFoundError):
        await sdk.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}]
        )
    with pytest.raises(openai.UnprocessableEntityError):
        await sdk.chat.completions.create(
            model="muninn", messages=[{"role": "assistant", "content": "hi"}]
        )
    await sdk.close()


async def test_scheduler_proactive_message_lands_in_the_conversation(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    import asyncio

    from muninn_shared.events import Topic, new_event

    user_id = "u-" + uuid.uuid4().hex
    me = auth(settings, user_id)
    cid = await new_conversation(app_client, me)
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    event = new_event(
        "scheduler.proactive.message",
        source="scheduler",
        subject=user_id,
        data={
            "user_id": user_id,
            "conversation_id": cid,
            "kind": "reminder",
            "text": "Reminder: call mom",
            "reference_id": "n-1",
        },
    )
    await runtime.publish(Topic.SCHEDULER_PROACTIVE.value, event)
    await runtime.publish(Topic.SCHEDULER_PROACTIVE.value, event)  # redelivered: still once
    items: list[dict] = []
    for _ in range(300):
        items = (await app_client.get(f"/v1/conversations/{cid}/messages", headers=me)).json()[
            "items"
        ]
        if items:
            break
        await asyncio.sleep(0.1)
    assert len(items) == 1
    assert items[0]["role"] == "assistant"
    assert items[0]["content"] == "Reminder: call mom"
    assert items[0]["metadata"]["input_method"] == "proactive"
    assert items[0]["metadata"]["proactive_type"] == "reminder"

    stranger_event = new_event(
        "scheduler.proactive.message",
        source="scheduler",
        subject="someone-else",
        data={
            "user_id": "someone-else-" + uuid.uuid4().hex,
            "conversation_id": cid,
            "kind": "reminder",
            "text": "not for you",
        },
    )
    await runtime.publish(Topic.SCHEDULER_PROACTIVE.value, stranger_event)
    await asyncio.sleep(2)
    assert (
        len((await app_client.get(f"/v1/conversations/{cid}/messages", headers=me)).json()["items"])
        == 1
    ), "a message for another user never lands in this conversation"


async def test_mention_routes_the_turn_to_that_advisor(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    me = auth(settings, "u-" + uuid.uuid4().hex)
    cid = await new_conversation(
        app_client, me, advisor_ids=["builtin-career-coach", "builtin-financial-planner"]
    )
    exchange = await send(app_client, me, cid, "@Maya should I ask for a raise this year?")
    assert exchange["assistant_message"]["advisor_id"] == "builtin-career-coach"
    assert exchange["user_message"]["metadata"]["mentions"]
    plain = await app_client.post(
        f"/v1/conversations/{cid}/messages", json={"content": "thanks both"}, headers=me
    )
    assert plain.json()["assistant_message"]["advisor_id"] is None, (
        "no mention with two advisors: the assistant answers"
    )


async def test_typing_indicators_follow_roles_and_lapse(
    app_client: httpx.AsyncClient, settings: ConversationSettings
) -> None:
    from muninn_conversation.typing_indicators.service import TypingService

    owner_id, viewer_id = "u-" + uuid.uuid4().hex, "u-" + uuid.uuid4().hex
    owner, viewer = auth(settings, owner_id), auth(settings, viewer_id)
    stranger = auth(settings, "u-" + uuid.uuid4().hex)
    cid = await new_conversation(app_client, owner)
    await join(app_client, cid, owner, viewer_id, viewer, "viewer")
    path = f"/v1/conversations/{cid}/typing"

    typing = await app_client.put(path, json={"is_typing": True}, headers=owner)
    assert typing.status_code == 200, typing.text
    seen = (await app_client.get(path, headers=viewer)).json()
    assert [i["user_id"] for i in seen["typing"]] == [owner_id]
    assert seen["assistant_generating"] is False

    denied = await app_client.put(path, json={"is_typing": True}, headers=viewer)
    assert denied.status_code == 403
    assert (await app_client.get(path, headers=stranger)).status_code == 404
    assert (await app_client.put(path, json={"is_typing": "x"}, headers=owner)).status_code == 422

    # An indicator nobody renews lapses: seen from a clock past the TTL, nobody is typing.
    service: TypingService = app_client.app.state.services.typing  # type: ignore[attr-defined]
    later = TypingService(
        service._store,
        service._conversations,
        service._messages,
        ttl_seconds=8,
        clock=lambda: datetime.now(UTC) + timedelta(seconds=30),
    )
    assert (await later.state(cid, owner_id)).typing == []

    stopped = await app_client.put(path, json={"is_typing": False}, headers=owner)
    assert stopped.json()["typing"] == []
