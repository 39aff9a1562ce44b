"""Nudges from integrations' contacts and interactions: birthdays on the day, relationships
going cold, opt-out and snooze — all through the normal delivery policy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic, new_event
from muninn_shared.events.payloads import IntegrationRecord

from tests.integration.scheduler.harness import LisbonUser, Scheduler, auth, eventually, fire_due

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 in Lisbon


async def synced(
    app: FastAPI, user_id: str, record_type: str, record_id: str, data: dict[str, Any]
) -> None:
    record = IntegrationRecord.model_validate(
        {
            "user_id": user_id,
            "connection_id": "conn-1",
            "provider": "google",
            "record_type": record_type,
            "record_id": record_id,
            "data": data,
        }
    )
    event = new_event(
        "integrations.record.synced", source="integrations", subject=user_id, data=record
    )
    await app.state.runtime.publish(Topic.INTEGRATIONS_RECORDS.value, event)


async def contact_with_rhythm(
    app: FastAPI, user_id: str, contact_id: str, name: str, days_ago: list[int], **data: Any
) -> None:
    await synced(app, user_id, "contact", contact_id, {"name": name, **data})
    for n, ago in enumerate(days_ago):
        at = (NOW - timedelta(days=ago)).isoformat()
        await synced(
            app,
            user_id,
            "interaction",
            f"{contact_id}-i{n}",
            {"contact_id": contact_id, "occurred_at": at},
        )


async def test_birthday_and_going_cold_nudges_with_opt_out_and_snooze(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, user_id, me = lisbon
    weekly_then_silent = [60, 53, 46, 39, 32]
    await synced(app, user_id, "contact", "c-ana", {"name": "Ana", "birthday": "1990-06-11"})
    await contact_with_rhythm(app, user_id, "c-ben", "Ben", weekly_then_silent)
    await contact_with_rhythm(app, user_id, "c-cara", "Cara", [23, 16, 9, 2])
    await contact_with_rhythm(app, user_id, "c-dan", "Dan", weekly_then_silent)
    await contact_with_rhythm(app, user_id, "c-eve", "Eve", weekly_then_silent)
    # A re-sync repeats a record: it must not count twice.
    await synced(
        app,
        user_id,
        "interaction",
        "c-ben-i4",
        {"contact_id": "c-ben", "occurred_at": (NOW - timedelta(days=32)).isoformat()},
    )

    async def tracked() -> dict[str, dict[str, Any]] | None:
        items = (await client.get("/v1/notifications/nudges/contacts", headers=me)).json()["items"]
        found = {c["contact_id"]: c for c in items}
        done = len(found) == 5 and found["c-eve"]["interaction_count"] == 5
        return found if done else None

    contacts = await eventually(tracked, "the contacts projection")
    assert contacts["c-ana"]["birthday"] == "1990-06-11"
    assert contacts["c-ben"]["interaction_count"] == 5
    assert contacts["c-ben"]["usual_gap_days"] == 7.0
    assert contacts["c-ben"]["cold_after_days"] == 14.0
    assert contacts["c-ben"]["going_cold"] is True
    assert contacts["c-cara"]["going_cold"] is False
    cold = (
        await client.get(
            "/v1/notifications/nudges/contacts", params={"going_cold": True}, headers=me
        )
    ).json()["items"]
    assert {c["contact_id"] for c in cold} == {"c-ben", "c-dan", "c-eve"}

    opted = await client.patch(
        "/v1/notifications/nudges/contacts/c-dan", json={"opt_out": True}, headers=me
    )
    assert opted.json()["opt_out"] is True
    snoozed = await client.patch(
        "/v1/notifications/nudges/contacts/c-eve", json={"snooze_days": 30}, headers=me
    )
    assert snoozed.json()["snoozed_until"]

    settings_now = (await client.get("/v1/notifications/nudges", headers=me)).json()
    check = datetime.fromisoformat(settings_now["next_check_at"])
    assert check == datetime(2026, 6, 11, 8, 0, tzinfo=UTC), "09:00 in Lisbon, the next morning"

    clock.set(check)
    assert await fire_due(app) == 1
    inbox = (await client.get("/v1/notifications", headers=me)).json()["items"]
    by_kind = {n["kind"]: n for n in inbox}
    assert set(by_kind) == {"birthday", "going_cold"}
    assert len(inbox) == 2, "Dan opted out, Eve is snoozed, Cara is not cold"
    assert by_kind["birthday"]["title"] == "It's Ana's birthday today"
    assert "turning 36" in by_kind["birthday"]["body"]
    assert by_kind["birthday"]["ref_id"] == "c-ana"
    assert by_kind["going_cold"]["ref_id"] == "c-ben"
    assert by_kind["going_cold"]["priority"] == "low"
    assert "32 days" in by_kind["going_cold"]["body"]
    assert by_kind["going_cold"]["channels"]["in_app"]["status"] == "delivered"

    tomorrow = datetime.fromisoformat(
        (await client.get("/v1/notifications/nudges", headers=me)).json()["next_check_at"]
    )
    assert tomorrow == check + timedelta(days=1)
    clock.set(tomorrow)
    await fire_due(app)
    assert len((await client.get("/v1/notifications", headers=me)).json()["items"]) == 2, (
        "once per birthday, once per silence"
    )

    # Ben answers; weeks of silence later he is cold again — unless nudges are snoozed.
    await synced(
        app,
        user_id,
        "interaction",
        "c-ben-new",
        {"contact_id": "c-ben", "occurred_at": tomorrow.isoformat()},
    )

    async def ben_heard() -> bool:
        items = (await client.get("/v1/notifications/nudges/contacts", headers=me)).json()["items"]
        return any(c["contact_id"] == "c-ben" and c["interaction_count"] == 6 for c in items)

    await eventually(ben_heard, "Ben's new interaction")
    paused = await client.post("/v1/notifications/nudges/snooze", json={"days": 60}, headers=me)
    assert paused.json()["snoozed_until"]
    later = tomorrow + timedelta(days=40)
    clock.set(later)
    await fire_due(app)
    assert len((await client.get("/v1/notifications", headers=me)).json()["items"]) == 2
    await client.delete("/v1/notifications/nudges/snooze", headers=me)
    clock.set(later + timedelta(days=1))
    await fire_due(app)
    inbox = (await client.get("/v1/notifications", headers=me)).json()["items"]
    cold_about = [n["ref_id"] for n in inbox if n["kind"] == "going_cold"]
    assert cold_about.count("c-ben") == 2, "Ben went cold again after the new silence"
    assert "c-eve" in cold_about, "Eve's snooze ran out"
    assert "c-dan" not in cold_about, "Dan opted out for good"

    off = await client.patch("/v1/notifications/nudges", json={"enabled": False}, headers=me)
    assert off.json()["enabled"] is False


async def test_nudge_validation_and_isolation(
    scheduler: Scheduler, settings: SchedulerSettings
) -> None:
    client, app = scheduler
    alice_id = "alice-" + uuid.uuid4().hex
    alice, bob = auth(settings, alice_id), auth(settings, "bob-" + uuid.uuid4().hex)
    await synced(app, alice_id, "contact", "c-1", {"name": "Zoe", "birthday": "not a date"})

    async def seen() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (
            await client.get("/v1/notifications/nudges/contacts", headers=alice)
        ).json()["items"]
        return items

    (zoe,) = await eventually(seen, "Zoe")
    assert zoe["birthday"] is None, "a malformed birthday is ignored, not stored"
    for path, body in [
        ("/v1/notifications/nudges/contacts/c-1", {}),
        ("/v1/notifications/nudges/contacts/c-1", {"opt_out": None}),
        ("/v1/notifications/nudges/contacts/c-1", {"snooze_days": 0}),
        ("/v1/notifications/nudges/contacts/c-1", {"snoozed_until": "2026-07-01T10:00:00"}),
        ("/v1/notifications/nudges", {}),
        ("/v1/notifications/nudges", {"enabled": "sometimes"}),
    ]:
        response = await client.patch(path, json=body, headers=alice)
        assert response.status_code == 422, (path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    for body in (
        {},
        {"days": 1, "until": "2026-07-01T10:00:00Z"},
        {"until": "2020-01-01T00:00:00Z"},
    ):
        response = await client.post("/v1/notifications/nudges/snooze", json=body, headers=alice)
        assert response.status_code == 422, (body, response.text)
    stolen = await client.patch(
        "/v1/notifications/nudges/contacts/c-1", json={"opt_out": True}, headers=bob
    )
    assert stolen.status_code == 404
    assert stolen.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/v1/notifications/nudges/contacts", headers=bob)).json()[
        "items"
    ] == []
    assert (await seen())[0]["opt_out"] is False
