"""Interactions: an e-mail or a meeting with someone among the user's contacts.

Derived while a page of mail or calendar events is applied, in the same transaction, and
announced as ``integrations.record.synced`` records of type ``interaction``: the scheduler's
going-cold nudges learn each relationship's rhythm from them. An interaction's id joins the
record and the contact, so a re-synced message counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope

MAX_PEOPLE = 50


def addresses_in(kind: RecordKind, data: dict[str, Any]) -> list[str]:
    """Who took part: an e-mail's sender and recipients, a meeting's attendees and organiser."""
    people: list[Any] = []
    if kind is RecordKind.EMAIL:
        people = [data.get("from"), *(data.get("to") or [])]
    elif kind is RecordKind.CALENDAR_EVENT:
        people = [*(data.get("attendees") or []), data.get("organizer")]
    found: list[str] = []
    for person in people[:MAX_PEOPLE]:
        if isinstance(person, dict):
            address = person.get("address") or person.get("email")
        else:
            address = person
        if isinstance(address, str) and "@" in address:
            cleaned = address.strip().lower()
            if cleaned not in found:
                found.append(cleaned)
    return found


def moment_of(kind: RecordKind, data: dict[str, Any]) -> str | None:
    value = data.get("sent_at") if kind is RecordKind.EMAIL else data.get("start")
    return value if isinstance(value, str) and value else None


class InteractionLog:
    def __init__(self, contacts: ContactService, announcer: RecordAnnouncer) -> None:
        self._contacts = contacts
        self._announcer = announcer

    async def follow(
        self,
        scope: SyncScope,
        kind: RecordKind,
        applied: Sequence[Applied],
        session: AsyncClientSession,
    ) -> None:
        """Announce an interaction for each new message or meeting with a known contact."""
        if kind not in (RecordKind.EMAIL, RecordKind.CALENDAR_EVENT):
            return
        fresh = [a for a in applied if a.action is Action.CREATED and moment_of(kind, a.data)]
        wanted = sorted({address for a in fresh for address in addresses_in(kind, a.data)})
        known = await self._contacts.ids_by_email(scope.user_id, wanted, session) if wanted else {}
        interactions: list[Applied] = []
        for item in fresh:
            contact_ids = {known[a] for a in addresses_in(kind, item.data) if a in known}
            for contact_id in sorted(contact_ids):
                interactions.append(
                    Applied(
                        f"{item.record_id}:{contact_id}",
                        Action.CREATED,
                        {
                            "contact_id": contact_id,
                            "occurred_at": moment_of(kind, item.data),
                            "kind": "email" if kind is RecordKind.EMAIL else "meeting",
                            "source_record_id": item.record_id,
                        },
                    )
                )
        await self._announcer.announce(scope, RecordKind.INTERACTION, interactions, session)
