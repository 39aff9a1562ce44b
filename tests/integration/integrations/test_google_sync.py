"""Google Calendar, Gmail and Contacts synced through the service API from the local Google
fake: a full sync, then changes at the source arriving incrementally; an expired access
token refreshed (and saved) without the user; a revoked grant expiring the connection; an
expired sync position answered by a full sync that sweeps what is gone; rate limits waited
out; calendar write-back read back from Google."""

from __future__ import annotations

import pytest
from muninn_devstack.google_fake import ACCOUNT

from tests.integration.integrations.app_support import me
from tests.integration.integrations.google_support import (
    Running,
    connection,
    contacts,
    event_titles,
    google,
    mail,
    mail_subjects,
    person,
    running,
    sign_in,
    sync,
    timed,
)

__all__ = ["google", "running"]  # fixtures


def seed(running: Running) -> dict[str, str]:
    fake = running.fake
    review = fake.put_event(
        ACCOUNT,
        timed(
            "Review",
            5,
            10,
            attendees=[
                {
                    "email": "bruno@example.org",
                    "displayName": "Bruno",
                    "responseStatus": "accepted",
                },
                {"email": "carla@example.org", "responseStatus": "declined"},
            ],
        ),
    )
    lunch = fake.put_event(ACCOUNT, timed("Lunch", 7, 13))
    standup = fake.put_event(
        ACCOUNT, timed("Standup", 12, 9, recurrence=["RRULE:FREQ=WEEKLY;COUNT=3"])
    )
    fake.put_event(
        ACCOUNT,
        {
            **timed("Standup (moved)", 19, 15),
            "id": f"{standup['id']}_20260119T080000Z",
            "iCalUID": standup["iCalUID"],
            "recurringEventId": standup["id"],
            "originalStartTime": {
                "dateTime": "2026-01-19T09:00:00+01:00",
                "timeZone": "Europe/Berlin",
            },
        },
    )
    first = fake.add_message(mail("Hello Ana"))
    fake.add_message(mail("Newsletter"), labels=("INBOX",))
    fake.add_message(mail("Sent by Ana", sender=ACCOUNT), labels=("SENT",))
    fake.add_message(mail("Spam offer"), labels=("SPAM",))
    bea = fake.put_person(person("Beatriz", "Costa", "bea@example.org"))
    fake.put_person(person("Duarte", "Lima", "duarte@example.org"))
    fake.put_person(person("Eva", "Mar", "eva@example.org"))
    return {"review": review["id"], "lunch": lunch["id"], "first": first, "bea": bea}


