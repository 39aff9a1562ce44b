"""Synced calendar events: a reminder before each, an experience for appointments, kept in
step when the event moves, is cancelled or deleted (a reminder's notification waiting for
quiet hours to end going with it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.profiles.store import ProfileStore
from muninn_scheduler.settings import SchedulerSettings

from tests.integration.scheduler.harness import (
    LisbonUser,
    Scheduler,
    auth,
    eventually,
    fire_due,
    lisbon_user,
)
from tests.integration.scheduler.test_scheduler_nudges import synced

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def event(title: str, start: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "action": "created",
        "title": title,
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=45)).isoformat(),
        **extra,
    }


async def event_synced(app: FastAPI, user_id: str, record_id: str, data: dict[str, Any]) -> None:
    """The integrations service announces a change to the calendar event ``record_id``."""
    await synced(app, user_id, "calendar_event", record_id, data)


async def test_calendar_events_get_reminders_and_appointments_follow_ups(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, user_id, me = lisbon
    dentist_at = NOW + timedelta(days=2)
    await event_synced(
        app,
        user_id,
        "ev-dentist",
        event("Dentist with Dr. Costa", dentist_at, location="Rua Augusta 5"),
    )
    await event_synced(app, user_id, "ev-standup", event("Team standup", NOW + timedelta(hours=5)))
    await event_synced(app, user_id, "ev-past", event("Dentist again", NOW - timedelta(days=1)))
    await event_synced(
        app, user_id, "ev-weekly", event("Gym", NOW + timedelta(days=1), recurring=True)
    )

    async def reminders() -> list[dict[str, Any]] | None:
        items = (await client.get("/v1/reminders", headers=me)).json()["items"]
        return items if len(items) == 2 else None

    found = await eventually(reminders, "reminders for the two future one-off events")
    by_title = {r["title"]: r for r in found}
    assert set(by_title) == {"Dentist with Dr. Costa", "Team standup"}
    dentist = by_title["Dentist with Dr. Costa"]
    assert datetime.fromisoformat(dentist["next_due_at"]) == dentist_at - timedelta(minutes=30)
    assert dentist["notes"] == "At Rua Augusta 5"
    experiences = (await client.get("/v1/experiences", headers=me)).json()["items"]
    assert [(e["title"], e["type"], e["provider"]) for e in experiences] == [
        ("Dentist with Dr. Costa", "dentist_appointment", "Dr. Costa")
    ]
    assert experiences[0]["created_from"] == "calendar"

    # Moved at the source: the reminder and the experience follow.
    moved_to = dentist_at + timedelta(days=1)
    await event_synced(
        app,
        user_id,
        "ev-dentist",
        {
            **event("Dentist with Dr. Costa", moved_to, location="Rua Augusta 5"),
            "action": "updated",
        },
    )

    async def moved() -> dict[str, Any] | None:
        items = (await client.get("/v1/reminders", headers=me)).json()["items"]
        dentists = [r for r in items if r["title"].startswith("Dentist")]
        ok = len(dentists) == 1 and datetime.fromisoformat(dentists[0]["next_due_at"]) == (
            moved_to - timedelta(minutes=30)
        )
        return dentists[0] if ok else None

    await eventually(moved, "the reminder to move with the event")
    experiences = (await client.get("/v1/experiences", headers=me)).json()["items"]
    assert len(experiences) == 1
    assert datetime.fromisoformat(experiences[0]["scheduled_at"]) == moved_to

    # Cancelled and deleted events take what was planned for them away.
    await event_synced(
        app,
        user_id,
        "ev-dentist",
        {**event("Dentist with Dr. Costa", moved_to), "status": "cancelled", "action": "updated"},
    )
    await event_synced(app, user_id, "ev-standup", {"action": "deleted"})

    async def cleared() -> bool:
        items = (await client.get("/v1/reminders", headers=me)).json()["items"]
        return not items

    await eventually(cleared, "cancelled and deleted events to lose their reminders")
    assert (await client.get("/v1/experiences", headers=me)).json()["items"] == []


async def test_a_user_who_turned_calendar_reminders_off_gets_none(lisbon: LisbonUser) -> None:
    client, app, user_id, me = lisbon
    await ProfileStore(app.state.runtime.db).merge(user_id, {"event_reminder_minutes": None})
    await event_synced(
        app, user_id, "ev-1", event("Haircut at Barber Joe", NOW + timedelta(days=3))
    )

    async def experience() -> list[dict[str, Any]] | None:
        items = (await client.get("/v1/experiences", headers=me)).json()["items"]
        return items or None

    found = await eventually(experience, "the haircut to become an experience")
    assert found[0]["type"] == "hair_salon"
    assert (await client.get("/v1/reminders", headers=me)).json()["items"] == []


async def test_a_meeting_cancelled_while_its_reminder_waits_for_morning_is_not_reminded_of(
    scheduler: Scheduler, settings: SchedulerSettings, clock: ManualClock
) -> None:
    client, app = scheduler
    user_id = await lisbon_user(app, start="22:00", end="07:30")
    me = auth(settings, user_id)
    late_call = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)  # 00:30 in Lisbon
    await event_synced(app, user_id, "ev-late", event("Call with Tokyo", late_call))

    async def planned() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await client.get("/v1/reminders", headers=me)).json()[
            "items"
        ]
        return items or None

    (reminder,) = await eventually(planned, "the reminder before the call")
    clock.set(late_call - timedelta(minutes=30))
    assert await fire_due(app) == 1
    (waiting,) = (await client.get("/v1/notifications/scheduled", headers=me)).json()
    assert (waiting["ref_id"], waiting["deferred_reason"]) == (reminder["id"], "quiet_hours")

    cancelled = {**event("Call with Tokyo", late_call), "status": "cancelled", "action": "updated"}
    await event_synced(app, user_id, "ev-late", cancelled)

    async def withdrawn() -> bool:
        waiting: list[dict[str, Any]] = (
            await client.get("/v1/notifications/scheduled", headers=me)
        ).json()
        return waiting == []

    await eventually(withdrawn, "the waiting reminder withdrawn with the call")
    timers = app.state.runtime.db["timers"]
    assert await timers.count_documents({"ref_id": waiting["id"], "status": "scheduled"}) == 0
    clock.set(datetime(2026, 6, 11, 6, 30, tzinfo=UTC))
    await fire_due(app)
    await fire_due(app)
    assert (await client.get("/v1/notifications", headers=me)).json()["items"] == []
