"""A calendar and a mailbox connected through the gateway, on the whole stack.

Radicale (CalDAV, CardDAV) and pymap (IMAP) run on loopback, seeded with the demo data of
``make run-demo`` (``muninn_devstack.demo``); the suite's integrations service may reach them
exactly as the demo's may. A user connects them with ``/v1/integrations``; within a minute
memory answers questions about a past meeting and a mail, and the reminder for the meeting a
few minutes ahead fires before it starts. Erasure and export, the other end of a user's
data, are checked against the integrations database itself.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from muninn_devstack.dav import RadicaleServer, start_radicale
from muninn_devstack.demo import (
    DAV_PASSWORD,
    DAV_USER,
    IMAP_PASSWORD,
    IMAP_USER,
    seed_address_book,
    seed_calendar,
    seed_mailbox,
)
from muninn_devstack.demo_data import ANA, DemoData, demo_data, ical_feed
from muninn_devstack.mail import MailServer, start_pymap
from muninn_devstack.servers import free_port
from muninn_shared.privacy import SECRET_FIELD_SUFFIXES
from pymongo import AsyncMongoClient

from tests.integration.e2e import Doc, User, register
from tests.integration.end_to_end.pim import (
    ERASURE_TIMEOUT,
    connect,
    counts,
    erase,
    field_names,
    mentions,
    synced,
)
from tests.integration.suite import Suite

MEMORY_DEADLINE = 60.0
"""The acceptance bound: connected calendar and mail answer memory search within a minute."""
UPCOMING_IN = timedelta(minutes=1, seconds=40)
"""Its reminder (a minute ahead) is due 40 s after seeding: a calendar reminder is only made
while its time is ahead, and the calendar is connected and synced within a few seconds."""
REMINDER_LEAD_MINUTES = 1

INTEGRATIONS_COLLECTIONS = (
    "connections",
    "vault_entries",
    "sync_jobs",
    "sync_states",
    "calendar_events",
    "contacts",
    "contact_sources",
    "mail_messages",
    "interactions",
    "contact_links",
    "contact_interests",
)
"""Where the integrations service keeps a user who synced a calendar, contacts and mail (and
what it derived: interactions, who knows whom, interests; see test_relationships.py for
briefings and contact memories)."""
FORBIDDEN_EXPORT_FIELDS = (
    "password",
    "ciphertext",
    "secret",
    "data_key",
    "wrapped",
    "access_token",
    "refresh_token",
)
"""Parts of a field name that would mean a credential or a key reached the export."""


FEED_TOKEN = "feed-token-" + uuid.uuid4().hex
"""The private part of a published calendar's address: a password by another name."""


@dataclass(frozen=True)
class Sources:
    radicale: RadicaleServer
    mail: MailServer
    data: DemoData
    feed_port: int

    @property
    def dav_url(self) -> str:
        return self.radicale.url + "/"

    @property
    def imap_url(self) -> str:
        return f"imap://{self.mail.host}:{self.mail.port}"

    @property
    def feed_url(self) -> str:
        return f"http://127.0.0.1:{self.feed_port}/calendars/{FEED_TOKEN}.ics"


