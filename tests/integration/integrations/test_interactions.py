"""Interactions through the real app and MongoDB: derived from synced mail and meetings,
logged by hand, announced, moved by a contact merge; and the relationship strength, rhythm
and contact-list filters they feed."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from muninn_integrations.calendar.ical import event_from_ical
from muninn_integrations.calendar.models import Attendee, CalendarEvent, Person, ResponseStatus
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.contacts.merging import ContactMerger
from muninn_integrations.contacts.models import Contact, ContactMerge, LabeledValue
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.interactions.models import InteractionDraft
from muninn_integrations.interactions.occurrences import occurrence_key
from muninn_integrations.mail.models import MailAddress, MailMessage
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope
from muninn_shared.events import Topic
from muninn_shared.moments import as_utc
from muninn_shared.problems import ProblemError
from muninn_shared.storage.outbox import Outbox
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra
from tests.integration.integrations.records_support import HOSTILE, Running, new_user, running
from tests.integration.kafka_tools import collect
from tests.integration.paging import every_item

__all__ = ["running"]

EMAIL = RecordKind.EMAIL
EVENT = RecordKind.CALENDAR_EVENT
ME = "me@home.example"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DATA_FIELDS = {
    "contact_id",
    "occurred_at",
    "kind",
    "direction",
    "subject",
    "summary",
    "sentiment",
    "duration_minutes",
    "thread_id",
    "source",
    "source_record_id",
    "action",
}


def mail(uid: int, sender: str, to: Sequence[str], subject: str, body: str = "") -> MailMessage:
    return MailMessage(
        external_id=f"INBOX/7/{uid}",
        mailbox="INBOX",
        uid=uid,
        uidvalidity=7,
        thread_id=f"t-{uid}",
        subject=subject,
        sender=MailAddress(address=sender, name=""),
        to=[MailAddress(address=a, name="") for a in to],
        sent_at=T0 + timedelta(hours=uid),
        body=body,
    )


def meeting(uid: str, start: datetime, attendees: Sequence[str], **extra: Any) -> CalendarEvent:
    return CalendarEvent(
        uid=uid,
        title="Planning lunch",
        description="A great chat about the launch",
        start=start,
        end=start + timedelta(minutes=45),
        organizer=Person(email=ME, name="Me"),
        attendees=[Attendee(email=a, response_status=ResponseStatus.ACCEPTED) for a in attendees],
        **extra,
    )


async def sync(
    running: Running, scope: SyncScope, kind: RecordKind, changes: list[Change[Any]]
) -> list[Applied]:
    """One page applied as the sync service does: sink, announcement and followers, one
    transaction."""
    sink = running.sinks[kind]
    interactions = running.services.interactions

    async def work(session: AsyncClientSession) -> list[Applied]:
        applied = await sink.apply(scope, changes, session)
        await interactions.follow(scope, kind, applied, session)
        return applied

    return await running.txn(work)


async def add_contact(
    running: Running, headers: dict[str, str], name: str, email: str, **extra: Any
) -> str:
    body = {"display_name": name, "emails": [{"value": email}], **extra}
    answer = await running.client.post("/v1/contacts", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    contact_id: str = answer.json()["id"]
    return contact_id


async def listed(
    running: Running, headers: dict[str, str], contact_id: str, **params: Any
) -> list[dict[str, Any]]:
    answer = await running.client.get(
        f"/v1/contacts/{contact_id}/interactions", params=params, headers=headers
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def announced(
    infra: Infra,
    user_id: str,
    record_type: str,
    count: int,
    *,
    timeout: float = 30,
    where: Callable[[dict[str, Any]], bool] = lambda record: True,
) -> list[dict[str, Any]]:
    """The user's ``integrations.record.synced`` records of a type, in the order published
    (one partition per user), once ``count`` arrived or ``timeout`` passed."""

    def wanted(body: dict[str, Any]) -> bool:
        record = body.get("data") or {}
        return (
            body.get("type") == "integrations.record.synced"
            and record.get("user_id") == user_id
            and record.get("record_type") == record_type
            and where(record)
        )

    bodies = await collect(
        infra.kafka_bootstrap,
        Topic.INTEGRATIONS_RECORDS.value,
        wanted,
        count=count,
        timeout=timeout,
    )
    return [body["data"] for body in bodies]


async def contact(running: Running, headers: dict[str, str], contact_id: str) -> dict[str, Any]:
    answer = await running.client.get(f"/v1/contacts/{contact_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_synced_mail_and_meetings_are_stored_moved_and_removed(
    running: Running, infra: Infra
) -> None:
    user, headers = new_user("ana")
    bea = await add_contact(running, headers, "Bea", "Bea@Example.org")
    cy = await add_contact(running, headers, "Cy", "cy@example.org")
    dan = await add_contact(running, headers, "Dan", "dan@example.org")
    other, other_headers = new_user("zed")
    await add_contact(running, other_headers, "Not Ana's", "eve@example.org")
    scope = SyncScope(user, uuid.uuid4().hex, "imap", None)

    inbound = mail(1, "bea@example.org", [ME, "eve@example.org"], "Thanks!", "Great lunch, thanks")
    outbound = mail(2, ME, ["cy@example.org", "nobody@example.org"], "Delay", "Sorry, late again")
    stranger = mail(3, "nobody@example.org", [ME], "Offer")
    pages = [Change(EMAIL, m.external_id, "INBOX", m, None) for m in (inbound, outbound, stranger)]
    applied = await sync(running, scope, EMAIL, pages)
    ids = {a.data["subject"]: a.record_id for a in applied}

    [from_bea] = await listed(running, headers, bea)
    assert from_bea["id"] == f"{ids['Thanks!']}:{bea}"
    assert from_bea["direction"] == "inbound"
    assert from_bea["kind"] == "email"
    assert from_bea["source"] == "mail"
    assert from_bea["thread_id"] == "t-1"
    assert from_bea["subject"] == "Thanks!"
    assert from_bea["sentiment"] > 0
    assert from_bea["editable"] is False
    [to_cy] = await listed(running, headers, cy)
    assert to_cy["direction"] == "outbound"
    assert to_cy["sentiment"] < 0
    assert await listed(running, headers, dan) == []

    calendar = SyncScope(user, uuid.uuid4().hex, "caldav", None)
    lunch = meeting(
        "lunch", T0 + timedelta(days=1), ["bea@example.org", "CY@example.org", "dan@example.org"]
    )
    [event] = await sync(
        running, calendar, EVENT, [Change(EVENT, "/cal/lunch.ics", "/cal/", lunch)]
    )
    met = [await listed(running, headers, c, kind="meeting") for c in (bea, cy, dan)]
    assert [len(m) for m in met] == [1, 1, 1]
    assert {m[0]["id"] for m in met} == {f"{event.record_id}:{c}" for c in (bea, cy, dan)}
    assert all(m[0]["direction"] == "mutual" for m in met)
    assert all(m[0]["duration_minutes"] == 45 for m in met)
    assert met[0][0]["summary"] == "A great chat about the launch"
    assert len(await listed(running, headers, bea)) == 2

    records = await announced(infra, user, "interaction", 5)
    assert len(records) == 5
    assert all(set(r["data"]) == DATA_FIELDS for r in records)
    first = next(r for r in records if r["record_id"] == f"{ids['Thanks!']}:{bea}")
    assert first["data"]["occurred_at"] == inbound.sent_at.isoformat()
    assert first["data"]["source_record_id"] == ids["Thanks!"]
    assert first["connection_id"] == scope.connection_id

    # Moved, and Dan declined: the interactions follow.
    moved = meeting(
        "lunch", T0 + timedelta(days=3), ["bea@example.org", "cy@example.org"]
    ).model_copy(update={"sequence": 1})
    moved.attendees.append(
        Attendee(email="dan@example.org", response_status=ResponseStatus.DECLINED)
    )
    await sync(running, calendar, EVENT, [Change(EVENT, "/cal/lunch.ics", "/cal/", moved, "e2")])
    [bea_meeting] = await listed(running, headers, bea, kind="meeting")
    assert bea_meeting["occurred_at"].startswith((T0 + timedelta(days=3)).date().isoformat())
    assert await listed(running, headers, dan) == []
    records = await announced(infra, user, "interaction", 8)
    actions = [(r["record_id"], r["data"]["action"]) for r in records[5:]]
    assert sorted(actions) == sorted(
        [
            (f"{event.record_id}:{bea}", "updated"),
            (f"{event.record_id}:{cy}", "updated"),
            (f"{event.record_id}:{dan}", "deleted"),
        ]
    )

    # A deleted mail takes its interaction with it; the meeting stays.
    await sync(running, scope, EMAIL, [Change(EMAIL, inbound.external_id, "INBOX", None, None)])
    assert [i["kind"] for i in await listed(running, headers, bea)] == ["meeting"]
    last = (await announced(infra, user, "interaction", 9))[-1]
    assert (last["record_id"], last["data"]["action"]) == (f"{ids['Thanks!']}:{bea}", "deleted")

    # Replaying a page changes nothing.
    await sync(running, scope, EMAIL, pages[1:2])
    assert len(await announced(infra, user, "interaction", 10, timeout=3)) == 9

    # The contacts' strength followed: Bea's meeting is in the past.
    assert (await contact(running, headers, bea))["relationship_strength"] > 0
    assert (await contact(running, headers, dan))["relationship_strength"] == 0
    assert await announced(infra, other, "interaction", 1, timeout=2) == []


async def test_the_accounts_own_address_says_which_way_mail_went(running: Running) -> None:
    user, headers = new_user("ana")
    bea = await add_contact(running, headers, "Bea", "bea@example.org")
    cy = await add_contact(running, headers, "Cy", "cy@example.org")
    scope = SyncScope(user, uuid.uuid4().hex, "imap", None, account=ME)
    copied = mail(1, "nobody@example.org", [ME, "cy@example.org"], "Offer for you both")
    sent = mail(2, ME, ["cy@example.org", "bea@example.org"], "Agenda")
    received = mail(3, "bea@example.org", [ME, "cy@example.org"], "Re: Agenda")
    changes = [Change(EMAIL, m.external_id, "INBOX", m, None) for m in (copied, sent, received)]
    await sync(running, scope, EMAIL, changes)

    # A stranger's mail copied to Cy is no exchange with Cy, though its sender is no contact.
    assert [(i["subject"], i["direction"]) for i in await listed(running, headers, cy)] == [
        ("Agenda", "outbound")
    ]
    assert sorted((i["subject"], i["direction"]) for i in await listed(running, headers, bea)) == [
        ("Agenda", "outbound"),
        ("Re: Agenda", "inbound"),
    ]


async def test_interactions_by_hand_over_http(running: Running) -> None:
    _user, headers = new_user("ana")
    bea = await add_contact(running, headers, "Bea", "bea@example.org")
    now = datetime.now(UTC)
    logged = []
    for days in range(5):
        body = {
            "kind": "call" if days % 2 else "manual",
            "subject": f"Catch-up {days}",
            "content": "Lovely call, really happy",
            "occurred_at": (now - timedelta(days=days)).isoformat(),
            "duration_minutes": 20,
            "attendees": ["bea@example.org"],
        }
        answer = await running.client.post(
            f"/v1/contacts/{bea}/interactions", json=body, headers=headers
        )
        assert answer.status_code == 201, answer.text
        logged.append(answer.json())
    assert logged[0]["summary"] == "Lovely call, really happy"
    assert logged[0]["sentiment"] > 0
    assert logged[0]["editable"] is True
    plain = await running.client.post(f"/v1/contacts/{bea}/interactions", json={}, headers=headers)
    assert plain.status_code == 201, plain.text
    assert plain.json()["kind"] == "manual"
    assert plain.json()["sentiment"] == 0

    path = f"/v1/contacts/{bea}/interactions"
    seen = [item["id"] for item in await every_item(running.client, path, headers, limit=2)]
    assert len(seen) == len(set(seen)) == 6
    assert seen[0] == plain.json()["id"]  # newest first
    assert [i["kind"] for i in await listed(running, headers, bea, kind="call")] == ["call"] * 2

    one = logged[1]["id"]
    patched = await running.client.patch(
        f"/v1/interactions/{one}",
        json={"summary": "Terrible call, very upset", "duration_minutes": 30},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["sentiment"] < 0  # rescored with the text
    assert patched.json()["duration_minutes"] == 30
    fixed = await running.client.patch(
        f"/v1/interactions/{one}", json={"sentiment": 0.5}, headers=headers
    )
    assert fixed.json()["sentiment"] == 0.5
    assert (await running.client.get(f"/v1/interactions/{one}", headers=headers)).json()[
        "summary"
    ] == "Terrible call, very upset"
    gone = await running.client.delete(f"/v1/interactions/{one}", headers=headers)
    assert gone.status_code == 204
    assert (await running.client.get(f"/v1/interactions/{one}", headers=headers)).status_code == 404

    # Another user sees none of it.
    _zed, zed = new_user("zed")
    for method, url in [
        ("GET", f"/v1/contacts/{bea}/interactions"),
        ("POST", f"/v1/contacts/{bea}/interactions"),
        ("GET", f"/v1/interactions/{logged[0]['id']}"),
        ("PATCH", f"/v1/interactions/{logged[0]['id']}"),
        ("DELETE", f"/v1/interactions/{logged[0]['id']}"),
    ]:
        body = {} if method in ("POST", "PATCH") else None
        answer = await running.client.request(method, url, json=body, headers=zed)
        assert answer.status_code == 404, (method, url, answer.text)

    # Bad input is a 422 problem, never a 500.
    for bad in [
        {"kind": "telepathy"},
        {"direction": "sideways"},
        {"duration_minutes": 1441},
        {"duration_minutes": -1},
        {"sentiment": 1.5},
        {"occurred_at": (now + timedelta(days=2)).isoformat()},
        {"occurred_at": "yesterday"},
        {"subject": "x" * 201},
        {"summary": "x" * 501},
        {"summary": "a", "content": "b"},
        {"attendees": ["not an address"]},
        {"attendees": [f"p{i}@example.org" for i in range(51)]},
        {"unknown": 1},
    ]:
        answer = await running.client.post(
            f"/v1/contacts/{bea}/interactions", json=bad, headers=headers
        )
        assert answer.status_code == 422, (bad, answer.text)
    for bad in [{"kind": None}, {"occurred_at": None}, {"duration_minutes": 5000}]:
        answer = await running.client.patch(
            f"/v1/interactions/{logged[0]['id']}", json=bad, headers=headers
        )
        assert answer.status_code == 422, (bad, answer.text)
    for hostile in HOSTILE:
        for url in (f"/v1/interactions/{hostile}", f"/v1/contacts/{hostile}/interactions"):
            answer = await running.client.get(url, headers=headers)
            assert answer.status_code in (404, 422), (url, answer.status_code)
    bad_cursor = await running.client.get(
        f"/v1/contacts/{bea}/interactions", params={"cursor": "nope"}, headers=headers
    )
    assert bad_cursor.status_code == 400

    # Deleting the contact takes its interactions with it.
    assert (await running.client.delete(f"/v1/contacts/{bea}", headers=headers)).status_code == 204
    left = await running.client.get(f"/v1/interactions/{logged[0]['id']}", headers=headers)
    assert left.status_code == 404


async def test_synced_interactions_cannot_be_edited_and_record_is_idempotent(
    running: Running,
) -> None:
    user, headers = new_user("ana")
    bea = await add_contact(running, headers, "Bea", "bea@example.org")
    scope = SyncScope(user, uuid.uuid4().hex, "imap", None)
    message = mail(1, "bea@example.org", [ME], "Hello")
    await sync(running, scope, EMAIL, [Change(EMAIL, message.external_id, "INBOX", message, None)])
    [synced] = await listed(running, headers, bea)
    for method, body in (("PATCH", {"subject": "Changed"}), ("DELETE", None)):
        answer = await running.client.request(
            method, f"/v1/interactions/{synced['id']}", json=body, headers=headers
        )
        assert answer.status_code == 409, answer.text
        assert answer.json()["type"].endswith("interaction-synced")
        assert "synced e-mail" in answer.json()["detail"]

    service = running.services.interactions
    draft = InteractionDraft(
        kind="message",
        occurred_at=T0,
        external_id="conversation:msg-1",
        source="conversation",
        summary="Had coffee with Bea, great fun",
    )
    first = await service.record(user, bea, draft)
    again = await service.record(user, bea, draft)
    assert first.id == again.id
    assert first.sentiment > 0
    assert first.editable is True
    assert len(await listed(running, headers, bea, kind="message")) == 1
    zed, _ = new_user("zed")
    with pytest.raises(ProblemError) as refused:
        await service.record(zed, bea, draft)
    assert refused.value.status == 404

    # Open threads: an inbound mail without a later reply in its thread.
    reply = mail(5, ME, ["bea@example.org"], "Re: Hello").model_copy(
        update={"thread_id": "t-1", "sent_at": T0 + timedelta(days=1)}
    )
    unanswered = mail(6, "bea@example.org", [ME], "Question")
    await sync(
        running,
        scope,
        EMAIL,
        [Change(EMAIL, m.external_id, "INBOX", m, None) for m in (reply, unanswered)],
    )
    assert [i.subject for i in await service.open_threads(user, bea)] == ["Question"]
    recent = await service.recent(user, bea, limit=2)
    assert [i.subject for i in recent] == ["Re: Hello", "Question"]


async def test_merge_keeps_every_interaction_and_calls_the_hooks(
    running: Running, infra: Infra
) -> None:
    user, headers = new_user("ana")
    ana_work = await add_contact(running, headers, "Ana", "ana@work.example", company="Acme")
    ana_home = await add_contact(
        running, headers, "Ana Silva", "ana@home.example", title="Engineer", tags=["friend"]
    )
    scope = SyncScope(user, uuid.uuid4().hex, "imap", None)
    both = mail(1, ME, ["ana@work.example", "ana@home.example"], "To both of you")
    home_only = mail(2, "ana@home.example", [ME], "From home")
    await sync(
        running,
        scope,
        EMAIL,
        [Change(EMAIL, m.external_id, "INBOX", m, None) for m in (both, home_only)],
    )
    service = running.services.interactions
    await service.record(
        user, ana_home, InteractionDraft(kind="call", occurred_at=T0, summary="Phone call")
    )
    assert len(await listed(running, headers, ana_work)) == 1
    assert len(await listed(running, headers, ana_home)) == 3

    answer = await running.client.post(
        "/v1/contacts/merge", json={"into": ana_work, "merge": [ana_home]}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    merged = answer.json()
    assert merged["id"] == ana_work
    assert {e["value"] for e in merged["emails"]} == {"ana@work.example", "ana@home.example"}
    assert merged["company"] == "Acme"
    assert merged["title"] == "Engineer"
    assert merged["display_name"] == "Ana"  # the survivor's own name stays
    assert merged["tags"] == ["friend"]
    assert merged["relationship_strength"] > 0
    kept = await listed(running, headers, ana_work)
    # The mail to both counts once; the other mail and the call moved.
    assert sorted(i["subject"] or i["summary"] for i in kept) == [
        "From home",
        "Phone call",
        "To both of you",
    ]
    assert all(i["contact_id"] == ana_work for i in kept)
    gone = await running.client.get(f"/v1/contacts/{ana_home}", headers=headers)
    assert gone.status_code == 404
    deleted = (
        await announced(infra, user, "contact", 1, where=lambda r: r["data"]["action"] == "deleted")
    )[0]
    assert deleted["record_id"] == ana_home
    survivor = (
        await announced(infra, user, "contact", 1, where=lambda r: len(r["data"]["emails"]) == 2)
    )[0]
    assert (survivor["record_id"], survivor["data"]["action"]) == (ana_work, "updated")
    assert survivor["data"]["relationship_strength"] == merged["relationship_strength"]

    # A new mail from the merged address now reaches the survivor.
    later = mail(3, "ana@home.example", [ME], "Still me")
    await sync(running, scope, EMAIL, [Change(EMAIL, later.external_id, "INBOX", later, None)])
    assert len(await listed(running, headers, ana_work)) == 4

    # Hooks: each merged contact is re-pointed, then the survivor refreshed, in the transaction.
    calls: list[tuple[str, ...]] = []

    async def repoint(
        user_id: str, from_id: str, into_id: str, session: AsyncClientSession
    ) -> None:
        assert session.in_transaction
        calls.append(("repoint", user_id, from_id, into_id))

    async def refreshed(user_id: str, ids: Sequence[str], session: AsyncClientSession) -> None:
        calls.append(("refreshed", user_id, *ids))

    bo = await add_contact(running, headers, "Bo", "bo@example.org")
    bo2 = await add_contact(running, headers, "Bo B", "bo2@example.org")
    bo3 = await add_contact(running, headers, "Bo C", "bo3@example.org")
    merger = ContactMerger(
        client=running.mongo,
        store=ContactStore(running.db),
        announcer=RecordAnnouncer(Outbox(running.db)),
        repoint=[service.repoint, repoint],
        refreshed=[refreshed],
    )
    await merger.merge(user, ContactMerge(into=bo, merge=[bo2, bo3]))
    assert calls == [
        ("repoint", user, bo2, bo),
        ("repoint", user, bo3, bo),
        ("refreshed", user, bo),
    ]

    # Refusals: unknown or another user's contacts are 404, bad bodies 422; nothing changes.
    _zed, zed = new_user("zed")
    for body, status in [
        ({"into": ana_work, "merge": [bo]}, 404),
        ({"into": bo, "merge": ["nope"]}, 404),
        ({"into": bo, "merge": [bo]}, 422),
        ({"into": bo, "merge": []}, 422),
        ({"into": bo, "merge": [f"c{i}" for i in range(21)]}, 422),
        ({"into": bo, "merge": [ana_work, ana_work]}, 422),
        ({"into": "../x", "merge": [ana_work]}, 422),
        ({"into": bo}, 422),
    ]:
        answer = await running.client.post("/v1/contacts/merge", json=body, headers=zed)
        assert answer.status_code == status, (body, answer.text)
    assert (await contact(running, headers, ana_work))["id"] == ana_work
    assert (await contact(running, headers, bo))["id"] == bo


async def test_strength_rises_and_going_cold_flips_on_the_rhythm(
    running: Running, infra: Infra
) -> None:
    user, headers = new_user("ana")
    weekly = await add_contact(running, headers, "Weekly", "w@example.org", company="Acme")
    rare = await add_contact(running, headers, "Rare", "r@example.org", company="ACME ")
    silent = await add_contact(running, headers, "Silent", "s@example.org", company="Other")
    service = running.services.interactions
    now = datetime.now(UTC).replace(microsecond=0)
    for week in range(1, 7):  # six calls, a week apart, the last one a week ago
        draft = InteractionDraft(
            kind="call",
            direction="inbound" if week % 2 else "outbound",
            occurred_at=now - timedelta(days=7 * week),
            summary="Good talk",
        )
        await service.record(user, weekly, draft)
    await service.record(
        user, rare, InteractionDraft(kind="email", occurred_at=now - timedelta(days=40))
    )

    # A meeting still to come is not contact yet.
    await service.record(
        user, silent, InteractionDraft(kind="meeting", occurred_at=now + timedelta(days=30))
    )
    assert await service.recompute_all(now) >= 3
    strong = await contact(running, headers, weekly)
    weak = await contact(running, headers, rare)
    assert strong["relationship_strength"] > weak["relationship_strength"] > 0
    assert (await contact(running, headers, silent))["relationship_strength"] == 0
    assert strong["interaction_frequency"] == "weekly"
    assert strong["usual_gap_days"] == 7
    assert strong["cold_after_days"] == 14
    assert strong["going_cold"] is False
    assert weak["interaction_frequency"] == "rarely"

    # More and more recent interactions: stronger.
    await service.record(user, rare, InteractionDraft(kind="call", occurred_at=now))
    await service.recompute_all(now)
    assert (await contact(running, headers, rare))["relationship_strength"] > weak[
        "relationship_strength"
    ]

    # The last call was 7 days ago and the rhythm allows 14: cold from now + 7 days on.
    await service.recompute_all(now + timedelta(days=7) - timedelta(minutes=1))
    assert (await contact(running, headers, weekly))["going_cold"] is False
    await service.recompute_all(now + timedelta(days=7, minutes=1))
    cold = await contact(running, headers, weekly)
    assert cold["going_cold"] is True
    assert cold["relationship_strength"] < strong["relationship_strength"]
    flip = (
        await announced(infra, user, "contact", 1, where=lambda r: r["data"]["going_cold"] is True)
    )[0]
    assert flip["record_id"] == weekly
    assert flip["data"]["interaction_frequency"] == "weekly"

    # The list filters and sorts by it, paging each sort.
    async def page_all(**params: Any) -> list[str]:
        pages = await every_item(running.client, "/v1/contacts", headers, **params, limit=1)
        return [contact["id"] for contact in pages]

    assert await page_all(company="acme") == [rare, weekly]
    assert await page_all(going_cold=True) == [weekly]
    assert set(await page_all(going_cold=False)) == {rare, silent}
    assert set(await page_all(min_strength=0.0001)) == {rare, weekly}
    assert await page_all(max_strength=0) == [silent]
    by_strength = await page_all(sort="strength")
    strengths = [(await contact(running, headers, c))["relationship_strength"] for c in by_strength]
    assert strengths == sorted(strengths, reverse=True)
    assert len(by_strength) == 3
    assert await page_all(sort="name") == [rare, silent, weekly]
    assert await page_all(sort="last_interaction") == [rare, weekly, silent]
    assert await page_all(sort="strength", company="ACME") == [
        c for c in by_strength if c in (rare, weekly)
    ]

    first = await running.client.get(
        "/v1/contacts", params={"sort": "name", "limit": 1}, headers=headers
    )
    mismatched = await running.client.get(
        "/v1/contacts",
        params={"sort": "strength", "cursor": first.json()["next_cursor"]},
        headers=headers,
    )
    assert mismatched.status_code == 400
    for bad in [
        {"sort": "age"},
        {"min_strength": 2},
        {"max_strength": -0.1},
        {"min_strength": 0.8, "max_strength": 0.2},
        {"going_cold": "maybe"},
        {"company": " "},
    ]:
        answer = await running.client.get("/v1/contacts", params=bad, headers=headers)
        assert answer.status_code == 422, (bad, answer.text)


async def sailing_friend_of(running: Running, headers: dict[str, str], bea: str, cal: str) -> None:
    """Bea is into sailing and a friend of Cal's, said by hand."""
    interest = await running.client.post(
        f"/v1/contacts/{bea}/interests",
        json={"category": "sports", "topic": "sailing"},
        headers=headers,
    )
    assert interest.status_code == 201, interest.text
    linked = await running.client.put(
        f"/v1/contacts/{bea}/relationships/{cal}", json={"type": "friend"}, headers=headers
    )
    assert linked.status_code == 200, linked.text