async def test_full_then_incremental_sync_of_calendar_mail_and_contacts(running: Running) -> None:
    ids = seed(running)
    # A colleague's calendar shared as free/busy only: nothing to read, not offered.
    running.fake.add_calendar("bruno@example.org", "Bruno", access_role="freeBusyReader")
    ana = me()
    connected = await sign_in(running, ana)
    assert [c["name"] for c in connected["collections"] if c["kind"] == "calendar_event"] == ["Ana"]
    job = await sync(running, ana, connected["id"])
    assert (job["status"], job["job_type"]) == ("completed", "full_sync"), job
    # Listed in pages (the service's page size is 2 here).
    assert running.fake.requests.count(("GET", "/gmail/v1/users/me/messages")) == 2
    assert running.fake.requests.count(("GET", "/v1/people/me/connections")) == 2
    assert await event_titles(running, ana) == [
        "Lunch",
        "Review",
        "Standup",
        "Standup",
        "Standup (moved)",
    ]
    listed = await running.client.get(
        "/v1/calendar/events",
        params={"start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"},
        headers=ana,
    )
    (review,) = listed.json()["items"]
    assert review["time_zone"] == "Europe/Berlin"
    assert review["start"].startswith("2026-01-05T10:00:00+01:00")
    detail = (
        await running.client.get(f"/v1/calendar/events/{review['event_id']}", headers=ana)
    ).json()
    assert [(a["email"], a["response_status"]) for a in detail["attendees"]] == [
        ("bruno@example.org", "accepted"),
        ("carla@example.org", "declined"),
    ]
    assert await mail_subjects(running, ana) == [
        "Hello Ana",
        "Newsletter",
        "Sent by Ana",
    ]  # not the spam
    people = await contacts(running, ana)
    assert set(people) == {"Beatriz Costa", "Duarte Lima", "Eva Mar"}
    assert people["Beatriz Costa"]["source_provider"] == "google"

    # Changes at Google: a new event, one moved, one deleted; new mail, one deleted; a
    # contact edited, one deleted.
    fake = running.fake
    fake.put_event(ACCOUNT, timed("Planning", 8, 11))
    fake.change_event(ACCOUNT, ids["review"], **timed("Review (moved)", 6, 16))
    fake.delete_event(ACCOUNT, ids["lunch"])
    fake.add_message(mail("Second mail"))
    fake.delete_message(ids["first"])
    fake.put_person(person("Beatriz", "Costa-Silva", "bea@new.example"), ids["bea"])
    before = len(fake.requests)
    job = await sync(running, ana, connected["id"])
    assert (job["status"], job["job_type"]) == ("completed", "incremental_sync"), job
    assert await event_titles(running, ana) == [
        "Planning",
        "Review (moved)",
        "Standup",
        "Standup",
        "Standup (moved)",
    ]
    moved = await running.client.get(
        "/v1/calendar/events",
        params={"start": "2026-01-06T00:00:00Z", "end": "2026-01-07T00:00:00Z"},
        headers=ana,
    )
    assert moved.json()["items"][0]["start"].startswith("2026-01-06T16:00:00+01:00")
    assert await mail_subjects(running, ana) == ["Newsletter", "Second mail", "Sent by Ana"]
    people = await contacts(running, ana)
    assert "Beatriz Costa-Silva" in people
    assert [e["value"] for e in people["Beatriz Costa-Silva"]["emails"]] == ["bea@new.example"]
    # Incremental: by sync tokens and history, not by listing everything again.
    assert ("GET", "/gmail/v1/users/me/history") in fake.requests[before:]
    assert ("GET", "/gmail/v1/users/me/messages") not in fake.requests[before:]

    # A cancelled occurrence of the series arrives as an excluded date.
    standup = next(e for e in fake.events[ACCOUNT].values() if e.get("summary") == "Standup")
    fake.put_event(
        ACCOUNT,
        {
            **timed("Standup", 26, 9),
            "id": f"{standup['id']}_20260126T080000Z",
            "iCalUID": standup["iCalUID"],
            "recurringEventId": standup["id"],
            "originalStartTime": {
                "dateTime": "2026-01-26T09:00:00+01:00",
                "timeZone": "Europe/Berlin",
            },
            "status": "cancelled",
        },
    )
    job = await sync(running, ana, connected["id"])
    assert job["status"] == "completed", job
    assert await event_titles(running, ana) == [
        "Planning",
        "Review (moved)",
        "Standup",
        "Standup (moved)",
    ]


async def test_an_expired_access_token_is_refreshed_and_saved(running: Running) -> None:
    seed(running)
    ana = me()
    connected = await sign_in(running, ana)
    first_expiry = connected["token_expires_at"]
    running.fake.expire_access_tokens()
    job = await sync(running, ana, connected["id"])
    assert job["status"] == "completed", job
    assert running.fake.refreshes == 1
    assert "Review" in await event_titles(running, ana)
    refreshed = await connection(running, ana, connected["id"])
    assert refreshed["status"] == "connected"
    assert refreshed["token_expires_at"] >= first_expiry
    # The new token was sealed back in the vault: the next sync needs no refresh.
    job = await sync(running, ana, connected["id"])
    assert job["status"] == "completed", job
    assert running.fake.refreshes == 1


async def test_a_revoked_grant_turns_the_connection_expired(running: Running) -> None:
    ana = me()
    connected = await sign_in(running, ana)
    running.fake.revoke_all()  # the user removed Muninn's access in their Google account
    job = await sync(running, ana, connected["id"])
    assert job["status"] == "failed"
    expired = await connection(running, ana, connected["id"])
    assert expired["status"] == "expired"
    assert "connect the account again" in expired["error_message"]
    # Signing in again brings it back.
    again = await sign_in(running, ana)
    assert (again["id"], again["status"]) == (connected["id"], "connected")


@pytest.mark.parametrize("product", ["calendar", "contacts", "mail"])
async def test_an_expired_sync_position_syncs_in_full_and_sweeps(
    running: Running, product: str
) -> None:
    ids = seed(running)
    ana = me()
    connected = await sign_in(running, ana)
    assert (await sync(running, ana, connected["id"]))["status"] == "completed"
    fake = running.fake
    # Gone at Google with no trace an incremental sync could see.
    fake.forget_event(ACCOUNT, ids["lunch"])
    fake.forget_message(ids["first"])
    fake.forget_person(ids["bea"])
    fake.expire_sync_tokens(
        calendar=product == "calendar", contacts=product == "contacts", mail=product == "mail"
    )
    job = await sync(running, ana, connected["id"])
    assert (job["status"], job["job_type"]) == ("completed", "full_sync"), job
    assert "Lunch" not in await event_titles(running, ana)
    assert "Review" in await event_titles(running, ana)
    assert await mail_subjects(running, ana) == ["Newsletter", "Sent by Ana"]
    assert set(await contacts(running, ana)) == {"Duarte Lima", "Eva Mar"}
    # And incremental again afterwards.
    job = await sync(running, ana, connected["id"])
    assert (job["status"], job["job_type"]) == ("completed", "incremental_sync"), job