@contextmanager
def published(feed: bytes) -> Iterator[int]:
    """The demo calendar as a published ICS feed at its private address; the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path == f"/calendars/{FEED_TOKEN}.ics"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(feed) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(feed)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sources(suite: Suite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sources]:
    """The demo's servers and data, the upcoming meeting a few minutes from now.

    After the suite (it may take a while to start): the minutes until the meeting are for the
    test, not for start-up.
    """
    radicale = start_radicale(tmp_path_factory.mktemp("radicale"), {DAV_USER: DAV_PASSWORD})
    mail = start_pymap(
        free_port(),
        Path(tmp_path_factory.mktemp("pymap")) / "pymap.log",
        user=IMAP_USER,
        password=IMAP_PASSWORD,
    )
    try:
        now = datetime.now(UTC)
        data = demo_data(now, upcoming_in=UPCOMING_IN)
        seed_calendar(radicale.url, DAV_USER, DAV_PASSWORD, data)
        seed_address_book(radicale.url, DAV_USER, DAV_PASSWORD, data)
        seed_mailbox(mail, data)
        with published(ical_feed(data.meetings, now).encode()) as feed_port:
            yield Sources(radicale=radicale, mail=mail, data=data, feed_port=feed_port)
    finally:
        mail.process.stop()
        radicale.stop()


# -- helpers -------------------------------------------------------------------------------------


async def connect_all(client: httpx.AsyncClient, user: User, sources: Sources) -> list[str]:
    return [
        await connect(client, user, "caldav", sources.dav_url, DAV_USER, DAV_PASSWORD),
        await connect(client, user, "carddav", sources.dav_url, DAV_USER, DAV_PASSWORD),
        await connect(client, user, "imap", sources.imap_url, IMAP_USER, IMAP_PASSWORD),
        await connect(client, user, "ics", sources.feed_url),
    ]


@dataclass(frozen=True)
class Answer:
    content: str
    seconds: float
    """After how long (from ``started``) the search first returned it."""


async def first_answer(
    client: httpx.AsyncClient,
    user: User,
    query: str,
    matches: Callable[[str], bool],
    started: float,
) -> Answer | None:
    """The first memory in the search results that ``matches``.

    Polls past the bound the test asserts, so a failure says how late the answer was.
    """
    while time.monotonic() - started < 2 * MEMORY_DEADLINE:
        response = await client.post(
            "/v1/memories/search", json={"query": query, "limit": 5}, headers=user.headers
        )
        assert response.status_code == 200, response.text
        for result in response.json()["results"]:
            content = (result.get("memory") or {}).get("content", "")
            if matches(content):
                return Answer(str(content), time.monotonic() - started)
        await asyncio.sleep(0.5)
    return None


# -- calendar and mail answer memory, and remind -------------------------------------------------


async def test_connected_calendar_and_mail_answer_memory_and_remind_before_the_meeting(
    client: httpx.AsyncClient, sources: Sources
) -> None:
    user = await register(client, "pim")
    preferences = await client.patch(
        "/v1/me/preferences",
        json={"notifications": {"event_reminder_minutes": REMINDER_LEAD_MINUTES}},
        headers=user.headers,
    )
    assert preferences.status_code == 200, preferences.text
    connected = time.monotonic()
    await connect(client, user, "caldav", sources.dav_url, DAV_USER, DAV_PASSWORD)
    await connect(client, user, "imap", sources.imap_url, IMAP_USER, IMAP_PASSWORD)

    met_ana = [
        m.title
        for m in sources.data.meetings
        if ANA in m.attendees and m is not sources.data.upcoming
    ]
    assert met_ana
    meeting, mail = await asyncio.gather(
        first_answer(
            client,
            user,
            "When did I last meet Ana?",
            lambda content: content.startswith("Calendar:") and any(t in content for t in met_ana),
            connected,
        ),
        first_answer(
            client,
            user,
            "What did my landlord say about the deposit?",
            lambda content: content.startswith("E-mail") and "deposit" in content,
            connected,
        ),
    )
    assert meeting is not None, f"no meeting with Ana found in {2 * MEMORY_DEADLINE:.0f}s"
    assert mail is not None, f"the landlord's mail not found in {2 * MEMORY_DEADLINE:.0f}s"
    print(f"answered after {meeting.seconds:.1f}s (meeting) and {mail.seconds:.1f}s (mail)")
    assert meeting.seconds <= MEMORY_DEADLINE, f"the meeting took {meeting.seconds:.1f}s"
    assert mail.seconds <= MEMORY_DEADLINE, f"the mail took {mail.seconds:.1f}s"
    assert "Greta Hall" in mail.content

    # The reminder goes off before the meeting: polled until a little after its start, so a
    # late one fails with what it was rather than a timeout.
    upcoming = sources.data.upcoming
    reminder = await fired_reminder(client, user, upcoming.title, upcoming.start)
    assert reminder is not None, f"no reminder for {upcoming.title!r} fired by its start"
    due = upcoming.start - timedelta(minutes=REMINDER_LEAD_MINUTES)
    assert reminder["source"]["kind"] == "calendar"
    fired_at = datetime.fromisoformat(reminder["last_fired_at"])
    assert due - timedelta(seconds=1) <= fired_at < upcoming.start, reminder

    notifications = await client.get(
        "/v1/notifications", params={"kind": "reminder"}, headers=user.headers
    )
    assert notifications.status_code == 200, notifications.text
    delivered = [n for n in notifications.json()["items"] if n["ref_id"] == reminder["id"]]
    assert delivered, notifications.json()
    assert upcoming.title in delivered[0]["title"]
    assert datetime.fromisoformat(delivered[0]["delivered_at"]) < upcoming.start


async def fired_reminder(
    client: httpx.AsyncClient, user: User, title: str, starts: datetime
) -> Doc | None:
    deadline = starts + timedelta(seconds=30)
    while datetime.now(UTC) < deadline:
        listed = await client.get("/v1/reminders", headers=user.headers)
        assert listed.status_code == 200, listed.text
        for reminder in listed.json()["items"]:
            if reminder["title"] == title and reminder["status"] == "fired":
                found: Doc = reminder
                return found
        await asyncio.sleep(1.0)
    return None


# -- export and erasure --------------------------------------------------------------------------


async def test_export_shows_synced_records_without_secrets_and_erasure_removes_them(
    client: httpx.AsyncClient,
    suite: Suite,
    sources: Sources,
    mongo: AsyncMongoClient[Doc],
) -> None:
    db = mongo[suite.database("integrations")]
    erased, kept = await register(client, "erased"), await register(client, "kept")
    erased_connections = await connect_all(client, erased, sources)
    kept_connections = await connect_all(client, kept, sources)
    await synced(client, erased, erased_connections)
    await synced(client, kept, kept_connections)

    before = await counts(db, erased.id)
    kept_before = await counts(db, kept.id)
    for name in INTEGRATIONS_COLLECTIONS:
        assert before.get(name, 0) > 0, f"nothing in {name} to erase: {before}"
        assert kept_before.get(name, 0) > 0, f"nothing in {name} to keep: {kept_before}"

    # The feed's private address is stored nowhere in the clear (only sealed in the vault).
    assert not await mentions(db, [FEED_TOKEN])

    # -- export: the synced records, and no secret in any form
    exported = await client.post("/v1/me/export", headers=erased.headers)
    assert exported.status_code == 200, exported.text
    part = exported.json()["services"]["integrations"]
    titles = {doc.get("title") for doc in part.get("calendar_events", [])}
    assert {m.title for m in sources.data.meetings} <= titles, titles
    subjects = {doc.get("subject") for doc in part.get("mail_messages", [])}
    assert {m.subject for m in sources.data.mails} <= subjects, subjects
    contacts = json.dumps(part.get("contacts", []))
    assert all(c.email in contacts for c in sources.data.contacts if c.email), contacts
    assert len(part.get("connections", [])) == len(erased_connections)

    keys = field_names(part)
    assert not [k for k in keys if k.endswith(SECRET_FIELD_SUFFIXES)], keys
    assert not [k for k in keys if any(word in k.lower() for word in FORBIDDEN_EXPORT_FIELDS)], keys
    text = exported.text
    for secret in (DAV_PASSWORD, IMAP_PASSWORD, FEED_TOKEN):
        assert secret not in text
    async for entry in db["vault_entries"].find({"user_id": erased.id}):
        for name in ("data_key_ciphertext", "secret_ciphertext"):
            sealed = bytes(entry[name])
            assert sealed.hex() not in text, name
            assert sealed.hex()[:32] not in text, name

    # -- erasure: nothing of the user is left, the other user's data is untouched
    status = await erase(client, erased)
    assert status["services"]["integrations"]["status"] == "completed", status

    after = await counts(db, erased.id)
    assert not {name: n for name, n in after.items() if n}, after
    # Nothing refers to the user or their connections by any other field either; the
    # erasure's own receipt leaves through the outbox shortly after, so give it that.
    needles = [erased.id, *erased_connections]
    leftovers = await mentions(db, needles)
    deadline = time.monotonic() + ERASURE_TIMEOUT
    while leftovers and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        leftovers = await mentions(db, needles)
    assert not leftovers, f"still stored after erasure: {leftovers}"

    # (A scheduled sync may have added a job for the kept user meanwhile: never fewer.)
    kept_after = await counts(db, kept.id)
    for name in INTEGRATIONS_COLLECTIONS:
        assert kept_after.get(name, 0) >= kept_before[name], (name, kept_before, kept_after)
    listed = await client.get("/v1/integrations/connections", headers=kept.headers)
    assert sorted(c["id"] for c in listed.json()["items"]) == sorted(kept_connections)
