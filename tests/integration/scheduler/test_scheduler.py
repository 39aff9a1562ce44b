"""Scheduler against real MongoDB and Kafka, with a clock the tests move by hand."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from muninn_devstack.servers import free_port
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.delivery.webhook import verify
from muninn_scheduler.main import create_app
from muninn_scheduler.profiles.store import ProfileStore
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic, dead_letter_topic
from pymongo import AsyncMongoClient

from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.scheduler.harness import (
    LisbonUser,
    Scheduler,
    alice_and_bob,
    assert_all_refused,
    assert_not_found,
    auth,
    confirm_email,
    deliver_at,
    fire_due,
    lisbon_user,
    remind_at_noon,
    set_email,
)
from tests.loopback import serving

LISBON = ZoneInfo("Europe/Lisbon")


async def test_reminder_fires_at_local_time_as_a_proactive_message(
    lisbon: LisbonUser,
    clock: ManualClock,
    infra: Infra,
) -> None:
    client, app, user_id, me = lisbon
    created = await client.post(
        "/v1/reminders",
        json={"title": "Call mom", "local_time": "2026-06-10T18:00:00", "conversation_id": "c-1"},
        headers=me,
    )
    assert created.status_code == 201, created.text
    reminder = created.json()
    assert reminder["timezone"] == "Europe/Lisbon", "the person's timezone applies by default"
    assert datetime.fromisoformat(reminder["next_due_at"]) == datetime(
        2026, 6, 10, 17, 0, tzinfo=UTC
    )

    clock.set(datetime(2026, 6, 10, 16, 59, 59, tzinfo=UTC))
    assert await fire_due(app) == 0, "not a second early"
    clock.set(datetime(2026, 6, 10, 17, 0, tzinfo=UTC))
    assert await fire_due(app) == 1
    assert await fire_due(app) == 0, "and only once"

    inbox = (await client.get("/v1/notifications", headers=me)).json()
    assert inbox["unread_count"] == 1
    note = inbox["items"][0]
    assert note["kind"] == "reminder"
    assert note["title"] == "Call mom"
    assert note["channels"]["in_app"]["status"] == "delivered"
    fired = (await client.get(f"/v1/reminders/{reminder['id']}", headers=me)).json()
    assert fired["status"] == "fired"
    assert fired["fired_count"] == 1

    proactive = await collect(
        infra.kafka_bootstrap,
        Topic.SCHEDULER_PROACTIVE.value,
        lambda b: b.get("subject") == user_id,
    )
    assert proactive[0]["data"]["text"].startswith("Reminder: Call mom")
    assert proactive[0]["data"]["conversation_id"] == "c-1"

    read = await client.patch(
        f"/v1/notifications/{note['id']}", json={"status": "acted_upon"}, headers=me
    )
    assert read.json()["status"] == "acted_upon"
    assert read.json()["acted_at"]


async def test_reminder_due_in_quiet_hours_arrives_when_they_end(
    scheduler: Scheduler, settings: SchedulerSettings, clock: ManualClock
) -> None:
    client, app = scheduler
    user_id = await lisbon_user(app, start="22:00", end="07:30")
    me = auth(settings, user_id)
    await client.post(
        "/v1/reminders",
        json={"title": "Water the plants", "local_time": "2026-06-10T23:15:00"},
        headers=me,
    )

    clock.set(datetime(2026, 6, 10, 22, 15, tzinfo=UTC))  # 23:15 local
    assert await fire_due(app) == 1
    assert (await client.get("/v1/notifications", headers=me)).json()["items"] == [], (
        "nothing delivered at night"
    )
    waiting = (await client.get("/v1/notifications/scheduled", headers=me)).json()
    assert len(waiting) == 1
    assert waiting[0]["deferred_reason"] == "quiet_hours"
    assert datetime.fromisoformat(waiting[0]["deliver_at"]) == datetime(
        2026, 6, 11, 6, 30, tzinfo=UTC
    )

    clock.set(datetime(2026, 6, 11, 6, 29, tzinfo=UTC))
    await fire_due(app)
    assert (await client.get("/v1/notifications", headers=me)).json()["items"] == []
    clock.set(datetime(2026, 6, 11, 6, 30, tzinfo=UTC))
    await fire_due(app)
    delivered = (await client.get("/v1/notifications", headers=me)).json()["items"]
    assert len(delivered) == 1
    assert delivered[0]["title"] == "Water the plants"
    assert datetime.fromisoformat(delivered[0]["delivered_at"]) == datetime(
        2026, 6, 11, 6, 30, tzinfo=UTC
    )


async def test_weekly_reminder_keeps_wall_clock_time_across_dst(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, _, me = lisbon
    clock.set(datetime(2026, 10, 12, 12, 0, tzinfo=UTC))
    created = (
        await client.post(
            "/v1/reminders",
            json={
                "title": "Team sync",
                "local_time": "2026-10-13T09:00:00",
                "rrule": "FREQ=WEEKLY;BYDAY=TU",
            },
            headers=me,
        )
    ).json()
    fired_at: list[datetime] = []
    for _ in range(3):
        due = datetime.fromisoformat(
            (await client.get(f"/v1/reminders/{created['id']}", headers=me)).json()["next_due_at"]
        )
        clock.set(due)
        assert await fire_due(app) == 1
        fired_at.append(due)
    assert [d.astimezone(LISBON).strftime("%a %H:%M") for d in fired_at] == ["Tue 09:00"] * 3
    assert [d.hour for d in fired_at] == [8, 8, 9], "Lisbon left summer time on 25 October"


async def test_missed_recurring_reminder_collapses_after_downtime(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, _, me = lisbon
    created = (
        await client.post(
            "/v1/reminders",
            json={"title": "Stretch", "local_time": "2026-06-10T10:00:00", "rrule": "FREQ=DAILY"},
            headers=me,
        )
    ).json()
    clock.set(datetime(2026, 6, 15, 12, 0, tzinfo=UTC))  # down for five days
    assert await fire_due(app) == 1, "one notification for the missed run, not five"
    after = (await client.get(f"/v1/reminders/{created['id']}", headers=me)).json()
    assert datetime.fromisoformat(after["next_due_at"]) == datetime(2026, 6, 16, 9, 0, tzinfo=UTC)
    inbox = (await client.get("/v1/notifications", headers=me)).json()["items"]
    assert "offline" in inbox[0]["body"]


async def test_failing_webhook_retries_with_backoff_then_dead_letters(
    lisbon: LisbonUser,
    clock: ManualClock,
    infra: Infra,
) -> None:
    client, app, user_id, me = lisbon
    received: list[tuple[bytes, dict[str, str]]] = []
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook(request: Request) -> JSONResponse:
        received.append((await request.body(), dict(request.headers)))
        return JSONResponse({"down": True}, status_code=503)

    async def attempts_after(wait: timedelta) -> int:
        """How many deliveries the receiver has seen once ``wait`` has passed and timers fired."""
        clock.advance(wait)
        await fire_due(app)
        return len(received)

    async with serving(receiver) as receiver_url:
        channels = await client.put(
            "/v1/notifications/channels",
            json={"webhook": {"url": f"{receiver_url}/hook"}},
            headers=me,
        )
        assert channels.status_code == 200, channels.text
        secret = channels.json()["webhook_secret"]
        assert secret.startswith("whsec_")
        assert len(secret) > 20
        assert (
            (await client.get("/v1/notifications/channels", headers=me))
            .json()["webhook_secret"]
            .endswith("…")
        )

        await remind_at_noon(client, me, "Pay rent")
        # reminder -> notification -> webhook attempt 1
        await deliver_at(app, clock, datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
        assert len(received) == 1
        body, headers = received[0]
        assert verify(secret, headers["x-muninn-signature"], body, now=time.time())
        note_id = json.loads(body)["id"]
        state = (await client.get(f"/v1/notifications/{note_id}", headers=me)).json()["channels"][
            "webhook"
        ]
        assert state["status"] == "retrying"
        assert state["attempts"] == 1
        assert state["last_error"] == "delivery failed", "what answered stays in the logs"

        assert await attempts_after(timedelta(seconds=59)) == 1, (
            "backoff: not before the first retry delay"
        )
        assert await attempts_after(timedelta(seconds=1)) == 2
        assert await attempts_after(timedelta(seconds=119)) == 2, "the delay doubles"
        assert await attempts_after(timedelta(seconds=1)) == 3
        assert await attempts_after(timedelta(hours=1)) == 3, "gave up after max attempts"
        final = (await client.get(f"/v1/notifications/{note_id}", headers=me)).json()
        assert final["channels"]["webhook"]["status"] == "failed"
        assert final["channels"]["in_app"]["status"] == "delivered", "the inbox copy is unaffected"
        dead = await collect(
            infra.kafka_bootstrap,
            dead_letter_topic(Topic.SCHEDULER_ACTIVITY.value),
            lambda b: b.get("subject") == user_id,
        )
        assert dead[0]["data"]["notification_id"] == note_id
        assert dead[0]["data"]["status"] == "failed"
        assert dead[0]["data"]["channel"] == "webhook"


async def test_email_channel_over_smtp(infra: Infra, unique: str, clock: ManualClock) -> None:
    from aiosmtpd.controller import Controller

    messages: list[Any] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
            messages.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = SchedulerSettings(
            **infra.service_fields(unique),
            log_level="WARNING",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_start_tls=False,
        )
        app = create_app(settings, clock, run_timers=False)
        async with started(app, "http://scheduler") as client:
            me = auth(settings, await lisbon_user(app))
            await set_email(client, me, "ana@example.org")
            assert len(messages) == 1, "a confirmation goes to a new address first"
            await confirm_email(client, me, messages.pop())
            await remind_at_noon(client, me, "Book flights")
            await deliver_at(app, clock, datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
            assert len(messages) == 1
            assert messages[0].rcpt_tos == ["ana@example.org"]
            assert b"Subject: Book flights" in messages[0].content
            note = (await client.get("/v1/notifications", headers=me)).json()["items"][0]
            assert note["channels"]["email"]["status"] == "delivered"
    finally:
        controller.stop()


async def test_profile_follows_identity_events(
    scheduler: Scheduler, infra: Infra, unique: str
) -> None:
    _, app = scheduler
    runtime = app.state.runtime
    user_id = "u-" + uuid.uuid4().hex
    from muninn_shared.events import new_event

    event = new_event(
        "identity.user.updated",
        source="identity",
        subject=user_id,
        data={
            "user_id": user_id,
            "changed": ["preferences"],
            "preferences": {
                "timezone": "Asia/Tokyo",
                "notifications": {
                    "quiet_hours": {"enabled": True, "start": "21:00", "end": "06:00"}
                },
            },
        },
    )
    await runtime.publish(Topic.IDENTITY_USERS.value, event)
    profiles = ProfileStore(runtime.db)
    for _ in range(200):
        profile = await profiles.get(user_id)
        if profile.timezone == "Asia/Tokyo":
            break
        await asyncio.sleep(0.1)
    assert profile.timezone == "Asia/Tokyo"
    assert profile.quiet_hours.enabled
    assert profile.quiet_hours.start == "21:00"


async def test_validation_and_isolation(
    scheduler: Scheduler,
    settings: SchedulerSettings,
    mongo: AsyncMongoClient,
) -> None:
    client, app = scheduler
    alice, bob = alice_and_bob(settings)
    bad = [
        {"title": "x"},
        {"title": "x", "due_at": "2026-06-11T10:00:00"},
        {"title": "x", "local_time": "2026-06-11T10:00:00+01:00"},
        {"title": "x", "local_time": "2026-06-11T10:00:00", "timezone": "Mars/Olympus"},
        {"title": "x", "local_time": "2026-06-11T10:00:00", "rrule": "FREQ=SOMETIMES"},
        {"title": "x", "due_at": "2020-01-01T10:00:00Z"},
        {"title": "", "local_time": "2026-06-11T10:00:00"},
    ]
    db = app.state.runtime.db
    before = await db["reminders"].count_documents({})
    await assert_all_refused(client, "/v1/reminders", bad, alice)
    assert await db["reminders"].count_documents({}) == before

    rid = (
        await client.post(
            "/v1/reminders", json={"title": "Mine", "due_at": "2026-06-12T10:00:00Z"}, headers=alice
        )
    ).json()["id"]
    reminders_of_alice = [
        ("GET", f"/v1/reminders/{rid}", None),
        ("PATCH", f"/v1/reminders/{rid}", {"title": "stolen"}),
        ("POST", f"/v1/reminders/{rid}/complete", None),
        ("POST", f"/v1/reminders/{rid}/snooze", {"minutes": 5}),
        ("DELETE", f"/v1/reminders/{rid}", None),
    ]
    await assert_not_found(client, reminders_of_alice, bob)
    assert (await client.get(f"/v1/reminders/{rid}", headers=alice)).json()["title"] == "Mine"
    assert (await client.get("/v1/reminders", headers=bob)).json()["items"] == []
