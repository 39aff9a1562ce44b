"""``GET /v1/contacts/{id}?include=…``: the contact and the parts asked for, each read from
the feature that owns it."""

from __future__ import annotations

from collections.abc import Collection

from muninn_integrations.briefings.service import BriefingService
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.graph.service import GraphService
from muninn_integrations.interactions.service import InteractionService
from muninn_integrations.interests.service import InterestService
from muninn_integrations.profiles.models import PROFILE_ITEMS, ContactProfile, ProfilePart


class ProfileService:
    def __init__(
        self,
        *,
        contacts: ContactService,
        interactions: InteractionService,
        interests: InterestService,
        graph: GraphService,
        briefings: BriefingService,
    ) -> None:
        self._contacts = contacts
        self._interactions = interactions
        self._interests = interests
        self._graph = graph
        self._briefings = briefings

    async def profile(
        self, user_id: str, contact_id: str, parts: Collection[ProfilePart]
    ) -> ContactProfile:
        contact = await self._contacts.get(user_id, contact_id)  # 404 for another user's
        profile = ContactProfile(**contact.model_dump())
        if ProfilePart.INTERACTIONS in parts:
            page = await self._interactions.page(
                user_id, contact_id, kind=None, limit=PROFILE_ITEMS, cursor=None
            )
            profile.interactions = page.items
        if ProfilePart.INTERESTS in parts:
            profile.interests = await self._interests.top(user_id, contact_id, PROFILE_ITEMS)
        if ProfilePart.RELATIONSHIPS in parts:
            links = await self._graph.relationships(user_id, contact_id, PROFILE_ITEMS)
            profile.relationships = links.items
        if ProfilePart.MEMORIES in parts:
            memories = await self._briefings.memories(
                user_id, contact_id, kind=None, limit=PROFILE_ITEMS, cursor=None
            )
            profile.memories = memories.items
        return profile
