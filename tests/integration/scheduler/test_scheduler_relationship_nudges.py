"""Relationship nudges from integrations' records: a job change once per change, a follow-up on
an e-mail left unanswered, and a briefing delivered before the meeting — each respecting the
per-kind toggles and per-contact opt-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic, new_event
from muninn_shared.events.payloads import IntegrationRecord

from tests.integration.scheduler.harness import (
    LisbonUser,
    Scheduler,
    auth,
    eventually,
    fire_due,
    lisbon_user,
)

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # 10:00 in Lisbon


async def synced(
    app: FastAPI,
    user_id: str,
    record_type: str,
    record_id: str,
    data: dict[str, Any],
    action: str = "created",
) -> None:
    record = IntegrationRecord.model_validate(
        {
            "user_id": user_id,
            "connection_id": "relationships",
            "provider": "muninn",
            "record_type": record_type,
            "record_id": record_id,
            "data": {**data, "action": action},
        }
    )
    event = new_event(
        "integrations.record.synced", source="integrations", subject=user_id, data=record
    )
    await app.state.runtime.publish(Topic.INTEGRATIONS_RECORDS.value, event)


async def inbox(lisbon: LisbonUser) -> list[dict[str, Any]]:
    client, _, _, me = lisbon
    items: list[dict[str, Any]] = (await client.get("/v1/notifications", headers=me)).json()[
        "items"
    ]
    return items


async def tracked(lisbon: LisbonUser, count: int) -> dict[str, dict[str, Any]]:
    client, _, _, me = lisbon

    async def probe() -> dict[str, dict[str, Any]] | None:
        items = (await client.get("/v1/notifications/nudges/contacts", headers=me)).json()["items"]
        found = {c["contact_id"]: c for c in items}
        return found if sum(c["interaction_count"] for c in found.values()) >= count else None

    return await eventually(probe, f"{count} interactions in the projection")


JOB = {
    "previous_company": "Acme",
    "previous_title": "Designer",
    "company": "Spotify",
    "title": "Product Designer",
    "effective_on": "2026-06-01",
    "source": "sync",
    "detected_at": "2026-06-10T08:00:00Z",
}


async def test_job_change_is_notified_once_and_respects_toggle_and_opt_out(
    lisbon: LisbonUser,
) -> None:
    client, app, user_id, me = lisbon
    await synced(app, user_id, "contact", "c-cara", {"name": "Cara Lima"})
    await eventually(lambda: tracked_names(lisbon), "Cara")
    opted = await client.patch(
        "/v1/notifications/nudges/contacts/c-cara", json={"opt_out": True}, headers=me
    )
    assert opted.status_code == 200
    await synced(app, user_id, "contact", "c-cara", {"name": "Cara Lima", "job_change": JOB})
    await synced(app, user_id, "contact", "c-ana", {"name": "Ana Silva", "job_change": JOB})
    # A later sync of the same contact repeats the change it detected: still one nudge.
    again = {"name": "Ana Silva", "company": "Spotify", "job_change": JOB}
    await synced(app, user_id, "contact", "c-ana", again, action="updated")
    promoted = {**JOB, "previous_company": "Spotify", "company": "Spotify", "title": "CTO"}
    promoted["previous_title"] = "Product Designer"
    await synced(app, user_id, "contact", "c-ana", {"name": "Ana Silva", "job_change": promoted})

    async def two() -> list[dict[str, Any]] | None:
        found = [n for n in await inbox(lisbon) if n["kind"] == "job_change"]
        return found if len(found) >= 2 else None

    changes = await eventually(two, "Ana's two job changes")
    titles = sorted(n["title"] for n in changes)
    assert titles == ["Ana Silva is now CTO at Spotify", "Ana Silva is starting at Spotify"]
    assert all(n["ref_kind"] == "contact" and n["ref_id"] == "c-ana" for n in changes)
    assert "congratulations" in changes[0]["body"]

    off = await client.patch("/v1/notifications/nudges", json={"job_changes": False}, headers=me)
    assert off.json()["job_changes"] is False
    moved = {**JOB, "company": "Figma"}
    await synced(app, user_id, "contact", "c-ana", {"name": "Ana Silva", "job_change": moved})
    await synced(app, user_id, "contact", "c-dan", {"name": "Dan"})
    await eventually(lambda: tracked_names(lisbon, "Dan"), "Dan, published after the change")
    job_changes = [n for n in await inbox(lisbon) if n["kind"] == "job_change"]
    assert len(job_changes) == 2, "the kind is off, and Cara opted out"


async def tracked_names(lisbon: LisbonUser, name: str = "Cara Lima") -> bool:
    client, _, _, me = lisbon
    items = (await client.get("/v1/notifications/nudges/contacts", headers=me)).json()["items"]
    return any(c["name"] == name for c in items)


def email(contact_id: str, direction: str, at: datetime, thread: str) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "occurred_at": at.isoformat(),
        "kind": "email",
        "direction": direction,
        "subject": "Deposit",
        "thread_id": thread,
        "source": "mail",
    }


async def test_follow_up_after_the_configured_days_cleared_by_a_reply(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, user_id, me = lisbon
    set_days = await client.patch(
        "/v1/notifications/nudges", json={"follow_up_after_days": 4}, headers=me
    )
    assert set_days.json()["follow_up_after_days"] == 4
    for bad in (0, 31, "four", None):
        refused = await client.patch(
            "/v1/notifications/nudges", json={"follow_up_after_days": bad}, headers=me
        )
        assert refused.status_code == 422, bad
    for contact_id, name in (("c-ana", "Ana"), ("c-ben", "Ben"), ("c-eve", "Eve")):
        await synced(app, user_id, "contact", contact_id, {"name": name})
    sent = NOW - timedelta(days=1)
    await synced(app, user_id, "interaction", "m1:c-ana", email("c-ana", "inbound", sent, "t-a"))
    await synced(app, user_id, "interaction", "m2:c-ben", email("c-ben", "inbound", sent, "t-b"))
    await synced(app, user_id, "interaction", "m3:c-ben", email("c-ben", "outbound", NOW, "t-b"))
    await synced(app, user_id, "interaction", "m4:c-eve", email("c-eve", "inbound", sent, "t-e"))
    await synced(app, user_id, "interaction", "m4:c-eve", {"contact_id": "c-eve"}, "deleted")
    await synced(app, user_id, "contact", "c-dan", {"name": "Dan"})
    await eventually(lambda: tracked_names(lisbon, "Dan"), "every record before Dan's")

    settings = (await client.get("/v1/notifications/nudges", headers=me)).json()
    check = datetime.fromisoformat(settings["next_check_at"])
    clock.set(check)
    await fire_due(app)
    assert [n for n in await inbox(lisbon) if n["kind"] == "follow_up"] == [], "too early"
    clock.set(check + timedelta(days=3))  # Ana's mail is four days old
    await fire_due(app)
    follow_ups = [n for n in await inbox(lisbon) if n["kind"] == "follow_up"]
    assert len(follow_ups) == 1, "Ben was answered, Eve's mail was deleted"
    assert follow_ups[0]["title"] == "You haven't replied to Ana about 'Deposit' (4 days)"
    assert follow_ups[0]["ref_id"] == "c-ana"
    clock.set(check + timedelta(days=4))
    await fire_due(app)
    assert len([n for n in await inbox(lisbon) if n["kind"] == "follow_up"]) == 1, "once"


async def wait_for_briefing(app: FastAPI, key: str, content: str | None) -> None:
    async def probe() -> bool:
        doc = await app.state.runtime.db["nudge_briefings"].find_one({"_id": key})
        return (doc is None) if content is None else bool(doc and doc["content"] == content)

    await eventually(probe, f"briefing {key}")


def briefing(
    contact_id: str, event: str, start: datetime, deliver: datetime, text: str
) -> dict[str, Any]:
    return {
        "contact_id": contact_id,
        "kind": "briefing",
        "title": f"Briefing: {event}",
        "content": text,
        "event_record_id": f"ev-{event}",
        "event_title": event,
        "event_start": start.isoformat(),
        "deliver_at": deliver.isoformat(),
    }


async def test_briefing_delivered_at_deliver_at_and_moved_by_an_update(
    scheduler: Scheduler, settings: SchedulerSettings, clock: ManualClock
) -> None:
    client, app = scheduler
    # Quiet all day: a briefing must still arrive before the meeting.
    user_id = await lisbon_user(app, start="00:00", end="23:59")
    me = auth(settings, user_id)
    lisbon = LisbonUser(client, app, user_id, me)
    await synced(app, user_id, "contact", "c-ana", {"name": "Ana Silva"})
    await synced(app, user_id, "contact", "c-ben", {"name": "Ben"})
    lunch = NOW + timedelta(hours=3)
    key = f"{user_id}:briefing:ev-Lunch:c-ana"
    first = briefing("c-ana", "Lunch", lunch, NOW + timedelta(hours=1), "Ana just moved.")
    await synced(app, user_id, "contact_memory", "briefing:ev-Lunch:c-ana", first)
    await wait_for_briefing(app, key, "Ana just moved.")
    moved = briefing("c-ana", "Lunch", lunch, NOW + timedelta(hours=2), "Ana moved to Spotify.")
    await synced(app, user_id, "contact_memory", "briefing:ev-Lunch:c-ana", moved, "updated")
    await wait_for_briefing(app, key, "Ana moved to Spotify.")

    clock.set(NOW + timedelta(hours=1, minutes=30))
    await fire_due(app)
    assert [n for n in await inbox(lisbon) if n["kind"] == "briefing"] == [], "moved later"
    clock.set(NOW + timedelta(hours=2))
    await fire_due(app)
    (sent,) = [n for n in await inbox(lisbon) if n["kind"] == "briefing"]
    assert sent["title"] == "Before your meeting with Ana Silva: Lunch"
    assert sent["body"] == "Ana moved to Spotify."
    assert sent["priority"] == "urgent"
    assert sent["status"] == "unread", "delivered despite quiet hours"
    assert (sent["ref_kind"], sent["ref_id"]) == ("contact", "c-ana")
    # Re-announced with its delivery time passed but the lunch ahead: not sent twice.
    await synced(app, user_id, "contact_memory", "briefing:ev-Lunch:c-ana", moved, "updated")

    # Past its deliver_at with the meeting ahead: delivered at once. A deleted one: never.
    now = clock.now()
    late = briefing("c-ben", "Call", now + timedelta(minutes=20), now - timedelta(minutes=5), "Ben")
    await synced(app, user_id, "contact_memory", "briefing:ev-Call:c-ben", late)
    gone = briefing("c-ben", "Dinner", now + timedelta(hours=5), now + timedelta(hours=4), "x")
    await synced(app, user_id, "contact_memory", "briefing:ev-Dinner:c-ben", gone)
    await synced(app, user_id, "contact_memory", "briefing:ev-Dinner:c-ben", gone, "deleted")
    await wait_for_briefing(app, f"{user_id}:briefing:ev-Call:c-ben", "Ben")
    await wait_for_briefing(app, f"{user_id}:briefing:ev-Dinner:c-ben", None)
    await fire_due(app)
    titles = sorted(n["title"] for n in await inbox(lisbon) if n["kind"] == "briefing")
    assert titles == [
        "Before your meeting with Ana Silva: Lunch",
        "Before your meeting with Ben: Call",
    ]
    clock.set(now + timedelta(hours=4, minutes=30))
    await fire_due(app)
    assert len([n for n in await inbox(lisbon) if n["kind"] == "briefing"]) == 2
    # The next daily check forgets the briefings of meetings that have started.
    check = (await client.get("/v1/notifications/nudges", headers=me)).json()["next_check_at"]
    clock.set(datetime.fromisoformat(check))
    await fire_due(app)
    briefings = app.state.runtime.db["nudge_briefings"]
    assert await briefings.count_documents({"user_id": user_id}) == 0


async def test_a_cancelled_or_moved_meeting_withdraws_its_briefing(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    _, app, user_id, _ = lisbon
    for contact_id in ("c-ana", "c-ben", "c-cara"):
        await synced(app, user_id, "contact", contact_id, {"name": contact_id.removeprefix("c-")})
    soon = NOW + timedelta(hours=1)
    lunch = briefing("c-ana", "Lunch", NOW + timedelta(hours=3), NOW + timedelta(hours=2), "A")
    call = briefing("c-ben", "Call", NOW + timedelta(hours=2), soon, "Ben")
    review = briefing("c-cara", "Review", NOW + timedelta(hours=2), soon, "Cara")
    for record_id, body in (
        ("briefing:ev-Lunch:c-ana", lunch),
        ("briefing:ev-Call:c-ben", call),
        ("briefing:ev-Review:c-cara", review),
    ):
        await synced(app, user_id, "contact_memory", record_id, body)
        await wait_for_briefing(app, f"{user_id}:{record_id}", body["content"])
    clock.set(soon)
    await fire_due(app)
    sent = {n["ref_id"]: n for n in await inbox(lisbon) if n["kind"] == "briefing"}
    assert sorted(sent) == ["c-ben", "c-cara"]
    assert {n["status"] for n in sent.values()} == {"unread"}

    # Lunch and the call are cancelled (integrations withdraw their briefings); the review
    # moves three hours later and is briefed again before its new start.
    await synced(app, user_id, "contact_memory", "briefing:ev-Lunch:c-ana", lunch, "deleted")
    await synced(app, user_id, "contact_memory", "briefing:ev-Call:c-ben", call, "deleted")
    later = briefing("c-cara", "Review", NOW + timedelta(hours=5), NOW + timedelta(hours=4), "C")
    await synced(app, user_id, "contact_memory", "briefing:ev-Review:c-cara", later, "updated")
    await wait_for_briefing(app, f"{user_id}:briefing:ev-Lunch:c-ana", None)
    await wait_for_briefing(app, f"{user_id}:briefing:ev-Call:c-ben", None)
    await wait_for_briefing(app, f"{user_id}:briefing:ev-Review:c-cara", "C")

    assert (await notification(lisbon, sent["c-ben"]["id"]))["status"] == "dismissed"
    assert (await notification(lisbon, sent["c-cara"]["id"]))["status"] == "dismissed"
    clock.set(NOW + timedelta(hours=2))
    await fire_due(app)
    assert "c-ana" not in {n["ref_id"] for n in await inbox(lisbon)}, "never delivered"
    clock.set(NOW + timedelta(hours=4))
    await fire_due(app)
    fresh = [n for n in await inbox(lisbon) if n["status"] == "unread"]
    assert [(n["ref_id"], n["body"]) for n in fresh] == [("c-cara", "C")]

    # Redelivered, the records change nothing more.
    await synced(app, user_id, "contact_memory", "briefing:ev-Call:c-ben", call, "deleted")
    await synced(app, user_id, "contact_memory", "briefing:ev-Review:c-cara", later, "updated")
    await caught_up(lisbon, "after-the-redeliveries")
    statuses = sorted((n["ref_id"], n["status"]) for n in await inbox(lisbon))
    assert statuses == [("c-ben", "dismissed"), ("c-cara", "dismissed"), ("c-cara", "unread")]


async def test_briefings_toggle_and_contact_opt_out(lisbon: LisbonUser, clock: ManualClock) -> None:
    client, app, user_id, me = lisbon
    await synced(app, user_id, "contact", "c-ana", {"name": "Ana"})
    await eventually(lambda: tracked_names(lisbon, "Ana"), "Ana")
    opted = await client.patch(
        "/v1/notifications/nudges/contacts/c-ana", json={"opt_out": True}, headers=me
    )
    assert opted.status_code == 200
    start, deliver = NOW + timedelta(hours=2), NOW + timedelta(hours=1)
    await synced(app, user_id, "contact", "c-ben", {"name": "Ben"})
    for contact_id in ("c-ana", "c-ben"):
        body = briefing(contact_id, "Sync", start, deliver, "notes")
        await synced(app, user_id, "contact_memory", f"briefing:ev-Sync:{contact_id}", body)
        await wait_for_briefing(app, f"{user_id}:briefing:ev-Sync:{contact_id}", "notes")
    clock.set(deliver)
    await fire_due(app)
    (only,) = [n for n in await inbox(lisbon) if n["kind"] == "briefing"]
    assert only["ref_id"] == "c-ben", "Ana opted out"

    off = await client.patch("/v1/notifications/nudges", json={"briefings": False}, headers=me)
    assert off.json()["briefings"] is False
    later = briefing(
        "c-ben", "Review", deliver + timedelta(hours=3), deliver + timedelta(hours=2), "n"
    )
    await synced(app, user_id, "contact_memory", "briefing:ev-Review:c-ben", later)
    await wait_for_briefing(app, f"{user_id}:briefing:ev-Review:c-ben", "n")
    clock.set(deliver + timedelta(hours=2))
    await fire_due(app)
    assert len([n for n in await inbox(lisbon) if n["kind"] == "briefing"]) == 1, "kind off"


async def follow_ups_due(lisbon: LisbonUser, clock: ManualClock, contacts: dict[str, str]) -> None:
    """Each contact (id: thread) wrote an e-mail two days ago; the daily check a day and a
    bit later finds them all unanswered for three days, the default wait."""
    client, app, user_id, me = lisbon
    sent = NOW - timedelta(days=2)
    for contact_id, thread in contacts.items():
        await synced(app, user_id, "contact", contact_id, {"name": contact_id.removeprefix("c-")})
        inbound = email(contact_id, "inbound", sent, thread)
        await synced(app, user_id, "interaction", f"in-{thread}:{contact_id}", inbound)
    await tracked(lisbon, len(contacts))
    check = (await client.get("/v1/notifications/nudges", headers=me)).json()["next_check_at"]
    clock.set(datetime.fromisoformat(check))
    await fire_due(app)
    clock.set(datetime.fromisoformat(check) + timedelta(days=1))
    await fire_due(app)


async def caught_up(lisbon: LisbonUser, contact_id: str) -> None:
    """Every record published so far has been applied: a contact published after them is."""
    _, app, user_id, _ = lisbon
    await synced(app, user_id, "contact", contact_id, {"name": contact_id})
    await eventually(lambda: tracked_names(lisbon, contact_id), f"{contact_id}, published last")


async def test_a_reply_or_a_deleted_mail_marks_a_delivered_follow_up_acted_upon(
    lisbon: LisbonUser, clock: ManualClock
) -> None:
    client, app, user_id, me = lisbon
    await follow_ups_due(lisbon, clock, {"c-ana": "t-a", "c-ben": "t-b", "c-cara": "t-c"})
    sent = {n["ref_id"]: n for n in await inbox(lisbon) if n["kind"] == "follow_up"}
    assert sorted(sent) == ["c-ana", "c-ben", "c-cara"]
    assert {n["status"] for n in sent.values()} == {"unread"}
    read = await client.patch(
        f"/v1/notifications/{sent['c-cara']['id']}", json={"status": "read"}, headers=me
    )
    assert read.status_code == 200

    replied_at = clock.now()
    old_reply = email("c-ana", "outbound", NOW - timedelta(days=3), "t-a")
    await synced(app, user_id, "interaction", "out-old:c-ana", old_reply)
    await caught_up(lisbon, "before-the-reply")
    assert (await notification(lisbon, sent["c-ana"]["id"]))["status"] == "unread", (
        "a reply older than the mail answers nothing"
    )
    reply = email("c-ana", "outbound", replied_at, "t-a")
    await synced(app, user_id, "interaction", "out-a:c-ana", reply)
    await synced(app, user_id, "interaction", "in-t-b:c-ben", {"contact_id": "c-ben"}, "deleted")
    await synced(
        app, user_id, "interaction", "out-c:c-cara", email("c-cara", "outbound", replied_at, "t-c")
    )
    await caught_up(lisbon, "after-the-replies")

    ana = await notification(lisbon, sent["c-ana"]["id"])
    assert ana["status"] == "acted_upon"
    assert datetime.fromisoformat(ana["acted_at"]) == replied_at
    assert datetime.fromisoformat(ana["read_at"]) == replied_at
    assert (await notification(lisbon, sent["c-ben"]["id"]))["status"] == "acted_upon"
    assert (await notification(lisbon, sent["c-cara"]["id"]))["status"] == "read", "left alone"

    # Redelivered later, the reply changes nothing more.
    clock.set(replied_at + timedelta(hours=1))
    await synced(app, user_id, "interaction", "out-a:c-ana", reply)
    await caught_up(lisbon, "after-the-redelivery")
    assert await notification(lisbon, sent["c-ana"]["id"]) == ana


async def notification(lisbon: LisbonUser, notification_id: str) -> dict[str, Any]:
    client, _, _, me = lisbon
    found = await client.get(f"/v1/notifications/{notification_id}", headers=me)
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


async def test_a_reply_cancels_a_follow_up_deferred_by_quiet_hours(
    scheduler: Scheduler, settings: SchedulerSettings, clock: ManualClock
) -> None:
    client, app = scheduler
    user_id = await lisbon_user(app, start="00:00", end="23:59")
    me = auth(settings, user_id)
    lisbon = LisbonUser(client, app, user_id, me)
    await follow_ups_due(lisbon, clock, {"c-ana": "t-a"})
    (waiting,) = (await client.get("/v1/notifications/scheduled", headers=me)).json()
    assert (waiting["kind"], waiting["deferred_reason"]) == ("follow_up", "quiet_hours")
    timers = app.state.runtime.db["timers"]
    assert await timers.count_documents({"ref_id": waiting["id"], "status": "scheduled"}) == 1

    reply = email("c-ana", "outbound", clock.now(), "t-a")
    await synced(app, user_id, "interaction", "out-a:c-ana", reply)

    async def cancelled() -> bool:
        listed = (await client.get("/v1/notifications/scheduled", headers=me)).json()
        return listed == []

    await eventually(cancelled, "the deferred follow-up cancelled")
    gone = await client.get(f"/v1/notifications/{waiting['id']}", headers=me)
    assert gone.status_code == 404
    assert await timers.count_documents({"ref_id": waiting["id"], "status": "scheduled"}) == 0
    clock.set(datetime.fromisoformat(waiting["deliver_at"]) + timedelta(minutes=5))
    await fire_due(app)
    await fire_due(app)
    assert [n for n in await inbox(lisbon) if n["kind"] == "follow_up"] == [], "never delivered"
