"""People the user mentions in chat: interactions logged, job changes kept, interests fed.

Reads the user's own messages with the rules in ``rules.py``, resolves each name among the
user's live contacts (a full name, else a first name only one contact has; a pronoun is the
contact named last before it in the message) and applies what was said:

- an interaction goes to the interactions feature, with the external id
  ``conversation:<message id>:<contact id>`` so a message replayed counts once (an edited
  message keeps the id of the message it replaced: the edit restates the same meeting);
- a job change is applied to the contact and its ``contact`` record announced with a
  ``job_change`` (a change already shown does nothing);
- an interest goes to the interests feature with the words said.

A message cut to fit its event (``content_truncated``) is read as far as it arrived. A name
no contact has, or two contacts share, changes nothing (and is not logged: names are
personal). The interactions and interests features are optional collaborators: without
them, only job changes apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from muninn_shared.events.payloads import MessageEvent
from muninn_shared.logging import get_logger
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.models import ContactRecord
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.interactions.models import InteractionDraft
from muninn_integrations.mentions.models import (
    InteractionMention,
    InterestMention,
    JobMention,
    Named,
    Person,
)
from muninn_integrations.mentions.rules import read
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.sinks import Action, Applied, SyncScope

log = get_logger(__name__)

SOURCE = "conversation"


def said_in(message: MessageEvent) -> str:
    """The message a statement belongs to: an edit's original, else the message itself."""
    original = message.metadata.get("edited_from")
    return original if isinstance(original, str) and original else message.message_id


class InteractionRecorder(Protocol):
    async def record(
        self,
        user_id: str,
        contact_id: str,
        draft: InteractionDraft,
        session: AsyncClientSession | None = None,
    ) -> Any: ...


class InterestReinforcer(Protocol):
    async def reinforce_from_text(
        self,
        user_id: str,
        contact_id: str,
        text: str,
        *,
        source_id: str,
        at: datetime,
        session: AsyncClientSession | None = None,
    ) -> Any: ...


class _Resolver:
    """Names to contacts in the order they stand in one message."""

    def __init__(self, found: dict[str, list[ContactRecord]]) -> None:
        self._found = found
        self.last: ContactRecord | None = None

    def __call__(self, person: Person) -> ContactRecord | None:
        if person.name is None:
            return self.last
        matches = self._found.get(person.name, [])
        if len(matches) == 1:
            self.last = matches[0]
            return self.last
        if len(matches) > 1:
            # "she" after an ambiguous "Ana" is no one we can tell either.
            self.last = None
            log.debug("mention: ambiguous name", candidates=len(matches))
        return None


class MentionService:
    def __init__(
        self,
        *,
        contacts: ContactService,
        announcer: RecordAnnouncer,
        recorder: InteractionRecorder | None = None,
        interests: InterestReinforcer | None = None,
    ) -> None:
        self._contacts = contacts
        self._announcer = announcer
        self._recorder = recorder
        self._interests = interests

    async def on_message(self, message: MessageEvent, session: AsyncClientSession) -> int:
        """Apply what one of the user's messages says about their contacts; how many
        statements took effect. Its writes use ``session`` (the consumer's transaction)."""
        if message.role != "user":
            return 0
        reading = read(message.content, message.created_at)
        if not reading.says_something:
            return 0
        found = await self._contacts.find_by_names(message.user_id, reading.names, session)
        resolve = _Resolver(found)
        met: set[str] = set()
        applied = 0
        for step in reading.steps:
            if isinstance(step, Named):
                resolve(step.person)
            elif isinstance(step, InteractionMention):
                for person in step.people:
                    contact = resolve(person)
                    if contact is not None and contact.id not in met:
                        met.add(contact.id)
                        applied += await self._interaction(message, contact, step, session)
            else:
                contact = resolve(step.person)
                if contact is None:
                    log.debug("mention: no contact for a statement")
                elif isinstance(step, JobMention):
                    applied += await self._job(message, contact, step, session)
                else:
                    applied += await self._interest(message, contact, step, session)
        return applied

    async def _interaction(
        self,
        message: MessageEvent,
        contact: ContactRecord,
        mention: InteractionMention,
        session: AsyncClientSession,
    ) -> int:
        if self._recorder is None:
            return 0
        draft = InteractionDraft(
            kind=mention.kind,
            direction="mutual",
            summary=mention.sentence,
            occurred_at=mention.occurred_at,
            external_id=f"{SOURCE}:{said_in(message)}:{contact.id}",
            source=SOURCE,
            metadata={
                "conversation_id": message.conversation_id,
                "message_id": message.message_id,
            },
        )
        await self._recorder.record(message.user_id, contact.id, draft, session=session)
        return 1

    async def _job(
        self,
        message: MessageEvent,
        contact: ContactRecord,
        mention: JobMention,
        session: AsyncClientSession,
    ) -> int:
        data = await self._contacts.record_job_change(
            message.user_id,
            contact.id,
            mention.statement,
            detected_at=message.created_at,
            session=session,
        )
        if data is None:
            return 0
        scope = SyncScope(message.user_id, contact.connection_id or "manual", SOURCE, None)
        await self._announcer.announce(
            scope, RecordKind.CONTACT, [Applied(contact.id, Action.UPDATED, data)], session
        )
        return 1

    async def _interest(
        self,
        message: MessageEvent,
        contact: ContactRecord,
        mention: InterestMention,
        session: AsyncClientSession,
    ) -> int:
        if self._interests is None:
            return 0
        await self._interests.reinforce_from_text(
            message.user_id,
            contact.id,
            mention.text,
            source_id=f"{SOURCE}:{said_in(message)}",
            at=message.created_at,
            session=session,
        )
        return 1