async def test_a_contact_comes_with_the_parts_asked_for(running: Running) -> None:
    _user, headers = new_user("ana")
    bea = await add_contact(running, headers, "Bea", "bea@example.org", company="Acme")
    cal = await add_contact(running, headers, "Cal", "cal@example.org")
    for subject in ("Lunch", "Sailing plans"):
        answer = await running.client.post(
            f"/v1/contacts/{bea}/interactions", json={"subject": subject}, headers=headers
        )
        assert answer.status_code == 201, answer.text
    await sailing_friend_of(running, headers, bea, cal)

    plain = await contact(running, headers, bea)
    assert "interactions" not in plain
    assert "interests" not in plain

    answer = await running.client.get(
        f"/v1/contacts/{bea}",
        params={"include": "interactions,interests,relationships,memories"},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    profile = answer.json()
    assert profile["id"] == bea
    assert profile["company"] == "Acme"
    assert [i["subject"] for i in profile["interactions"]] == ["Sailing plans", "Lunch"]
    assert [(i["category"], i["topic"]) for i in profile["interests"]] == [("sports", "sailing")]
    assert [(r["other"]["id"], r["link"]["type"]) for r in profile["relationships"]] == [
        (cal, "friend")
    ]
    assert profile["memories"] == []

    only = await running.client.get(
        f"/v1/contacts/{bea}", params=[("include", "interests")], headers=headers
    )
    assert only.status_code == 200, only.text
    assert only.json()["interests"]
    assert only.json()["interactions"] is None

    bad = await running.client.get(
        f"/v1/contacts/{bea}", params={"include": "passwords"}, headers=headers
    )
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    _other, other_headers = new_user("bob")
    stolen = await running.client.get(
        f"/v1/contacts/{bea}", params={"include": "interactions"}, headers=other_headers
    )
    assert stolen.status_code == 404, stolen.text


async def test_every_change_to_contacts_and_interactions_is_audited(
    running: Running, infra: Infra
) -> None:
    """Each change leaves as an ``integrations.audit.recorded`` event for identity's log:
    by the user over HTTP (with address and endpoint), by a sync, with old and new values."""
    user, headers = new_user("ana")
    bea = await add_contact(running, headers, "Bea", "bea@example.org")
    cal = await add_contact(running, headers, "Cal", "cal@example.org")
    renamed = await running.client.patch(
        f"/v1/contacts/{bea}", json={"display_name": "Bea Lima"}, headers=headers
    )
    assert renamed.status_code == 200, renamed.text
    logged = await running.client.post(
        f"/v1/contacts/{bea}/interactions", json={"subject": "Lunch"}, headers=headers
    )
    assert logged.status_code == 201, logged.text
    interaction = logged.json()["id"]
    edited = await running.client.patch(
        f"/v1/interactions/{interaction}", json={"subject": "Long lunch"}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    await sailing_friend_of(running, headers, bea, cal)
    archived = await running.client.post(f"/v1/contacts/{cal}/archive", headers=headers)
    assert archived.status_code == 200, archived.text
    await sync(
        running,
        SyncScope(user, "conn-mail", "imap", None),
        EMAIL,
        [Change(EMAIL, "INBOX/7/1", "INBOX", mail(1, "bea@example.org", [ME], "Hello"), None)],
    )
    deleted = await running.client.delete(f"/v1/interactions/{interaction}", headers=headers)
    assert deleted.status_code == 204, deleted.text

    published = await collect(
        infra.kafka_bootstrap,
        Topic.INTEGRATIONS_AUDIT.value,
        lambda body: body.get("subject") == user,
        count=10,
    )
    entries = [body["data"] for body in published]
    assert [(e["action"], e["resource_type"], e["actor"]["kind"]) for e in entries] == [
        ("create", "contact", "user"),
        ("create", "contact", "user"),
        ("update", "contact", "user"),
        ("create", "interaction", "user"),
        ("update", "interaction", "user"),
        ("create", "interest", "user"),
        ("create", "relationship", "user"),
        ("archive", "contact", "user"),
        ("create", "interaction", "sync"),
        ("delete", "interaction", "user"),
    ]
    by_kind = {(e["action"], e["resource_type"], e["resource_id"]): e for e in entries}
    rename = by_kind[("update", "contact", bea)]
    assert rename["old_values"] == {"display_name": "Bea"}
    assert rename["new_values"] == {"display_name": "Bea Lima"}
    assert rename["api_endpoint"] == f"PATCH /v1/contacts/{bea}"
    assert rename["ip_address"] == "127.0.0.1"
    edit = by_kind[("update", "interaction", interaction)]
    assert edit["old_values"]["subject"] == "Lunch"
    assert edit["new_values"]["subject"] == "Long lunch"
    assert by_kind[("archive", "contact", cal)]["new_values"]["is_archived"] is True
    assert by_kind[("delete", "interaction", interaction)]["new_values"] is None
    [synced] = [e for e in entries if e["actor"]["kind"] == "sync"]
    assert synced["new_values"]["subject"] == "Hello"
    assert synced["ip_address"] is None
    assert synced["api_endpoint"] is None
    internal = {"match_keys", "name_keys", "sort_name", "company_key", "hand", "digest"}
    assert not [k for e in entries for k in (e["new_values"] or {}) if k in internal]


async def test_export_lists_the_users_interactions(running: Running) -> None:
    user, headers = new_user("ana")
    bea = await add_contact(running, headers, "Bea", "bea@example.org")
    await running.client.post(
        f"/v1/contacts/{bea}/interactions", json={"summary": "Coffee"}, headers=headers
    )
    answer = await running.client.get("/internal/privacy/export", headers=headers)
    assert answer.status_code == 200, answer.text
    exported = answer.json()["collections"]["interactions"]
    assert [(i["contact_id"], i["summary"], i["user_id"]) for i in exported] == [
        (bea, "Coffee", user)
    ]


async def test_a_contact_purged_with_its_account_takes_its_interactions(running: Running) -> None:
    user, headers = new_user("ana")
    connection = uuid.uuid4().hex
    card = Contact(uid="c1", full_name="Bea", emails=[LabeledValue(value="bea@example.org")])
    [created] = await running.apply(
        SyncScope(user, connection, "carddav", None),
        [Change(RecordKind.CONTACT, "/ab/c1.vcf", "/ab/", card, "e1")],
        RecordKind.CONTACT,
    )
    bea = created.record_id
    answer = await running.client.post(
        f"/v1/contacts/{bea}/interactions", json={"summary": "Coffee"}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    purged = await running.purge(user, connection, RecordKind.CONTACT)
    assert [(a.record_id, a.action) for a in purged] == [(bea, Action.DELETED)]
    left = await running.client.get(f"/v1/interactions/{answer.json()['id']}", headers=headers)
    assert left.status_code == 404


def recurring_one_on_one(
    first: datetime, *more: str, uid: str = "one-on-one", rule: str = "FREQ=WEEKLY"
) -> CalendarEvent:
    """A half-hour with Ana and Bo from ``first``, weekly unless ``rule`` says otherwise, as a
    CalDAV server has it (its iCalendar text kept for expansion); ``more``: master lines
    (EXDATE) or overridden occurrences (whole VEVENTs)."""
    stamp = occurrence_key
    lines = [m for m in more if not m.startswith("BEGIN:VEVENT")]
    overrides = [m for m in more if m.startswith("BEGIN:VEVENT")]
    text = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{stamp(first)}\r\n"
        f"DTEND:{stamp(first + timedelta(minutes=30))}\r\nRRULE:{rule}\r\n"
        f"SUMMARY:1:1\r\nORGANIZER:mailto:{ME}\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@acme.example\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:bo@acme.example\r\n"
        + "".join(f"{line}\r\n" for line in lines)
        + "END:VEVENT\r\n"
        + "".join(overrides)
        + "END:VCALENDAR\r\n"
    )
    event = event_from_ical(text)
    assert event is not None
    assert event.recurring
    return event


def moved_without_bo(original: datetime, start: datetime) -> str:
    """An overridden occurrence of the 1:1: moved to ``start``, Bo declined."""
    return (
        "BEGIN:VEVENT\r\nUID:one-on-one\r\nDTSTAMP:20260101T000000Z\r\n"
        f"RECURRENCE-ID:{occurrence_key(original)}\r\nDTSTART:{occurrence_key(start)}\r\n"
        f"DTEND:{occurrence_key(start + timedelta(minutes=30))}\r\nSUMMARY:1:1 (moved)\r\n"
        f"ORGANIZER:mailto:{ME}\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@acme.example\r\n"
        "ATTENDEE;PARTSTAT=DECLINED:mailto:bo@acme.example\r\nEND:VEVENT\r\n"
    )


async def every_interaction(
    running: Running, headers: dict[str, str], contact_id: str
) -> dict[str, datetime]:
    """The contact's interactions, every page: id → when."""
    path = f"/v1/contacts/{contact_id}/interactions"
    items = await every_item(running.client, path, headers, limit=100)
    return {item["id"]: datetime.fromisoformat(item["occurred_at"]) for item in items}


async def test_a_weekly_meeting_gives_an_interaction_per_occurrence(running: Running) -> None:
    user, headers = new_user("ana")
    ana = await add_contact(running, headers, "Ana", "ana@acme.example")
    bo = await add_contact(running, headers, "Bo", "bo@acme.example")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = now - timedelta(weeks=10, hours=1)
    weeks = [first + timedelta(weeks=k) for k in range(30)]
    past, ahead = weeks[:11], [w for w in weeks[11:] if w < now + timedelta(days=60)]
    scope = SyncScope(user, uuid.uuid4().hex, "caldav", None)
    href = "/cal/one-on-one.ics"
    [series] = await sync(
        running, scope, EVENT, [Change(EVENT, href, "/cal/", recurring_one_on_one(first))]
    )

    def ids(contact_id: str, moments: Sequence[datetime]) -> set[str]:
        return {f"{series.record_id}@{occurrence_key(m)}:{contact_id}" for m in moments}

    for contact_id in (ana, bo):
        found = await every_interaction(running, headers, contact_id)
        # One per occurrence that happened, and the next ones within the horizon (they count
        # once they happen): not one at the series' first start.
        assert set(found) == ids(contact_id, past + ahead)
        assert sorted(m for m in found.values() if m <= now) == past
        profile = await contact(running, headers, contact_id)
        assert profile["interaction_frequency"] == "weekly"
        assert profile["usual_gap_days"] == 7
        assert datetime.fromisoformat(profile["last_interaction_at"]) == past[-1]
    docs = await running.db["interactions"].find({"user_id": user}).to_list(None)
    assert {d["source_record_id"] for d in docs} == {series.record_id}

    # The same series handed over again (a replayed page) changes nothing.
    before = {d["_id"]: d["updated_at"] for d in docs}

    async def replay(session: AsyncClientSession) -> None:
        await running.services.interactions.follow(scope, EVENT, [series], session)

    await running.txn(replay)
    again = await running.db["interactions"].find({"user_id": user}).to_list(None)
    assert {d["_id"]: d["updated_at"] for d in again} == before

    # One week excluded, one moved a day on with Bo declining: the excluded week is no
    # interaction with anyone, the moved one is Ana's alone, at its new time.
    excluded, moved = past[5], past[7]
    changed = recurring_one_on_one(
        first,
        f"EXDATE:{occurrence_key(excluded)}",
        moved_without_bo(moved, moved + timedelta(days=1)),
    )
    await sync(running, scope, EVENT, [Change(EVENT, href, "/cal/", changed)])
    found_ana = await every_interaction(running, headers, ana)
    found_bo = await every_interaction(running, headers, bo)
    assert set(found_ana) == ids(ana, [w for w in past + ahead if w != excluded])
    assert found_ana[f"{series.record_id}@{occurrence_key(moved)}:{ana}"] == moved + timedelta(
        days=1
    )
    assert set(found_bo) == ids(bo, [w for w in past + ahead if w not in (excluded, moved)])

    # A month on, the hourly job rolls the series forward: the weeks that came within the
    # horizon since are interactions too.
    later = now + timedelta(days=30)
    graph = running.services.graph
    assert await running.services.interactions.roll_forward(later, followers=[graph.follow]) >= 1
    rolled = [w for w in weeks[11:] if w < later + timedelta(days=60)]
    assert len(rolled) > len(ahead)
    assert set(await every_interaction(running, headers, ana)) == ids(
        ana, [w for w in past + rolled if w != excluded]
    )
    # Handed to the contact graph too: Ana and Bo met at each week that happened but the
    # excluded one and the one Bo declined.
    a, b = sorted((ana, bo))
    link = await running.db["contact_links"].find_one({"user_id": user, "a": a, "b": b})
    assert link is not None
    assert link["shared_interactions"] == len(past) - 2
    marker = await running.db["interaction_series"].find_one({"_id": series.record_id})
    assert marker is not None
    assert marker["user_id"] == user
    assert as_utc(marker["derived_through"]) == later + timedelta(days=60)

    # Ana merged into a card of her own: each occurrence moves under its own id, which the
    # series derives again for the card she now is, so rolling it on adds only the weeks the
    # horizon newly reaches.
    card = await add_contact(running, headers, "Ana Lima", "ana.lima@home.example")
    merged = await running.client.post(
        "/v1/contacts/merge", json={"into": card, "merge": [ana]}, headers=headers
    )
    assert merged.status_code == 200, merged.text
    kept = [w for w in past + rolled if w != excluded]
    assert set(await every_interaction(running, headers, card)) == ids(card, kept)
    moved_before = await running.db["interactions"].find({"contact_id": card}).to_list(None)
    next_day = later + timedelta(days=1)
    assert await running.services.interactions.roll_forward(next_day) >= 1
    reached = [
        w for w in weeks[11:] if later + timedelta(days=60) <= w < next_day + timedelta(days=60)
    ]
    assert set(await every_interaction(running, headers, card)) == ids(card, kept + reached)
    after_roll = {
        d["_id"]: d["updated_at"]
        for d in await running.db["interactions"].find({"contact_id": card}).to_list(None)
    }
    assert {d["_id"]: d["updated_at"] for d in moved_before}.items() <= after_roll.items()

    # The series deleted at the source: every occurrence's interaction goes with it.
    await sync(running, scope, EVENT, [Change(EVENT, href, "/cal/", None)])
    assert await every_interaction(running, headers, card) == {}
    assert await every_interaction(running, headers, bo) == {}
    assert await running.db["interaction_series"].find_one({"_id": series.record_id}) is None
    assert (await contact(running, headers, card))["last_interaction_at"] is None


async def test_a_page_of_many_series_leaves_the_rest_to_the_roll_forward(
    running: Running,
) -> None:
    user, headers = new_user("ana")
    ana = await add_contact(running, headers, "Ana", "ana@acme.example")
    first = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=400)
    scope = SyncScope(user, uuid.uuid4().hex, "caldav", None)
    # Fourteen daily series: each is capped and expanded around now (some 160 occurrences
    # up to the horizon), and a page stops expanding once its series gave 2,000.
    dailies = [recurring_one_on_one(first, uid=f"daily-{n}", rule="FREQ=DAILY") for n in range(14)]
    changes: list[Change[Any]] = [
        Change(EVENT, f"/cal/daily-{n}.ics", "/cal/", event) for n, event in enumerate(dailies)
    ]
    applied = await sync(running, scope, EVENT, changes)
    series = {a.record_id for a in applied}

    async def per_series() -> dict[str, int]:
        counts = dict.fromkeys(series, 0)
        async for doc in running.db["interactions"].find({"user_id": user, "contact_id": ana}):
            counts[doc["source_record_id"]] += 1
        return counts

    counts = await per_series()
    [left] = [record_id for record_id, n in counts.items() if n == 0]
    each = max(counts.values())
    assert 100 < each <= 200
    assert sorted(counts.values()) == [0] + [each] * 13
    marker = await running.db["interaction_series"].find_one({"_id": left})
    assert marker is not None  # written in the page's transaction: it is not lost

    assert await running.services.interactions.roll_forward(datetime.now(UTC)) >= 1
    assert sorted((await per_series()).values()) == [each] * 14


async def test_a_series_synced_before_occurrences_counted_is_derived_anew_once(
    running: Running,
) -> None:
    user, headers = new_user("ana")
    ana = await add_contact(running, headers, "Ana", "ana@acme.example")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    first = now - timedelta(weeks=3, hours=1)
    scope = SyncScope(user, uuid.uuid4().hex, "caldav", None)
    change = Change(EVENT, "/cal/one-on-one.ics", "/cal/", recurring_one_on_one(first))
    [series] = await sync(running, scope, EVENT, [change])
    # As an earlier version left it: one interaction at the series' first start, no marker.
    interactions = running.db["interactions"]
    [template] = await interactions.find({"user_id": user}).limit(1).to_list(None)
    await interactions.delete_many({"user_id": user})
    await running.db["interaction_series"].delete_many({"user_id": user})
    legacy = {
        **template,
        "_id": f"{series.record_id}:{ana}",
        "external_id": series.record_id,
        "occurred_at": first,
    }
    await interactions.insert_one(legacy)

    calendar = running.services.calendar
    service = running.services.interactions
    assert await service.seed_existing_series(calendar.recurring_after) >= 1
    assert await service.roll_forward(datetime.now(UTC)) >= 1
    weeks = [first + timedelta(weeks=k) for k in range(4)]
    found = await every_interaction(running, headers, ana)
    assert {i for i, at in found.items() if at <= now} == {
        f"{series.record_id}@{occurrence_key(w)}:{ana}" for w in weeks
    }
    assert legacy["_id"] not in found
    # Once per database: a later run seeds nothing.
    assert await service.seed_existing_series(calendar.recurring_after) == 0
