"""Tasks: CRUD, recurring completion, a due-soon reminder, validation and isolation."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from muninn_scheduler.clock import ManualClock
from muninn_scheduler.settings import SchedulerSettings

from tests.integration.scheduler.harness import (
    LisbonUser,
    Scheduler,
    alice_and_bob,
    assert_all_refused,
    assert_not_found,
    fire_due,
)

LISBON = ZoneInfo("Europe/Lisbon")


async def test_task_lifecycle_and_filters(
    lisbon: LisbonUser,
) -> None:
    client, me = lisbon.client, lisbon.headers
    created = await client.post(
        "/v1/tasks",
        json={
            "title": "Write the quarterly report",
            "description": "Numbers from finance first",
            "priority": "high",
            "context": "work",
            "due_at": "2026-06-12T17:00:00+01:00",
            "scheduled_at": "2026-06-12T09:00:00+01:00",
            "estimated_minutes": 120,
            "tags": ["report", "q2"],
        },
        headers=me,
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["status"] == "todo"
    assert task["completed"] is False
    assert task["timezone"] == "Europe/Lisbon"
    assert datetime.fromisoformat(task["due_at"]) == datetime(2026, 6, 12, 16, 0, tzinfo=UTC)
    assert task["estimated_minutes"] == 120
    milk = (await client.post("/v1/tasks", json={"title": "Buy milk"}, headers=me)).json()

    work = (await client.get("/v1/tasks", params={"context": "work"}, headers=me)).json()
    assert [t["title"] for t in work["items"]] == ["Write the quarterly report"]
    tagged = (await client.get("/v1/tasks", params={"tag": "q2"}, headers=me)).json()
    assert len(tagged["items"]) == 1
    due_soon = (
        await client.get(
            "/v1/tasks", params={"due_before": "2026-06-13T00:00:00+00:00"}, headers=me
        )
    ).json()
    assert [t["title"] for t in due_soon["items"]] == ["Write the quarterly report"]
    first = (await client.get("/v1/tasks", params={"limit": 1}, headers=me)).json()
    assert first["next_cursor"]
    second = (
        await client.get(
            "/v1/tasks", params={"limit": 1, "cursor": first["next_cursor"]}, headers=me
        )
    ).json()
    # Same clock instant: ties are broken by id, and the cursor walks through them.
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {milk["id"], task["id"]}
    assert second["next_cursor"] is None

    changed = await client.patch(
        f"/v1/tasks/{task['id']}",
        json={"status": "in_progress", "priority": "urgent", "tags": ["report"]},
        headers=me,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["priority"]) == ("in_progress", "urgent")

    done = (await client.post(f"/v1/tasks/{task['id']}/complete", headers=me)).json()
    assert done["task"]["completed"] is True
    assert done["task"]["completed_at"]
    assert done["next"] is None, "a one-off task has no next occurrence"
    again = await client.post(f"/v1/tasks/{task['id']}/complete", headers=me)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    assert (await client.delete(f"/v1/tasks/{task['id']}", headers=me)).status_code == 204
    assert (await client.get(f"/v1/tasks/{task['id']}", headers=me)).status_code == 404


async def test_completing_a_recurring_task_creates_the_next_one_across_dst(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, me = lisbon.client, lisbon.headers
    clock.set(datetime(2026, 10, 15, 12, 0, tzinfo=UTC))
    task = (
        await client.post(
            "/v1/tasks",
            json={
                "title": "Take out the recycling",
                "due_at": "2026-10-20T19:00:00+01:00",  # a Tuesday, summer time
                "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=3",
                "tags": ["home"],
            },
            headers=me,
        )
    ).json()
    seen = [task]
    for _ in range(2):
        done = (await client.post(f"/v1/tasks/{seen[-1]['id']}/complete", headers=me)).json()
        assert done["task"]["next_task_id"] == done["next"]["id"]
        seen.append(done["next"])
    local = [datetime.fromisoformat(t["due_at"]).astimezone(LISBON) for t in seen]
    assert [d.strftime("%a %d %H:%M") for d in local] == [
        "Tue 20 19:00",
        "Tue 27 19:00",
        "Tue 03 19:00",
    ], "the local time holds across the 25 October change"
    assert [t["occurrence"] for t in seen] == [1, 2, 3]
    assert len({t["series_id"] for t in seen}) == 1
    assert seen[-1]["tags"] == ["home"]
    last = (await client.post(f"/v1/tasks/{seen[-1]['id']}/complete", headers=me)).json()
    assert last["next"] is None, "COUNT=3 ends the series"


async def test_a_due_task_reminds_ahead_of_time_unless_done(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, _, me = lisbon
    reminded = (
        await client.post(
            "/v1/tasks",
            json={
                "title": "Submit expenses",
                "due_at": "2026-06-10T17:00:00+00:00",
                "remind_minutes_before": 30,
                "priority": "medium",
            },
            headers=me,
        )
    ).json()
    assert datetime.fromisoformat(reminded["remind_at"]) == datetime(
        2026, 6, 10, 16, 30, tzinfo=UTC
    )
    finished = (
        await client.post(
            "/v1/tasks",
            json={
                "title": "Already done",
                "due_at": "2026-06-10T17:00:00+00:00",
                "remind_minutes_before": 30,
            },
            headers=me,
        )
    ).json()
    await client.post(f"/v1/tasks/{finished['id']}/complete", headers=me)

    clock.set(datetime(2026, 6, 10, 16, 29, tzinfo=UTC))
    assert await fire_due(app) == 0
    clock.set(datetime(2026, 6, 10, 16, 30, tzinfo=UTC))
    assert await fire_due(app) == 1
    inbox = (await client.get("/v1/notifications", headers=me)).json()["items"]
    assert [(n["kind"], n["ref_id"]) for n in inbox] == [("task_due", reminded["id"])]
    assert "Submit expenses" in inbox[0]["body"]

    moved = await client.patch(
        f"/v1/tasks/{reminded['id']}", json={"due_at": "2026-06-11T17:00:00+00:00"}, headers=me
    )
    assert datetime.fromisoformat(moved.json()["remind_at"]) == datetime(
        2026, 6, 11, 16, 30, tzinfo=UTC
    )
    clock.set(datetime(2026, 6, 11, 16, 30, tzinfo=UTC))
    assert await fire_due(app) == 1, "moving the due date re-arms the reminder"


async def test_task_validation_and_isolation(
    scheduler: Scheduler, settings: SchedulerSettings
) -> None:
    client, _ = scheduler
    alice, bob = alice_and_bob(settings)
    bad = [
        {},
        {"title": ""},
        {"title": "x", "priority": "whenever"},
        {"title": "x", "due_at": "2026-06-11T10:00:00"},
        {"title": "x", "rrule": "FREQ=WEEKLY"},
        {"title": "x", "due_at": "2026-06-11T10:00:00Z", "rrule": "FREQ=SOMETIMES"},
        {"title": "x", "remind_minutes_before": 10},
        {"title": "x", "estimated_minutes": 0},
        {"title": "x", "status": "completed"},
        {"title": "x", "timezone": "Mars/Olympus"},
        {"title": "x", "unknown": 1},
        {"title": "x", "tags": ["a" * 41]},
    ]
    await assert_all_refused(client, "/v1/tasks", bad, alice)
    bad_query = await client.get("/v1/tasks", params={"due_before": "2026-06-11"}, headers=alice)
    assert bad_query.status_code == 422
    tid = (await client.post("/v1/tasks", json={"title": "Mine"}, headers=alice)).json()["id"]
    for body in ({}, {"status": "completed"}, {"title": None}):
        response = await client.patch(f"/v1/tasks/{tid}", json=body, headers=alice)
        assert response.status_code == 422, (body, response.text)
    tasks_of_alice = [
        ("GET", f"/v1/tasks/{tid}", None),
        ("PATCH", f"/v1/tasks/{tid}", {"title": "stolen"}),
        ("POST", f"/v1/tasks/{tid}/complete", None),
        ("DELETE", f"/v1/tasks/{tid}", None),
    ]
    await assert_not_found(client, tasks_of_alice, bob)
    assert (await client.get("/v1/tasks", headers=bob)).json()["items"] == []
    assert (await client.get(f"/v1/tasks/{tid}", headers=alice)).json()["title"] == "Mine"
    assert (await client.get("/v1/tasks", headers={})).status_code == 401
