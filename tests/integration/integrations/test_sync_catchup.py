"""Contacts synced after the mail and meetings they are on catch up with them.

A calendar, a mailbox and an address book are three connections, synced as three jobs in
whatever order they run. Through the real app and its sync service (scripted sources,
real MongoDB): mail and meetings synced before their people are contacts give them
interactions, links, interests and briefings once the address book syncs, exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from muninn_integrations.calendar.models import Attendee, CalendarEvent, Person, ResponseStatus
from muninn_integrations.connections.models import Provider
from muninn_integrations.connectors.port import (
    Change,
    Collection,
    Connector,
    RecordKind,
    SyncPage,
)
from muninn_integrations.connectors.registry import ConnectorRegistry, Endpoint
from muninn_integrations.contacts.models import Contact, LabeledValue
from muninn_integrations.deps import IntegrationsServices
from muninn_integrations.mail.models import MailAddress, MailMessage
from muninn_integrations.main import create_app

from tests.integration.infra import Infra
from tests.integration.integrations.app_support import registry_of, serving, settings_for
from tests.integration.integrations.records_support import new_user

ME = "me@home.example"
ANA = "ana@acme.example"
BEN = "Ben@Acme.example"  # as a server may spell it; the contact has it in lower case
NOW = datetime.now(UTC).replace(microsecond=0)
KINDS = {
    Provider.CALDAV: RecordKind.CALENDAR_EVENT,
    Provider.CARDDAV: RecordKind.CONTACT,
    Provider.IMAP: RecordKind.EMAIL,
}
URLS = {
    Provider.CALDAV: "https://dav.example.org/",
    Provider.CARDDAV: "https://dav.example.org/",
    Provider.IMAP: "imaps://mail.example.org",
}


def meeting(uid: str, title: str, start: datetime) -> CalendarEvent:
    return CalendarEvent(
        uid=uid,
        title=title,
        start=start,
        end=start + timedelta(hours=1),
        organizer=Person(email=ME, name="Me"),
        attendees=[
            Attendee(email=address, response_status=ResponseStatus.ACCEPTED)
            for address in (ANA, BEN)
        ],
    )


def slides_from_ana(meeting_start: datetime) -> MailMessage:
    """Ana's e-mail to the user, three hours before the review meeting."""
    return MailMessage(
        external_id="INBOX/1/1",
        mailbox="INBOX",
        uid=1,
        uidvalidity=1,
        thread_id="t-1",
        subject="Slides for the review",
        sender=MailAddress(address=ANA, name="Ana"),
        to=[MailAddress(address=ME, name="Me")],
        sent_at=meeting_start - timedelta(hours=3),
    )


def contact(uid: str, name: str, email: str) -> Contact:
    return Contact(uid=uid, full_name=name, emails=[LabeledValue(value=email)])


@dataclass
class Sources:
    """What each scripted server holds, by provider: external id → record."""

    records: dict[Provider, dict[str, Any]] = field(default_factory=dict)

    def page(self, provider: Provider) -> SyncPage[Any]:
        kind = KINDS[provider]
        changes = [
            Change(kind, external_id, "home", record, etag=uuid.uuid4().hex)
            for external_id, record in self.records.get(provider, {}).items()
        ]
        return SyncPage(changes=changes, cursor=uuid.uuid4().hex)


class ScriptedConnector:
    def __init__(self, sources: Sources, provider: Provider) -> None:
        self._sources = sources
        self._provider = provider

    async def check(self) -> list[Collection]:
        return [Collection(id="home", name="Home", kind=KINDS[self._provider])]

    async def changes(self, cursor: str | None, *, page_size: int) -> SyncPage[Any]:
        return self._sources.page(self._provider)

    async def aclose(self) -> None:
        return None


def registry_for(sources: Sources) -> ConnectorRegistry:
    def opener(endpoint: Endpoint) -> Connector[Any]:
        return ScriptedConnector(sources, endpoint.provider)

    return registry_of(opener, [(p, kind, "app_password", False) for p, kind in KINDS.items()])


@dataclass
class Running:
    client: httpx.AsyncClient
    services: IntegrationsServices
    sources: Sources
    db: Any


@pytest.fixture
async def running(infra: Infra, unique: str) -> AsyncIterator[Running]:
    settings = settings_for(
        infra,
        unique,
        sync_workers_enabled=False,  # the test runs each job itself, in its order
    )
    sources = Sources()
    app = create_app(settings, registry=registry_for(sources))
    async with serving(app) as client:
        yield Running(client, app.state.services, sources, app.state.runtime.db)


