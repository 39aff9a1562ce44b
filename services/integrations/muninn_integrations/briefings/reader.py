"""Gathers what a briefing or summary is written from: the contact (with its relationship
fields) and, through ``BriefingSources``, its interactions and interests."""

from __future__ import annotations

from datetime import datetime

from muninn_integrations.briefings.compose import MAX_INTERESTS, MAX_OPEN, MAX_RECENT
from muninn_integrations.briefings.facts import CONTACT_FIELDS, contact_facts
from muninn_integrations.briefings.models import BriefingFacts, EventFacts
from muninn_integrations.briefings.sources import BriefingSources
from muninn_integrations.contacts.service import ContactService


class FactReader:
    def __init__(self, contacts: ContactService, sources: BriefingSources) -> None:
        self._contacts = contacts
        self._sources = sources

    async def read(
        self, user_id: str, contact_id: str, event: EventFacts | None, now: datetime
    ) -> BriefingFacts:
        """The facts about the user's contact (404 ProblemError when there is none)."""
        record = await self._contacts.get(user_id, contact_id)
        fields = await self._contacts.fields_of(user_id, contact_id, CONTACT_FIELDS)
        recent = await self._sources.recent_interactions(user_id, contact_id, MAX_RECENT)
        threads = await self._sources.open_threads(user_id, contact_id)
        interests = await self._sources.interests(user_id, contact_id, MAX_INTERESTS)
        return BriefingFacts(
            contact=contact_facts(record, fields, now),
            recent=recent[:MAX_RECENT],
            open_threads=threads[:MAX_OPEN],
            interests=interests[:MAX_INTERESTS],
            event=event,
        )
