"""Patterns over real Kafka and MongoDB: the messages a user writes and their answers to
notifications become evidence, the learner finds their evening routine, and a follow-up
question made in the morning waits for that evening — until they dismiss the pattern."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.main import create_app
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic

from tests.integration.events import erasure_requested
from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.scheduler.harness import (
    LisbonUser,
    alice_and_bob,
    assert_not_found,
    auth,
    eventually,
    fire_due,
    say,
    scheduler_settings,
)

ZONE = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def settings(infra: Infra, unique: str) -> SchedulerSettings:
    return scheduler_settings(infra, unique, follow_up_delay_minutes=30)


async def observed(app: FastAPI, user_id: str, count: int) -> int:
    async def enough() -> int:
        found: int = await app.state.runtime.db["activity"].count_documents({"user_id": user_id})
        return found if found >= count else 0

    return await eventually(enough, f"{count} observations of {user_id}", timeout=60)


async def evenings_of(app: FastAPI, user_id: str) -> None:
    """Eight evenings writing at 19:xx in Lisbon (18:xx UTC in June), one morning at 09:00."""
    conversation = "conv-" + uuid.uuid4().hex
    for day in range(1, 9):
        at = datetime(2026, 6, day, 18, 5 * day, tzinfo=UTC)
        await say(app, user_id, conversation, f"Evening check-in number {day}", at)
    await say(app, user_id, conversation, "Morning", datetime(2026, 6, 9, 8, 0, tzinfo=UTC))
    await observed(app, user_id, 9)


async def follow_up_made_at(
    client: httpx.AsyncClient, app: FastAPI, clock: ManualClock, me: dict[str, str], at: datetime
) -> dict[str, Any]:
    """An appointment (45 min, followed up 30 min after) whose question is made ``at``."""
    start = at - timedelta(minutes=75)
    local = start.astimezone(ZONE).replace(tzinfo=None).isoformat(timespec="minutes")
    created = await client.post(
        "/v1/experiences",
        json={"type": "dentist", "title": "Dentist", "local_time": local, "duration_minutes": 45},
        headers=me,
    )
    assert created.status_code == 201, created.text
    clock.set(at)
    assert await fire_due(app) == 1
    (made,) = [
        n
        for n in (await client.get("/v1/notifications/scheduled", headers=me)).json()
        + (await client.get("/v1/notifications", headers=me)).json()["items"]
        if n["ref_id"] == created.json()["id"]
    ]
    return made


async def test_a_follow_up_waits_for_the_learned_evening_until_the_pattern_is_dismissed(
    lisbon: LisbonUser, clock: ManualClock, settings: SchedulerSettings
) -> None:
    client, app, user_id, me = lisbon
    await evenings_of(app, user_id)

    report = await client.post("/v1/me/patterns/learn", headers=me)
    assert report.status_code == 200, report.text
    assert report.json()["llm"] == "not_configured"
    patterns = (await client.get("/v1/me/patterns", headers=me)).json()["items"]
    (hours,) = [p for p in patterns if p["pattern_type"] == "activity_rhythm"]
    assert hours["time_patterns"]["hours"] == [19]
    assert hours["evidence"]["by_hour"] == {"9": 1, "19": 8}
    assert hours["evidence_count"] == 9
    assert hours["confidence"] == pytest.approx(8 / 9 * 9 / 14, abs=0.001)
    assert hours["used_for_delivery"] is True
    assert hours["status"] == "active"
    assert {p["pattern_type"] for p in patterns} >= {"activity_rhythm", "communication_style"}

    # Made at 11:00 Lisbon: it waits for 19:00 Lisbon (18:00 UTC).
    question = await follow_up_made_at(
        client, app, clock, me, datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    )
    assert question["status"] == "scheduled"
    assert question["deferred_reason"] == "learned_hours"
    assert question["flexible"] is True
    evening = datetime(2026, 6, 10, 18, 0, tzinfo=UTC)
    assert datetime.fromisoformat(question["deliver_at"]) == evening
    clock.set(evening - timedelta(minutes=1))
    await fire_due(app)
    waiting = (await client.get(f"/v1/notifications/{question['id']}", headers=me)).json()
    assert waiting["status"] == "scheduled"
    clock.set(evening)
    await fire_due(app)
    delivered = (await client.get(f"/v1/notifications/{question['id']}", headers=me)).json()
    assert delivered["status"] == "unread"
    assert datetime.fromisoformat(delivered["delivered_at"]) == evening

    # Their answer, five minutes later, is evidence too.
    clock.set(evening + timedelta(minutes=5))
    read = await client.patch(
        f"/v1/notifications/{question['id']}", json={"status": "read"}, headers=me
    )
    assert read.status_code == 200, read.text
    answer = await app.state.runtime.db["activity"].find_one(
        {"user_id": user_id, "kind": "notification_response"}
    )
    assert answer["response_seconds"] == 300
    assert answer["local_hour"] == 19
    assert answer["notification_kind"] == "follow_up"

    # Dismissed, the pattern no longer times anything.
    dismissed = await client.post(f"/v1/me/patterns/{hours['id']}/dismiss", headers=me)
    assert dismissed.status_code == 200
    assert dismissed.json()["status"] == "dismissed"
    assert dismissed.json()["used_for_delivery"] is False
    relearned = await client.post("/v1/me/patterns/learn", headers=me)
    assert relearned.status_code == 200
    again = (await client.get(f"/v1/me/patterns/{hours['id']}", headers=me)).json()
    assert again["status"] == "dismissed", "relearning refreshes evidence, not the dismissal"
    assert again["evidence_count"] == 10, "the answer counted"
    next_one = await follow_up_made_at(
        client, app, clock, me, datetime(2026, 6, 11, 10, 0, tzinfo=UTC)
    )
    assert next_one["status"] == "unread", "delivered at once"
    assert next_one["deferred_reason"] is None
    listed = await client.get("/v1/me/patterns", params={"status": "dismissed"}, headers=me)
    assert [p["id"] for p in listed.json()["items"]] == [hours["id"]]


async def test_reminders_keep_their_time_and_patterns_are_their_owners(
    lisbon: LisbonUser, clock: ManualClock, settings: SchedulerSettings, infra: Infra
) -> None:
    client, app, user_id, me = lisbon
    await evenings_of(app, user_id)
    assert (await client.post("/v1/me/patterns/learn", headers=me)).status_code == 200
    (hours,) = [
        p
        for p in (await client.get("/v1/me/patterns", headers=me)).json()["items"]
        if p["pattern_type"] == "activity_rhythm"
    ]

    # A reminder is at the time the person chose, whatever their habits.
    created = await client.post(
        "/v1/reminders", json={"title": "Pills", "local_time": "2026-06-10T12:00:00"}, headers=me
    )
    assert created.status_code == 201
    clock.set(datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
    await fire_due(app)
    await fire_due(app)
    (pills,) = (await client.get("/v1/notifications", headers=me)).json()["items"]
    assert pills["kind"] == "reminder"
    assert datetime.fromisoformat(pills["delivered_at"]) == clock.now()

    _, stranger = alice_and_bob(settings)
    assert (await client.get("/v1/me/patterns", headers=stranger)).json()["items"] == []
    await assert_not_found(
        client,
        [
            ("GET", f"/v1/me/patterns/{hours['id']}", None),
            ("POST", f"/v1/me/patterns/{hours['id']}/dismiss", None),
            ("POST", f"/v1/me/patterns/{hours['id']}/restore", None),
        ],
        stranger,
    )

    export = (await client.get("/internal/privacy/export", headers=me)).json()["collections"]
    assert {d["key"] for d in export["user_patterns"]} >= {"active_hours"}
    assert len(export["activity"]) == 9

    db = app.state.runtime.db
    await app.state.runtime.publish(
        Topic.IDENTITY_USERS.value, erasure_requested(user_id, "scheduler")
    )
    deadline = time.monotonic() + 60
    while await db["activity"].count_documents({"user_id": user_id}) or await db[
        "user_patterns"
    ].count_documents({"user_id": user_id}):
        assert time.monotonic() < deadline, "the erasure never removed the patterns"
        await asyncio.sleep(0.2)


MEMORIES = [
    {
        "id": f"m{i}",
        "content": text,
        "type": "experience",
        "context": "work",
        "importance": 5,
        "status": "active",
        "occurred_at": f"2026-05-{10 + i}T20:00:00Z",
    }
    for i, text in enumerate(
        [
            "User worked until midnight before the product launch.",
            "User skipped lunch the week of the quarterly review.",
            "User went for a long run after the launch shipped.",
        ]
    )
]


def model_and_memory(asked: list[httpx.Request]) -> httpx.MockTransport:
    """The memory service (the user's memories, to their token) and an OpenAI-compatible
    model that finds one pattern in them, citing two real memories and one it made up."""

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.path == "/v1/memories":
            assert request.headers["authorization"].startswith("Bearer ")
            return httpx.Response(200, json={"items": MEMORIES, "next_cursor": None})
        answer = {
            "patterns": [
                {
                    "pattern_type": "stress_response",
                    "name": "Works late before deadlines",
                    "description": "You work late and skip meals before big deadlines.",
                    "triggers": ["deadlines"],
                    "recommendations": ["Block an evening off after a launch."],
                    "confidence": 0.9,
                    "evidence": ["m0", "m1", "m9"],
                }
            ]
        }
        return httpx.Response(
            200,
            json={
                "choices": [{"message": {"role": "assistant", "content": json.dumps(answer)}}],
                "usage": {"prompt_tokens": 321, "completion_tokens": 54},
            },
        )

    return httpx.MockTransport(handle)


async def test_with_a_model_behaviour_patterns_cite_the_memories_and_the_call_is_usage(
    infra: Infra, unique: str, clock: ManualClock
) -> None:
    settings = scheduler_settings(
        infra, unique, scheduler_llm_base_url="http://llm.test/v1", scheduler_llm_model="tiny-1"
    )
    asked: list[httpx.Request] = []
    http = httpx.AsyncClient(transport=model_and_memory(asked))
    app = create_app(settings, clock, run_timers=False, http=http)
    user_id = "u-" + uuid.uuid4().hex
    me = auth(settings, user_id)
    async with started(app, "http://scheduler", timeout=60, startup_timeout=120) as client:
        report = await client.post("/v1/me/patterns/learn", headers=me)
        assert report.status_code == 200, report.text
        assert (report.json()["llm"], report.json()["from_memories"]) == ("used", 1)
        (found,) = [p for p in report.json()["patterns"] if p["source"] == "llm"]
        assert found["pattern_type"] == "stress_response"
        assert found["evidence"]["memory_ids"] == ["m0", "m1"], "the made-up m9 counts for nothing"
        assert found["evidence_count"] == 2
        assert found["confidence"] == 0.5
        assert found["recommendations"] == ["Block an evening off after a launch."]
        assert [m["content"] for m in found["evidence"]["memories"]] == [
            MEMORIES[0]["content"],
            MEMORIES[1]["content"],
        ]
        assert [r.url.path for r in asked] == ["/v1/memories", "/v1/chat/completions"]
        # The relay publishes it while the service runs.
        (recorded,) = await collect(
            infra.kafka_bootstrap,
            Topic.SCHEDULER_MODEL_CALLS.value,
            lambda b: b.get("subject") == user_id,
        )
    assert recorded["type"] == "scheduler.model_call.recorded"
    call = recorded["data"]
    assert (call["feature"], call["provider"], call["model"]) == ("patterns", "llm.test", "tiny-1")
    assert (call["prompt_tokens"], call["completion_tokens"]) == (321, 54)
    assert call["success"] is True