async def connected(running: Running, headers: dict[str, str], provider: Provider) -> str:
    body = {
        "provider": provider.value,
        "server_url": URLS[provider],
        "username": "me",
        "password": "app-password",
    }
    answer = await running.client.post("/v1/integrations/connections", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    connection_id: str = answer.json()["id"]
    return connection_id


async def synced(running: Running, user_id: str, connection_id: str) -> None:
    sync = running.services.sync
    await sync.request(user_id, connection_id, full=True)
    while await sync.run_next():
        pass
    jobs = await sync.page(user_id, connection_id=connection_id, limit=10, cursor=None)
    assert {job.status.value for job in jobs.items} == {"completed"}, jobs.items


async def test_contacts_synced_after_their_mail_and_meetings_catch_up_once(
    running: Running,
) -> None:
    user_id, headers = new_user("catchup")
    db = running.db
    past = NOW - timedelta(days=2)
    running.sources.records = {
        Provider.CALDAV: {
            "review.ics": meeting("review", "Kubernetes migration review", past),
            "roadmap.ics": meeting("roadmap", "Roadmap", NOW + timedelta(days=1)),
        },
        Provider.IMAP: {"INBOX/1/1": slides_from_ana(past)},
        Provider.CARDDAV: {
            "ana.vcf": contact("ana", "Ana Lima", ANA),
            "ben.vcf": contact("ben", "Ben Okafor", BEN.lower()),
        },
    }
    for provider in (Provider.CALDAV, Provider.IMAP):
        await synced(running, user_id, await connected(running, headers, provider))
    assert await db["interactions"].count_documents({"user_id": user_id}) == 0

    contacts_connection = await connected(running, headers, Provider.CARDDAV)
    await synced(running, user_id, contacts_connection)

    listed = await running.client.get("/v1/contacts", headers=headers)
    ids = {c["emails"][0]["value"]: c["id"] for c in listed.json()["items"]}
    ana, ben = ids[ANA], ids[BEN.lower()]

    async def derived() -> dict[str, Any]:
        interactions = sorted(
            [
                (d["contact_id"], d["kind"], d["direction"], d["subject"], d["provider"])
                async for d in db["interactions"].find({"user_id": user_id})
            ]
        )
        links = [
            (d["a"], d["b"], d["type"], d["shared_interactions"])
            async for d in db["contact_links"].find({"user_id": user_id})
        ]
        interests = sorted(
            [
                (d["contact_id"], d["topic"], d["evidence_count"])
                async for d in db["contact_interests"].find({"user_id": user_id})
            ]
        )
        briefings = sorted(
            [
                (d["contact_id"], d["event_title"])
                async for d in db["briefings"].find({"user_id": user_id})
            ]
        )
        return {
            "interactions": interactions,
            "links": links,
            "interests": interests,
            "briefings": briefings,
        }

    first = await derived()
    meetings = [
        (who, "meeting", "mutual", title, "caldav")
        for who in (ana, ben)
        for title in ("Kubernetes migration review", "Roadmap")
    ]
    assert first["interactions"] == sorted(
        [*meetings, (ana, "email", "inbound", "Slides for the review", "imap")]
    )
    a, b = sorted((ana, ben))
    # Both meetings are evidence, and both are at acme.example, a work domain.
    assert first["links"] == [(a, b, "colleague", 2)]
    assert (ana, "cloud and infrastructure", 1) in first["interests"]
    assert (ben, "cloud and infrastructure", 1) in first["interests"]
    assert first["briefings"] == sorted([(ana, "Roadmap"), (ben, "Roadmap")])

    # The address book changes (Ana's phone) and syncs again: nothing counts twice.
    running.sources.records[Provider.CARDDAV]["ana.vcf"] = contact(
        "ana", "Ana Lima", ANA
    ).model_copy(update={"phones": [LabeledValue(value="+351 912 345 678")]})
    await synced(running, user_id, contacts_connection)
    assert await derived() == first


async def test_a_contact_made_or_given_an_address_by_hand_catches_up(running: Running) -> None:
    user_id, headers = new_user("byhand")
    db = running.db
    past = NOW - timedelta(days=2)
    running.sources.records = {
        Provider.CALDAV: {"review.ics": meeting("review", "Kubernetes migration review", past)},
        Provider.IMAP: {"INBOX/1/1": slides_from_ana(past)},
    }
    for provider in (Provider.CALDAV, Provider.IMAP):
        await synced(running, user_id, await connected(running, headers, provider))

    async def interactions() -> list[tuple[str, str, str]]:
        return sorted(
            [
                (d["contact_id"], d["kind"], d["subject"])
                async for d in db["interactions"].find({"user_id": user_id})
            ]
        )

    async def links() -> list[tuple[str, str, int]]:
        return [
            (d["a"], d["b"], d["shared_interactions"])
            async for d in db["contact_links"].find({"user_id": user_id})
        ]

    made = await running.client.post(
        "/v1/contacts",
        json={"display_name": "Ana Lima", "emails": [{"value": ANA.upper()}]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    ana = made.json()["id"]
    assert await interactions() == [
        (ana, "email", "Slides for the review"),
        (ana, "meeting", "Kubernetes migration review"),
    ]

    # Ben is made with his home address, which is on nothing; his work one joins later.
    made = await running.client.post(
        "/v1/contacts",
        json={"display_name": "Ben Okafor", "emails": [{"value": "ben@home.example"}]},
        headers=headers,
    )
    ben = made.json()["id"]
    assert [i for i in await interactions() if i[0] == ben] == []
    both = [{"value": "ben@home.example"}, {"value": BEN}]
    edited = await running.client.patch(
        f"/v1/contacts/{ben}", json={"emails": both}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    caught_up = await interactions()
    assert (ben, "meeting", "Kubernetes migration review") in caught_up
    a, b = sorted((ana, ben))
    assert await links() == [(a, b, 1)]

    # An edit that adds no address, and the same addresses again, count nothing twice.
    for patch in ({"title": "Platform lead"}, {"emails": both}):
        answer = await running.client.patch(f"/v1/contacts/{ben}", json=patch, headers=headers)
        assert answer.status_code == 200, answer.text
    assert await interactions() == caught_up
    assert await links() == [(a, b, 1)]
