"""What the user says about their contacts in chat, through the real MongoDB (and Kafka):
interactions handed to the recorder, job changes kept on the contact and announced,
interests handed to the reinforcer; job changes at the source announced by the sink."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from muninn_integrations.connectors.port import Change, RecordKind
from muninn_integrations.contacts.models import (
    Contact,
    ContactCreate,
    ContactPatch,
    LabeledValue,
)
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.interactions.models import InteractionDraft
from muninn_integrations.mentions.service import MentionService
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action
from muninn_shared.events import Topic, new_event
from muninn_shared.events.payloads import MessageEvent
from muninn_shared.messaging.broker import create_broker, ensure_topics, publish_event
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import OUTBOX, Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.integration.infra import Infra
from tests.integration.integrations.records_support import Running, new_user, running, scope
from tests.integration.kafka_tools import collect

__all__ = ["running"]

CONTACT = RecordKind.CONTACT
SAID_AT = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
COFFEE = "had coffee with Ana today, she's starting at Spotify next month"


@dataclass
class Recorder:
    """The interactions feature as mentions see it: what it was asked to record."""

    calls: list[tuple[str, str, InteractionDraft, bool]] = field(default_factory=list)

    async def record(
        self,
        user_id: str,
        contact_id: str,
        draft: InteractionDraft,
        session: AsyncClientSession | None = None,
    ) -> None:
        self.calls.append((user_id, contact_id, draft, session is not None))


@dataclass
class Interests:
    calls: list[tuple[str, str, str, str, datetime]] = field(default_factory=list)

    async def reinforce_from_text(
        self,
        user_id: str,
        contact_id: str,
        text: str,
        *,
        source_id: str,
        at: datetime,
        session: AsyncClientSession | None = None,
    ) -> None:
        self.calls.append((user_id, contact_id, text, source_id, at))


def message(user: str, content: str, *, role: str = "user") -> MessageEvent:
    return MessageEvent(
        user_id=user,
        conversation_id="c-" + uuid.uuid4().hex[:8],
        message_id="m-" + uuid.uuid4().hex[:8],
        role=role,  # type: ignore[arg-type]
        content=content,
        created_at=SAID_AT,
    )


@dataclass
class Setup:
    mongo: AsyncMongoClient[dict[str, Any]]
    db: Any
    contacts: ContactService
    recorder: Recorder
    interests: Interests
    mentions: MentionService

    async def say(self, said: MessageEvent) -> int:
        return await in_transaction(
            self.mongo, lambda session: self.mentions.on_message(said, session)
        )

    async def contact(self, user: str, **fields: Any) -> str:
        made = await self.contacts.create(user, ContactCreate.model_validate(fields))
        return made.id

    async def records(self, user: str) -> list[dict[str, Any]]:
        """What was announced for ``user`` beyond the contacts the test made (each of which
        is announced as created)."""
        rows = (
            self.db[OUTBOX]
            .find({"envelope.subject": user, "envelope.data.data.action": {"$ne": "created"}})
            .sort("_id", 1)
        )
        return [row["envelope"]["data"] async for row in rows]


@pytest.fixture
async def setup(mongo: AsyncMongoClient[dict[str, Any]], unique: str) -> Setup:
    db = mongo[f"mentions_{unique}"]
    store = ContactStore(db)
    await store.ensure_indexes()
    announcer = RecordAnnouncer(Outbox(db))
    contacts = ContactService(client=mongo, store=store, announcer=announcer)
    recorder, interests = Recorder(), Interests()
    mentions = MentionService(
        contacts=contacts,
        announcer=announcer,
        recorder=recorder,
        interests=interests,
    )
    return Setup(mongo, db, contacts, recorder, interests, mentions)


async def test_coffee_and_a_new_job_said_in_chat(setup: Setup) -> None:
    user = uuid.uuid4().hex
    ana = await setup.contact(
        user, first_name="Ana", last_name="Silva", company="Acme", title="Designer"
    )
    said = message(user, COFFEE)

    assert await setup.say(said) == 2

    contact = await setup.contacts.get(user, ana)
    assert (contact.company, contact.title) == ("Spotify", None)
    [history] = contact.job_history
    assert (history.previous_company, history.previous_title) == ("Acme", "Designer")
    assert (history.company, history.effective_on, history.source) == (
        "Spotify",
        "2027-01-01",
        "conversation",
    )
    [record] = await setup.records(user)
    assert (record["record_type"], record["record_id"]) == ("contact", ana)
    assert record["data"]["action"] == "updated"
    assert record["data"]["company"] == "Spotify"
    assert record["data"]["job_change"] == {
        "previous_company": "Acme",
        "previous_title": "Designer",
        "company": "Spotify",
        "title": None,
        "effective_on": "2027-01-01",
        "source": "conversation",
        "detected_at": SAID_AT.isoformat(),
    }
    [(who, contact_id, draft, in_session)] = setup.recorder.calls
    assert (who, contact_id, in_session) == (user, ana, True)
    assert (draft.kind, draft.direction, draft.source) == ("meeting", "mutual", "conversation")
    assert draft.external_id == f"conversation:{said.message_id}:{ana}"
    assert draft.occurred_at == SAID_AT
    assert draft.summary == COFFEE
    assert draft.metadata == {
        "conversation_id": said.conversation_id,
        "message_id": said.message_id,
    }

    # The same message again (a redelivery), or the same news told again, changes nothing
    # on the contact; the interaction keeps its external id, so the recorder counts it once.
    assert await setup.say(said) == 1
    assert await setup.say(message(user, "Ana Silva is starting at spotify")) == 0
    assert len(await setup.records(user)) == 1
    assert len((await setup.contacts.get(user, ana)).job_history) == 1
    assert {call[2].external_id for call in setup.recorder.calls} == {draft.external_id}


async def test_names_resolve_to_one_live_contact_of_this_user(setup: Setup) -> None:
    user, other = uuid.uuid4().hex, uuid.uuid4().hex
    silva = await setup.contact(user, display_name="Ana Silva")
    costa = await setup.contact(user, first_name="Ana", last_name="Costa", company="Acme")
    rui = await setup.contact(user, display_name="Rui Reis")
    gone = await setup.contact(user, display_name="Bea Gone")
    await setup.contacts.set_archived(user, gone, True)
    await setup.contact(other, display_name="Cy Other")

    # Two Anas: "Ana" is no one in particular, and neither is the "she" after it.
    assert await setup.say(message(user, "met Ana yesterday, she loves jazz")) == 0
    assert await setup.say(message(user, "called Bea and texted Cy")) == 0  # archived, other's
    assert await setup.say(message(user, "I had lunch")) == 0
    assert await setup.say(message(user, "met Bob, he loves jazz")) == 0  # no Bob

    # A full name, case and accents aside; a first name only one contact has.
    assert await setup.say(message(user, "Yesterday I met ANA Costa and Rui.")) == 2
    assert [(c[1], c[2].kind, c[2].occurred_at.day) for c in setup.recorder.calls] == [
        (costa, "meeting", 4),
        (rui, "meeting", 4),
    ]
    # A pronoun is the contact named last before it.
    said = message(user, "Talked to Ana Silva on the phone. She is crazy about F1")
    assert await setup.say(said) == 2
    assert (setup.recorder.calls[-1][1], setup.recorder.calls[-1][2].kind) == (silva, "call")
    assert setup.interests.calls == [
        (user, silva, "F1", f"conversation:{said.message_id}", SAID_AT)
    ]
    # A job change for an unambiguous full name; "left" only a company the contact is at.
    assert await setup.say(message(user, "Ana Costa left Google")) == 0
    assert await setup.say(message(user, "Ana Costa left Acme")) == 1
    assert (await setup.contacts.get(user, costa)).company is None


async def test_an_edited_message_restates_the_interaction_of_its_original(setup: Setup) -> None:
    user = uuid.uuid4().hex
    ana = await setup.contact(user, display_name="Ana Silva")
    first = message(user, "met Ana yesterday")
    edit = message(user, "met Ana Silva yesterday").model_copy(
        update={"metadata": {"edited_from": first.message_id}}
    )
    await setup.say(first)
    await setup.say(edit)
    assert [call[2].external_id for call in setup.recorder.calls] == [
        f"conversation:{first.message_id}:{ana}"
    ] * 2


async def test_only_the_users_own_messages_are_read(setup: Setup) -> None:
    user = uuid.uuid4().hex
    await setup.contact(user, display_name="Ana Silva", company="Acme")
    assert await setup.say(message(user, COFFEE, role="assistant")) == 0
    assert setup.recorder.calls == []
    assert await setup.records(user) == []


async def test_without_recorder_or_interests_only_job_changes_apply(setup: Setup) -> None:
    user = uuid.uuid4().hex
    ana = await setup.contact(user, display_name="Ana Silva", company="Acme")
    alone = MentionService(contacts=setup.contacts, announcer=RecordAnnouncer(Outbox(setup.db)))
    said = message(user, COFFEE + ". She loves climbing")
    assert await in_transaction(setup.mongo, lambda s: alone.on_message(said, s)) == 1
    assert (await setup.contacts.get(user, ana)).company == "Spotify"


async def test_a_hand_edit_of_the_company_replaces_what_was_said(setup: Setup) -> None:
    user = uuid.uuid4().hex
    ana = await setup.contact(user, display_name="Ana Silva", company="Acme")
    await setup.say(message(user, "Ana joined Google as a product designer"))
    contact = await setup.contacts.get(user, ana)
    assert (contact.company, contact.title) == ("Google", "product designer")
    await setup.contacts.update(user, ana, ContactPatch(company="Initech"))
    contact = await setup.contacts.get(user, ana)
    assert (contact.company, contact.title) == ("Initech", None)
    doc = await setup.db["contacts"].find_one({"_id": ana})
    assert doc["said"] is None


# --- through the running service: Kafka in, the contact sink, Kafka out -------------------


def card(company: str | None, *, title: str | None = None, phone: str | None = None) -> Contact:
    return Contact(
        uid="ana",
        full_name="Ana Silva",
        given_name="Ana",
        family_name="Silva",
        emails=[LabeledValue(value="ana@x.example")],
        phones=[LabeledValue(value=phone)] if phone else [],
        organization=company,
        title=title,
    )


def synced(record: Contact, etag: str) -> Change[Any]:
    return Change(RecordKind.CONTACT, "/ab/ana.vcf", "/ab/", record, etag)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def test_said_in_chat_survives_a_resync_and_yields_to_the_source(
    running: Running, infra: Infra
) -> None:
    user, headers = new_user("ana")
    conn = uuid.uuid4().hex
    [created] = await running.apply(scope(user, conn), [synced(card("Acme"), "e1")], CONTACT)
    assert created.action is Action.CREATED
    assert "job_change" not in created.data
    ana = created.record_id

    said = message(user, COFFEE)
    await ensure_topics(infra.kafka_bootstrap)
    broker = create_broker(infra.kafka_bootstrap, client_id="mentions-test", tracer_provider=None)
    await broker.start()
    try:
        event = new_event(
            "conversation.message.created", source="conversation", subject=user, data=said
        )
        await publish_event(broker, Topic.CONVERSATION_MESSAGES.value, event)
    finally:
        await broker.stop()

    async def spotify() -> bool:
        answer = await running.client.get(f"/v1/contacts/{ana}", headers=headers)
        return bool(answer.json()["company"] == "Spotify")

    await eventually(spotify, 90, "the job change said in chat")
    [announced] = await collect(
        infra.kafka_bootstrap,
        Topic.INTEGRATIONS_RECORDS.value,
        lambda body: (
            body.get("subject") == user
            and (body.get("data") or {}).get("data", {}).get("job_change", {}).get("source")
            == "conversation"
        ),
    )
    assert announced["data"]["record_id"] == ana
    assert announced["data"]["data"]["job_change"]["previous_company"] == "Acme"

    # A re-sync of the unchanged address book, or of another field, keeps what was said.
    assert await running.apply(scope(user, conn), [synced(card("Acme"), "e2")], CONTACT) == []
    [phone] = await running.apply(
        scope(user, conn), [synced(card("Acme", phone="+351 912 345 678"), "e3")], CONTACT
    )
    assert phone.data["company"] == "Spotify"
    assert "job_change" not in phone.data

    # The source moving on is newer than what was said: the source wins, as a job change.
    [moved] = await running.apply(
        scope(user, conn), [synced(card("Stripe", phone="912345678"), "e4")], CONTACT
    )
    assert moved.data["company"] == "Stripe"
    assert moved.data["job_change"]["previous_company"] == "Spotify"
    assert moved.data["job_change"]["source"] == "sync"
    contact = (await running.client.get(f"/v1/contacts/{ana}", headers=headers)).json()
    assert contact["company"] == "Stripe"
    assert [(j["company"], j["source"]) for j in contact["job_history"]] == [
        ("Spotify", "conversation"),
        ("Stripe", "sync"),
    ]


async def test_the_source_changing_a_job_is_announced(running: Running) -> None:
    user, headers = new_user("ana")
    conn = uuid.uuid4().hex
    [first] = await running.apply(
        scope(user, conn), [synced(card(None, title="Designer"), "e1")], CONTACT
    )
    assert first.action is Action.CREATED
    assert "job_change" not in first.data

    # A company becoming known is not a change of job; a new title where one was known is.
    [known] = await running.apply(
        scope(user, conn), [synced(card("Acme", title="Designer"), "e2")], CONTACT
    )
    assert "job_change" not in known.data
    [promoted] = await running.apply(
        scope(user, conn), [synced(card("Acme", title="Lead designer"), "e3")], CONTACT
    )
    assert promoted.data["job_change"] | {"detected_at": None, "effective_on": None} == {
        "previous_company": "Acme",
        "previous_title": "Designer",
        "company": "Acme",
        "title": "Lead designer",
        "effective_on": None,
        "source": "sync",
        "detected_at": None,
    }
    [moved] = await running.apply(
        scope(user, conn), [synced(card("Globex", title="Lead designer"), "e4")], CONTACT
    )
    assert (moved.data["job_change"]["previous_company"], moved.data["company"]) == (
        "Acme",
        "Globex",
    )
    # Replayed: nothing changed, nothing announced.
    assert (
        await running.apply(
            scope(user, conn), [synced(card("Globex", title="Lead designer"), "e4")], CONTACT
        )
        == []
    )
    contact = (await running.client.get(f"/v1/contacts/{first.record_id}", headers=headers)).json()
    assert [j["company"] for j in contact["job_history"]] == ["Acme", "Globex"]
