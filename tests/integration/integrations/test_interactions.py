"""Interactions: a new e-mail or meeting with a known contact is announced once per contact."""

from __future__ import annotations

import uuid
from typing import Any

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.models import ContactCreate
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.interactions.service import InteractionLog
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.outbox import OUTBOX, Outbox
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession


async def test_mail_and_meetings_with_known_contacts_become_interactions(
    mongo: AsyncMongoClient[dict[str, Any]], unique: str
) -> None:
    db = mongo[f"interactions_{unique}"]
    store = ContactStore(db)
    await store.ensure_indexes()
    contacts = ContactService(client=mongo, store=store)
    user = uuid.uuid4().hex
    bea = await contacts.create(
        user,
        ContactCreate.model_validate(
            {"display_name": "Bea", "emails": [{"value": "Bea@Example.org"}]}
        ),
    )
    stranger_owner = uuid.uuid4().hex
    await contacts.create(
        stranger_owner,
        ContactCreate.model_validate(
            {"display_name": "Cy", "emails": [{"value": "cy@example.org"}]}
        ),
    )
    log = InteractionLog(contacts, RecordAnnouncer(Outbox(db)))
    scope = SyncScope(user, "conn-1", "imap", None)
    mail = [
        Applied(
            "m1",
            Action.CREATED,
            {
                "from": {"address": "bea@example.org", "name": "Bea"},
                "to": [{"address": "me@example.org"}, {"address": "cy@example.org"}],
                "sent_at": "2026-11-30T10:00:00+00:00",
            },
        ),
        Applied(
            "m2",
            Action.UPDATED,
            {"from": {"address": "bea@example.org"}, "sent_at": "2026-11-30T11:00:00+00:00"},
        ),
        Applied(
            "m3",
            Action.CREATED,
            {"from": {"address": "nobody@example.org"}, "sent_at": "2026-11-30T12:00:00+00:00"},
        ),
    ]
    meeting = [
        Applied(
            "e1",
            Action.CREATED,
            {
                "attendees": [{"email": "BEA@example.org", "name": "Bea"}],
                "start": "2026-12-02T13:00:00+00:00",
            },
        )
    ]

    async def work(session: AsyncClientSession) -> None:
        await log.follow(scope, RecordKind.EMAIL, mail, session)
        await log.follow(scope, RecordKind.CALENDAR_EVENT, meeting, session)
        await log.follow(scope, RecordKind.CONTACT, mail, session)

    await in_transaction(mongo, work)
    rows = db[OUTBOX].find({"envelope.type": "integrations.record.synced"}).sort("_id", 1)
    records = [row["envelope"]["data"] async for row in rows]
    assert [(r["record_type"], r["record_id"]) for r in records] == [
        ("interaction", f"m1:{bea.id}"),
        ("interaction", f"e1:{bea.id}"),
    ]
    assert records[0]["data"]["contact_id"] == bea.id
    assert records[0]["data"]["occurred_at"] == "2026-11-30T10:00:00+00:00"
    assert records[0]["data"]["kind"] == "email"
    assert records[1]["data"]["kind"] == "meeting"
    # Another user's contact with a participant's address is not this user's interaction.
    assert all(r["user_id"] == user for r in records)
