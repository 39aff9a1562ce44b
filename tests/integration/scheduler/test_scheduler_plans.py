"""From conversation to plans: messages arrive over Kafka, reminders and experiences come out,
the assistant confirms in the conversation, and "undo" takes it back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from muninn_scheduler.clock import ManualClock
from muninn_shared.events import Topic

from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.scheduler.harness import (
    LisbonUser,
    eventually,
    fire_due,
    listed,
    proactive_about,
    say,
)


async def test_remind_me_to_call_mom_tomorrow_at_6pm_fires_as_a_proactive_message(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, app, user_id, me = lisbon
    conversation = "conv-" + uuid.uuid4().hex
    clock.set(datetime(2026, 6, 10, 14, 0, tzinfo=UTC))  # 15:00 in Lisbon
    message_id = await say(
        app, user_id, conversation, "remind me to call mom tomorrow at 6pm", clock.now()
    )

    (reminder,) = await eventually(lambda: listed(client, "/v1/reminders", me), "the reminder")
    assert reminder["title"] == "Call mom"
    assert reminder["timezone"] == "Europe/Lisbon"
    assert reminder["start_local"] == "2026-06-11T18:00:00"
    assert datetime.fromisoformat(reminder["next_due_at"]) == datetime(
        2026, 6, 11, 17, 0, tzinfo=UTC
    ), "18:00 in Lisbon (UTC+1 in June)"
    assert reminder["conversation_id"] == conversation
    assert reminder["source"]["kind"] == "conversation"
    assert reminder["source"]["message_id"] == message_id

    (confirmation,) = await proactive_about(infra, user_id, "plan_confirmation", reminder["id"])
    assert confirmation["data"]["conversation_id"] == conversation
    assert confirmation["data"]["reference_id"] == reminder["id"]
    assert "tomorrow" in confirmation["data"]["text"]
    assert "18:00" in confirmation["data"]["text"]
    assert "undo" in confirmation["data"]["text"]

    clock.set(datetime(2026, 6, 11, 16, 59, tzinfo=UTC))
    assert await fire_due(app) == 0, "not before 18:00 local"
    clock.set(datetime(2026, 6, 11, 17, 0, tzinfo=UTC))
    assert await fire_due(app) == 1
    (fired,) = await collect(
        infra.kafka_bootstrap,
        Topic.SCHEDULER_PROACTIVE.value,
        lambda b: b.get("subject") == user_id and b["data"]["kind"] == "reminder",
    )
    assert fired["data"]["text"] == "Reminder: Call mom"
    assert fired["data"]["conversation_id"] == conversation
    assert fired["data"]["reference_id"] == reminder["id"]


async def test_an_appointment_becomes_an_experience_and_undo_removes_it(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, app, user_id, me = lisbon
    conversation = "conv-" + uuid.uuid4().hex
    await say(app, user_id, conversation, "Dentist with Dr. Mary next Tuesday at 3pm", clock.now())

    (experience,) = await eventually(
        lambda: listed(client, "/v1/experiences", me), "the experience"
    )
    assert experience["type"] == "dentist_appointment"
    assert experience["provider"] == "Dr. Mary"
    assert experience["created_from"] == "conversation"
    assert datetime.fromisoformat(experience["scheduled_at"]) == datetime(
        2026, 6, 16, 14, 0, tzinfo=UTC
    ), "Tuesday 16 June, 15:00 Lisbon"
    assert experience["follow_up_at"], "a follow-up is planned after it ends"

    await say(app, user_id, conversation, "undo", clock.now())

    async def gone() -> bool:
        response = await client.get(f"/v1/experiences/{experience['id']}", headers=me)
        return response.status_code == 404

    await eventually(gone, "the undo")
    (undone,) = await proactive_about(infra, user_id, "plan_undone", experience["id"])
    assert "Dentist with Dr. Mary" in undone["data"]["text"]
    clock.set(datetime(2026, 6, 20, tzinfo=UTC))
    assert await fire_due(app) == 0, "the follow-up went with it"


async def test_chatter_plans_nothing_and_undo_without_a_plan_is_silent(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, user_id, me = lisbon
    conversation = "conv-" + uuid.uuid4().hex
    for text in ("when is my dentist appointment?", "never mind", "I had lunch with Ana"):
        await say(app, user_id, conversation, text, clock.now())
    await say(app, user_id, conversation, "the assistant's words", clock.now(), role="assistant")
    marker = await say(
        app, user_id, conversation, "remind me to stretch in 30 minutes", clock.now()
    )

    (only,) = await eventually(lambda: listed(client, "/v1/reminders", me), "the one real request")
    assert only["source"]["message_id"] == marker, "messages are handled in order"
    assert (await client.get("/v1/experiences", headers=me)).json()["items"] == []
