"""Experiences: a follow-up after the end, the reply turned into a review, provider ratings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic

from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.scheduler.harness import (
    LisbonUser,
    Scheduler,
    alice_and_bob,
    assert_all_refused,
    assert_not_found,
    eventually,
    fire_due,
    say,
    scheduler_settings,
)


@pytest.fixture
def settings(infra: Infra, unique: str) -> SchedulerSettings:
    return scheduler_settings(infra, unique, follow_up_delay_minutes=30)


async def visit(
    client: httpx.AsyncClient, me: dict[str, str], local_time: str, **fields: Any
) -> dict[str, Any]:
    body = {
        "type": "dentist_appointment",
        "title": "Dentist",
        "provider": "Dr. Mary",
        "local_time": local_time,
        "duration_minutes": 45,
        **fields,
    }
    response = await client.post("/v1/experiences", json=body, headers=me)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_follow_up_after_the_end_and_the_reply_becomes_a_review(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, app, user_id, me = lisbon
    conversation = "conv-" + uuid.uuid4().hex
    experience = await visit(
        client, me, "2026-06-12T15:00:00", conversation_id=conversation, location="Baixa clinic"
    )
    assert experience["status"] == "scheduled"
    ends = datetime(2026, 6, 12, 14, 45, tzinfo=UTC)  # 15:00 Lisbon + 45 min
    assert datetime.fromisoformat(experience["ends_at"]) == ends
    assert datetime.fromisoformat(experience["follow_up_at"]) == ends + timedelta(minutes=30)

    clock.set(ends + timedelta(minutes=29))
    assert await fire_due(app) == 0, "not while it may still be going on"
    clock.set(ends + timedelta(minutes=30))
    assert await fire_due(app) == 1
    asked = (await client.get(f"/v1/experiences/{experience['id']}", headers=me)).json()
    assert asked["status"] == "completed"
    assert asked["follow_up_sent_at"]
    assert asked["follow_up_attempts"] == 1
    (question,) = await collect(
        infra.kafka_bootstrap,
        Topic.SCHEDULER_PROACTIVE.value,
        lambda b: b.get("subject") == user_id and b["data"]["kind"] == "follow_up",
    )
    assert question["data"]["text"] == "How was your appointment with Dr. Mary?"
    assert question["data"]["reference_id"] == experience["id"]
    assert question["data"]["conversation_id"] == conversation
    inbox = (await client.get("/v1/notifications", headers=me)).json()["items"]
    assert [(n["kind"], n["ref_id"]) for n in inbox] == [("follow_up", experience["id"])]

    # The conversation service posts the question, then the person answers in that thread.
    await say(
        app,
        user_id,
        conversation,
        question["data"]["text"],
        clock.now(),
        role="assistant",
        event_type="conversation.message.completed",
        metadata={
            "input_method": "proactive",
            "proactive_type": "follow_up",
            "reference_id": experience["id"],
        },
    )
    clock.advance(timedelta(minutes=5))
    reply = (
        "It was great! Dr. Mary was so gentle and the clinic was spotless. "
        "I would definitely recommend her, 5 stars."
    )
    reply_id = await say(app, user_id, conversation, reply, clock.now())

    async def reviewed() -> dict[str, Any] | None:
        doc: dict[str, Any] = (
            await client.get(f"/v1/experiences/{experience['id']}", headers=me)
        ).json()
        return doc if doc.get("review") else None

    done = await eventually(reviewed, "the review")
    review = done["review"]
    assert done["awaiting_review"] is False
    assert review["user_response"] == reply
    assert review["message_id"] == reply_id
    assert review["conversation_id"] == conversation
    insights = review["extracted_insights"]
    assert insights["overall_sentiment"] == "positive"
    assert insights["rating"] == 5.0
    assert insights["recommendation"] is True
    assert any("gentle" in h for h in insights["highlights"])
    assert insights["key_quotes"]
    assert review["generated_review"].startswith("Positive experience with Dr. Mary (5/5).")
    assert (await client.get("/v1/reminders", headers=me)).json()["items"] == [], (
        "a review reply is not read as a new plan"
    )

    rating = (await client.get("/v1/providers/ratings/dr. mary", headers=me)).json()
    assert rating["provider"] == "Dr. Mary"
    assert rating["personal_rating"] == 5.0
    assert rating["experience_count"] == 1
    assert rating["recommendation"] is True

    # A second, bad visit through the API: the rating becomes the average.
    second = await visit(client, me, "2026-06-13T10:00:00")
    made = await client.post(
        f"/v1/experiences/{second['id']}/review",
        json={"text": "Terrible this time: I waited 40 minutes and it hurt. 2/5."},
        headers=me,
    )
    assert made.status_code == 200, made.text
    assert made.json()["review"]["extracted_insights"]["overall_sentiment"] == "negative"
    ratings = (await client.get("/v1/providers/ratings", headers=me)).json()["items"]
    assert len(ratings) == 1
    assert ratings[0]["personal_rating"] == 3.5
    assert ratings[0]["experience_count"] == 2
    assert ratings[0]["sentiment"] == {"positive": 1, "negative": 1}
    assert ratings[0]["issues"]
    clock.set(datetime(2026, 6, 20, tzinfo=UTC))
    assert await fire_due(app) == 0, "an experience reviewed already gets no follow-up"

    assert (await client.delete(f"/v1/experiences/{second['id']}", headers=me)).status_code == 204
    after = (await client.get("/v1/providers/ratings/Dr Mary", headers=me)).json()
    assert (after["personal_rating"], after["experience_count"]) == (5.0, 1)


async def test_cancelling_drops_the_follow_up_and_moving_moves_it(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, _, me = lisbon
    cancelled = await visit(client, me, "2026-06-12T15:00:00")
    moved = await visit(
        client, me, "2026-06-12T15:00:00", provider="Tony's Pizza", type="restaurant"
    )
    response = await client.patch(
        f"/v1/experiences/{cancelled['id']}", json={"status": "cancelled"}, headers=me
    )
    assert response.json()["follow_up_at"] is None
    response = await client.patch(
        f"/v1/experiences/{moved['id']}", json={"local_time": "2026-06-14T20:00:00"}, headers=me
    )
    follow_up = datetime.fromisoformat(response.json()["follow_up_at"])
    assert follow_up == datetime(2026, 6, 14, 19, 45, tzinfo=UTC) + timedelta(minutes=30)
    clock.set(datetime(2026, 6, 13, tzinfo=UTC))
    assert await fire_due(app) == 0
    clock.set(follow_up)
    assert await fire_due(app) == 1
    inbox = (await client.get("/v1/notifications", headers=me)).json()["items"]
    assert [n["title"] for n in inbox] == ["How was your visit to Tony's Pizza?"]
    listed = (
        await client.get("/v1/experiences", params={"status": "cancelled"}, headers=me)
    ).json()["items"]
    assert [e["id"] for e in listed] == [cancelled["id"]]
    refused = await client.post(
        f"/v1/experiences/{cancelled['id']}/review", json={"text": "n/a"}, headers=me
    )
    assert refused.status_code == 409


async def test_experience_validation_and_isolation(
    scheduler: Scheduler, settings: SchedulerSettings
) -> None:
    client, _ = scheduler
    alice, bob = alice_and_bob(settings)
    bad = [
        {"title": "x"},
        {"title": "x", "local_time": "2026-06-12T15:00:00", "scheduled_at": "2026-06-12T15:00Z"},
        {"title": "x", "scheduled_at": "2026-06-12T15:00:00"},
        {"title": "x", "local_time": "2026-06-12T15:00:00+01:00"},
        {"title": "x", "local_time": "2026-06-12T15:00:00", "type": "Not A Type"},
        {"title": "x", "local_time": "2026-06-12T15:00:00", "duration_minutes": 0},
        {"title": "x", "local_time": "2026-06-12T15:00:00", "timezone": "Nowhere/Land"},
        {"title": "", "local_time": "2026-06-12T15:00:00"},
        {"title": "x", "local_time": "2026-06-12T15:00:00", "rating": 5},
    ]
    await assert_all_refused(client, "/v1/experiences", bad, alice)
    eid = (await visit(client, alice, "2026-06-12T15:00:00"))["id"]
    for body in ({}, {"status": "finished"}, {"title": None}):
        response = await client.patch(f"/v1/experiences/{eid}", json=body, headers=alice)
        assert response.status_code == 422, (body, response.text)
    empty_review = await client.post(
        f"/v1/experiences/{eid}/review", json={"text": ""}, headers=alice
    )
    assert empty_review.status_code == 422
    experiences_of_alice = [
        ("GET", f"/v1/experiences/{eid}", None),
        ("PATCH", f"/v1/experiences/{eid}", {"title": "stolen"}),
        ("POST", f"/v1/experiences/{eid}/review", {"text": "awful"}),
        ("DELETE", f"/v1/experiences/{eid}", None),
        ("GET", "/v1/providers/ratings/Dr. Mary", None),
    ]
    await assert_not_found(client, experiences_of_alice, bob)
    await client.post(f"/v1/experiences/{eid}/review", json={"text": "lovely"}, headers=alice)
    assert (await client.get("/v1/providers/ratings", headers=bob)).json()["items"] == []
    assert len((await client.get("/v1/providers/ratings", headers=alice)).json()["items"]) == 1
    bad_type = await client.get("/v1/providers/ratings", params={"type": "A B"}, headers=alice)
    assert bad_type.status_code == 422
    assert (await client.get("/v1/experiences", headers=bob)).json()["items"] == []
