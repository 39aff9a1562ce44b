"""Model calls kept by the conversation service over real MongoDB and Kafka: its own chat
replies, and the calls the other services announce on their topics; paged, aggregated per
feature, priced by one table, counted in the month's spend, and each user's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from muninn_conversation.main import create_app
from muninn_conversation.providers.config import ProvidersSettings
from muninn_conversation.settings import ConversationSettings
from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.events.payloads import ModelCallRecorded
from pymongo import AsyncMongoClient

from tests.integration.conversation_app import conversation_settings, running
from tests.integration.infra import Infra
from tests.integration.paging import every_item
from tests.integration.tokens import identity_token_issuer


@pytest.fixture
def settings(infra: Infra, unique: str) -> ConversationSettings:
    return conversation_settings(infra, unique)


@pytest.fixture
async def client(settings: ConversationSettings) -> AsyncIterator[httpx.AsyncClient]:
    # A self-hosted model the operator priced, and one nobody priced.
    providers = ProvidersSettings(prices={"tiny-1": {"input": "2", "output": "4"}})
    async with running(create_app(settings, providers)) as http:
        yield http


def auth(user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(user_id)}"}


def recorded(
    user_id: str, service: str, *, model: str, feature: str, prompt: int, completion: int = 0
) -> EventEnvelope:
    call = ModelCallRecorded(
        user_id=user_id,
        call_id=uuid.uuid4().hex,
        service=service,
        provider="llm.internal",
        endpoint="chat/completions",
        model=model,
        feature=feature,
        context="work",
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        latency_ms=40,
        success=True,
        called_at=datetime.now(UTC),
    )
    return new_event(f"{service}.model_call.recorded", source=service, subject=user_id, data=call)


async def calls_of(
    client: httpx.AsyncClient, headers: dict[str, str], wanted: int
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for _ in range(200):
        found = await every_item(client, "/v1/usage/calls", headers, limit=2)
        if len(found) >= wanted:
            return found
        await asyncio.sleep(0.1)
    return found


async def test_every_call_is_kept_once_priced_paged_and_aggregated_per_feature(
    client: httpx.AsyncClient,
    settings: ConversationSettings,
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    user = "u-" + uuid.uuid4().hex
    me = auth(user)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    conversation = await client.post("/v1/conversations", json={"context": "work"}, headers=me)
    assert conversation.status_code == 201, conversation.text
    cid = conversation.json()["id"]
    sent = await client.post(
        f"/v1/conversations/{cid}/messages", json={"content": "Plan my week"}, headers=me
    )
    assert sent.status_code == 201, sent.text

    extraction = recorded(
        user, "memory", model="tiny-1", feature="memory_extraction", prompt=1000, completion=500
    )
    await runtime.publish(Topic.MEMORY_MODEL_CALLS.value, extraction)
    await runtime.publish(Topic.MEMORY_MODEL_CALLS.value, extraction)  # redelivered: kept once
    await runtime.publish(
        Topic.SCHEDULER_MODEL_CALLS.value,
        recorded(user, "scheduler", model="unpriced-7b", feature="scheduler_plans", prompt=80),
    )
    # Memory may not speak for the scheduler: the record names its service, the envelope
    # its source, and they must agree.
    forged = recorded(user, "scheduler", model="tiny-1", feature="scheduler_plans", prompt=1)
    forged = forged.model_copy(update={"type": "memory.model_call.recorded", "source": "memory"})
    await runtime.publish(Topic.MEMORY_MODEL_CALLS.value, forged)

    calls = await calls_of(client, me, 3)
    await asyncio.sleep(1)  # time for a duplicate or the forged record to show, were it kept
    calls = await every_item(client, "/v1/usage/calls", me, limit=2)
    by_feature = {c["feature"]: c for c in calls}
    assert sorted(by_feature) == ["chat", "memory_extraction", "scheduler_plans"]
    assert len(calls) == 3, calls
    assert [c["called_at"] for c in calls] == sorted(
        (c["called_at"] for c in calls), reverse=True
    ), "newest first"

    chat = by_feature["chat"]
    assert (chat["service"], chat["provider"], chat["endpoint"]) == (
        "conversation",
        "offline",
        "chat/completions",
    )
    assert chat["context"] == "work"
    assert chat["success"]
    assert chat["completion_tokens"] > 0
    assert chat["cost_usd"] == 0.0, "the offline responder is free"

    memory = by_feature["memory_extraction"]
    assert (memory["prompt_tokens"], memory["completion_tokens"]) == (1000, 500)
    assert memory["cost_usd"] == pytest.approx((1000 * 2 + 500 * 4) / 1_000_000)
    assert by_feature["scheduler_plans"]["cost_usd"] is None, "no price known: never guessed"

    one = await client.get(f"/v1/usage/calls/{memory['id']}", headers=me)
    assert one.status_code == 200
    assert one.json() == memory
    only_memory = await client.get(
        "/v1/usage/calls", params={"feature": "memory_extraction"}, headers=me
    )
    assert [c["id"] for c in only_memory.json()["items"]] == [memory["id"]]

    report = (await client.get("/v1/usage", headers=me)).json()
    rows = {row["feature"]: row for row in report["days"]}
    assert rows["chat"]["messages"] == 1
    assert rows["chat"]["calls"] == 1
    assert rows["memory_extraction"]["calls"] == 1
    assert rows["memory_extraction"]["input_tokens"] == 1000
    assert rows["scheduler_plans"]["unpriced_calls"] == 1
    totals = report["totals"]
    assert totals["calls"] == 3
    assert totals["messages"] == 1
    assert totals["cost_usd"] == pytest.approx(0.004)

    limits = (await client.get("/v1/usage/limits", headers=me)).json()
    assert limits["spend_this_month_usd"] == pytest.approx(0.004), "every feature's spend counts"

    stranger = auth("u-" + uuid.uuid4().hex)
    theirs = await client.get(f"/v1/usage/calls/{memory['id']}", headers=stranger)
    assert theirs.status_code == 404
    assert theirs.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/usage/calls", headers=stranger)).json()["items"] == []

    stored = mongo[settings.mongo_database]["usage_calls"]
    assert await stored.count_documents({"user_id": user}) == 3


async def test_a_reply_its_reader_stopped_is_a_failed_call(
    client: httpx.AsyncClient,
) -> None:
    from muninn_conversation.providers.metering import metered_stream
    from muninn_conversation.providers.models import ChatMessage, GenerationRequest
    from muninn_conversation.providers.offline import OfflineProvider
    from muninn_shared.model_calls import ModelCallRecorder

    user = "u-" + uuid.uuid4().hex
    usage = client.app.state.services.usage  # type: ignore[attr-defined]
    calls = ModelCallRecorder("conversation", usage.record_call)
    request = GenerationRequest(
        messages=[ChatMessage(role="user", content="Tell me a long story " * 5)],
        model="muninn-offline-1",
        user_id=user,
    )
    stream = metered_stream(OfflineProvider(), request, calls=calls)
    async for _ in stream:
        break  # the reader stops at the first delta
    await stream.aclose()
    page = await usage.calls(user, limit=10, cursor=None)
    assert [(c.success, c.error_code) for c in page.items] == [(False, "stopped")]