async def test_rate_limits_are_waited_out(running: Running) -> None:
    seed(running)
    ana = me()
    connected = await sign_in(running, ana)
    running.fake.fail_next(429, retry_after=1, count=1, prefix="/gmail/")
    running.fake.fail_next(503, retry_after=None, count=1, prefix="/v1/people")
    job = await sync(running, ana, connected["id"])
    assert job["status"] == "completed", job
    assert job["attempts"] == 2  # one back-off for each
    assert await mail_subjects(running, ana) == ["Hello Ana", "Newsletter", "Sent by Ana"]
    assert (await connection(running, ana, connected["id"]))["status"] == "connected"


async def test_write_back_creates_updates_and_deletes_at_google(running: Running) -> None:
    ana = me()
    connected = await sign_in(running, ana)
    fake = running.fake
    created = await running.client.post(
        "/v1/calendar/events",
        json={
            "connection_id": connected["id"],
            "calendar": ACCOUNT,
            "title": "Dentist",
            "start": "2026-02-03T09:00:00Z",
            "end": "2026-02-03T10:00:00Z",
            "time_zone": "Europe/Lisbon",
            "location": "Rua B",
            "attendees": [{"email": "bruno@example.org", "name": "Bruno"}],
        },
        headers=ana,
    )
    assert created.status_code == 201, created.text
    event = created.json()
    (at_google,) = [e for e in fake.events[ACCOUNT].values() if e.get("summary") == "Dentist"]
    assert at_google["location"] == "Rua B"
    assert at_google["start"] == {
        "dateTime": "2026-02-03T09:00:00+00:00",
        "timeZone": "Europe/Lisbon",
    }
    assert at_google["attendees"][0]["email"] == "bruno@example.org"
    assert event["time_zone"] == "Europe/Lisbon"

    patched = await running.client.patch(
        f"/v1/calendar/events/{event['id']}",
        json={
            "title": "Dentist (moved)",
            "start": "2026-02-04T09:00:00Z",
            "end": "2026-02-04T10:00:00Z",
        },
        headers=ana,
    )
    assert patched.status_code == 200, patched.text
    at_google = fake.events[ACCOUNT][at_google["id"]]
    assert at_google["summary"] == "Dentist (moved)"
    assert at_google["start"]["dateTime"] == "2026-02-04T09:00:00+00:00"
    assert at_google["location"] == "Rua B"  # untouched fields stay as they were

    # Changed at Google meanwhile: the stale write is refused, nothing overwritten.
    fake.change_event(ACCOUNT, at_google["id"], summary="Dentist (theirs)")
    stale = await running.client.patch(
        f"/v1/calendar/events/{event['id']}", json={"title": "Mine"}, headers=ana
    )
    assert stale.status_code == 409
    assert stale.json()["type"].endswith("changed-at-source")
    assert fake.events[ACCOUNT][at_google["id"]]["summary"] == "Dentist (theirs)"

    # A sync brings the change (and the ETag); then the delete goes through.
    assert (await sync(running, ana, connected["id"]))["status"] == "completed"
    assert (await running.client.get(f"/v1/calendar/events/{event['id']}", headers=ana)).json()[
        "title"
    ] == "Dentist (theirs)"
    deleted = await running.client.delete(f"/v1/calendar/events/{event['id']}", headers=ana)
    assert deleted.status_code == 204, deleted.text
    assert fake.events[ACCOUNT][at_google["id"]]["status"] == "cancelled"
    assert (
        await running.client.get(f"/v1/calendar/events/{event['id']}", headers=ana)
    ).status_code == 404

    # A calendar shared read-only: refused before anything is sent.
    fake.add_calendar("team@group.calendar.example", "Team", access_role="reader")
    refused = await running.client.post(
        "/v1/calendar/events",
        json={
            "connection_id": connected["id"],
            "calendar": "team@group.calendar.example",
            "title": "Mine",
            "start": "2026-02-03T09:00:00Z",
            "end": "2026-02-03T10:00:00Z",
        },
        headers=ana,
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("read-only-calendar")
