"""Notifications whose cause has gone: a reminder, task or experience changed while its
notification waits for quiet hours to end withdraws it (never delivered, its timer
cancelled); one already delivered and unread is closed as the change says; the person's own
status changes are announced like the scheduler's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic

from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.scheduler.harness import (
    LisbonUser,
    Scheduler,
    auth,
    deliver_at,
    fire_due,
    lisbon_user,
)

NIGHT = datetime(2026, 6, 10, 22, 15, tzinfo=UTC)  # 23:15 in Lisbon, quiet until 07:30
QUIET_ENDS = datetime(2026, 6, 11, 6, 30, tzinfo=UTC)


async def quiet_user(scheduler: Scheduler, settings: SchedulerSettings) -> LisbonUser:
    client, app = scheduler
    user_id = await lisbon_user(app, start="22:00", end="07:30")
    return LisbonUser(client, app, user_id, auth(settings, user_id))


async def created(
    client: httpx.AsyncClient, me: dict[str, str], path: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=me)
    assert response.status_code == 201, response.text
    found: dict[str, Any] = response.json()
    return found


async def waiting_by_ref(client: httpx.AsyncClient, me: dict[str, str]) -> dict[str, Any]:
    listed = (await client.get("/v1/notifications/scheduled", headers=me)).json()
    assert {n["deferred_reason"] for n in listed} <= {"quiet_hours"}
    return {n["ref_id"]: n for n in listed}


async def delivery_timers(app: FastAPI, notification_id: str) -> int:
    timers = app.state.runtime.db["timers"]
    found: int = await timers.count_documents(
        {"kind": "notification.deliver", "ref_id": notification_id, "status": "scheduled"}
    )
    return found


async def delivered(client: httpx.AsyncClient, me: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await client.get("/v1/notifications", headers=me)).json()[
        "items"
    ]
    return items


async def status_of(client: httpx.AsyncClient, me: dict[str, str], notification_id: str) -> str:
    found = await client.get(f"/v1/notifications/{notification_id}", headers=me)
    assert found.status_code == 200, found.text
    status: str = found.json()["status"]
    return status


async def changes_announced(
    infra: Infra, notification_id: str, count: int = 1
) -> list[tuple[str, str | None]]:
    bodies = await collect(
        infra.kafka_bootstrap,
        Topic.SCHEDULER_ACTIVITY.value,
        lambda b: (
            b.get("type") == "scheduler.notification.changed"
            and b["data"]["notification_id"] == notification_id
        ),
        count=count,
        timeout=20,
    )
    return [(b["data"]["status"], b["data"]["detail"]) for b in bodies]


async def test_a_reminder_deleted_completed_snoozed_or_moved_while_deferred_never_arrives(
    scheduler: Scheduler, settings: SchedulerSettings, clock: ManualClock, infra: Infra
) -> None:
    client, app, _, me = await quiet_user(scheduler, settings)
    titles = ("Deleted", "Completed", "Snoozed", "Moved", "Kept")
    reminders = {
        title: await created(
            client, me, "/v1/reminders", {"title": title, "local_time": "2026-06-10T23:15:00"}
        )
        for title in titles
    }
    ids = {title: reminder["id"] for title, reminder in reminders.items()}
    clock.set(NIGHT)
    assert await fire_due(app) == len(titles)
    waiting = await waiting_by_ref(client, me)
    assert sorted(waiting) == sorted(ids.values())
    for notice in waiting.values():
        assert await delivery_timers(app, notice["id"]) == 1

    assert (await client.delete(f"/v1/reminders/{ids['Deleted']}", headers=me)).status_code == 204
    completed = await client.post(f"/v1/reminders/{ids['Completed']}/complete", headers=me)
    assert completed.status_code == 200, completed.text
    snoozed = await client.post(
        f"/v1/reminders/{ids['Snoozed']}/snooze", json={"minutes": 30}, headers=me
    )
    assert snoozed.status_code == 200, snoozed.text
    moved = await client.patch(
        f"/v1/reminders/{ids['Moved']}", json={"local_time": "2026-06-11T12:00:00"}, headers=me
    )
    assert moved.status_code == 200, moved.text

    assert list(await waiting_by_ref(client, me)) == [ids["Kept"]], "the others withdrawn"
    for title in ("Deleted", "Completed", "Snoozed", "Moved"):
        notice = waiting[ids[title]]
        gone = await client.get(f"/v1/notifications/{notice['id']}", headers=me)
        assert gone.status_code == 404, title
        assert await delivery_timers(app, notice["id"]) == 0, title
    assert await changes_announced(infra, waiting[ids["Deleted"]]["id"], count=2) == [
        ("deferred", "quiet_hours"),
        ("cancelled", "reminder_deleted"),
    ]

    await deliver_at(app, clock, QUIET_ENDS)
    arrived = sorted(n["title"] for n in await delivered(client, me))
    # The snoozed one came round again once, from its snooze; the moved one is due at noon.
    assert arrived == ["Kept", "Snoozed"]


async def test_a_delivered_reminder_notice_is_acted_upon_when_done_dismissed_when_gone(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, app, _, me = lisbon
    ids = {
        title: (
            await created(
                client, me, "/v1/reminders", {"title": title, "local_time": "2026-06-10T12:00:00"}
            )
        )["id"]
        for title in ("Done", "Gone", "Later", "Read")
    }
    clock.set(datetime(2026, 6, 10, 11, 0, tzinfo=UTC))  # noon in Lisbon
    await fire_due(app)
    notices = {n["ref_id"]: n["id"] for n in await delivered(client, me)}
    assert sorted(notices) == sorted(ids.values())
    read = await client.patch(
        f"/v1/notifications/{notices[ids['Read']]}", json={"status": "read"}, headers=me
    )
    assert read.status_code == 200, read.text

    await client.post(f"/v1/reminders/{ids['Done']}/complete", headers=me)
    await client.delete(f"/v1/reminders/{ids['Gone']}", headers=me)
    await client.post(f"/v1/reminders/{ids['Later']}/snooze", json={"minutes": 60}, headers=me)
    await client.delete(f"/v1/reminders/{ids['Read']}", headers=me)

    assert await status_of(client, me, notices[ids["Done"]]) == "acted_upon"
    assert await status_of(client, me, notices[ids["Gone"]]) == "dismissed"
    assert await status_of(client, me, notices[ids["Later"]]) == "dismissed"
    assert await status_of(client, me, notices[ids["Read"]]) == "read", "what they made of it"
    assert await changes_announced(infra, notices[ids["Gone"]], count=2) == [
        ("delivered", None),
        ("dismissed", "reminder_deleted"),
    ]


async def test_a_status_set_by_hand_is_announced_once(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, app, _, me = lisbon
    await created(
        client, me, "/v1/reminders", {"title": "Stretch", "local_time": "2026-06-10T12:00:00"}
    )
    clock.set(datetime(2026, 6, 10, 11, 0, tzinfo=UTC))
    await fire_due(app)
    (notice,) = await delivered(client, me)
    path = f"/v1/notifications/{notice['id']}"
    for status in ("read", "read", "dismissed"):
        changed = await client.patch(path, json={"status": status}, headers=me)
        assert changed.status_code == 200, changed.text
        assert changed.json()["status"] == status
    assert await changes_announced(infra, notice["id"], count=4) == [
        ("delivered", None),
        ("read", "user"),
        ("dismissed", "user"),
    ], "a repeated status is not a change"


async def test_a_task_completed_or_deleted_while_its_reminder_waits_is_not_reminded(
    scheduler: Scheduler, settings: SchedulerSettings, clock: ManualClock
) -> None:
    client, app, _, me = await quiet_user(scheduler, settings)
    tasks = {
        title: await created(
            client,
            me,
            "/v1/tasks",
            {
                "title": title,
                "due_at": "2026-06-10T23:00:00+00:00",
                "remind_minutes_before": 30,
            },
        )
        for title in ("Completed", "Deleted", "Kept")
    }
    clock.set(datetime(2026, 6, 10, 22, 30, tzinfo=UTC))  # 23:30 in Lisbon
    assert await fire_due(app) == len(tasks)
    waiting = await waiting_by_ref(client, me)
    assert sorted(waiting) == sorted(t["id"] for t in tasks.values())

    done = await client.post(f"/v1/tasks/{tasks['Completed']['id']}/complete", headers=me)
    assert done.status_code == 200, done.text
    deleted = await client.delete(f"/v1/tasks/{tasks['Deleted']['id']}", headers=me)
    assert deleted.status_code == 204, deleted.text

    assert list(await waiting_by_ref(client, me)) == [tasks["Kept"]["id"]]
    for title in ("Completed", "Deleted"):
        assert await delivery_timers(app, waiting[tasks[title]["id"]]["id"]) == 0, title
    await deliver_at(app, clock, QUIET_ENDS)
    assert [n["title"] for n in await delivered(client, me)] == ["Task due: Kept"]


async def test_a_delivered_task_notice_follows_its_task(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, _, me = lisbon
    body = {"due_at": "2026-06-10T17:00:00+00:00", "remind_minutes_before": 30}
    ids = {
        title: (await created(client, me, "/v1/tasks", {"title": title, **body}))["id"]
        for title in ("Done", "Dropped", "Moved", "Renamed")
    }
    clock.set(datetime(2026, 6, 10, 16, 30, tzinfo=UTC))
    await fire_due(app)
    notices = {n["ref_id"]: n["id"] for n in await delivered(client, me)}
    assert sorted(notices) == sorted(ids.values())

    await client.post(f"/v1/tasks/{ids['Done']}/complete", headers=me)
    await client.patch(f"/v1/tasks/{ids['Dropped']}", json={"status": "cancelled"}, headers=me)
    later = {"due_at": "2026-06-11T17:00:00+00:00"}
    await client.patch(f"/v1/tasks/{ids['Moved']}", json=later, headers=me)
    await client.patch(f"/v1/tasks/{ids['Renamed']}", json={"title": "Renamed!"}, headers=me)

    assert await status_of(client, me, notices[ids["Done"]]) == "acted_upon"
    assert await status_of(client, me, notices[ids["Dropped"]]) == "dismissed"
    assert await status_of(client, me, notices[ids["Moved"]]) == "dismissed"
    assert await status_of(client, me, notices[ids["Renamed"]]) == "unread", "still due"


async def test_an_experience_deleted_while_its_follow_up_waits_is_not_asked_about(
    scheduler: Scheduler, settings: SchedulerSettings, clock: ManualClock
) -> None:
    client, app, _, me = await quiet_user(scheduler, settings)
    visit = {"type": "restaurant", "duration_minutes": 60, "follow_up_delay_minutes": 15}
    dinners = {
        title: await created(
            client,
            me,
            "/v1/experiences",
            {**visit, "title": title, "local_time": "2026-06-10T22:00:00"},
        )
        for title in ("Deleted dinner", "Kept dinner")
    }
    clock.set(datetime(2026, 6, 10, 22, 15, tzinfo=UTC))  # 23:15 in Lisbon
    assert await fire_due(app) == 2
    waiting = await waiting_by_ref(client, me)
    assert sorted(waiting) == sorted(d["id"] for d in dinners.values())

    gone = dinners["Deleted dinner"]["id"]
    assert (await client.delete(f"/v1/experiences/{gone}", headers=me)).status_code == 204
    assert list(await waiting_by_ref(client, me)) == [dinners["Kept dinner"]["id"]]
    assert await delivery_timers(app, waiting[gone]["id"]) == 0
    await deliver_at(app, clock, QUIET_ENDS)
    assert [n["ref_id"] for n in await delivered(client, me)] == [dinners["Kept dinner"]["id"]]
