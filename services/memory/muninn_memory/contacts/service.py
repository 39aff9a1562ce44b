"""Contacts in memory: per-contact memories, contact cards, entity links and people search.

Integrations announces contacts, interactions and contact memories as
``integrations.record.synced`` records; each becomes (or changes, or deletes) a memory owned
by its record, written in the transaction that marks the event applied. Those memories are
ordinary memories with a ``contact_id`` — one store, one index, one erasure path — and the
index follows right after the commit (or with the sweep).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from muninn_shared.events.payloads import IntegrationRecord
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.contacts.models import PeopleSearchResponse, PersonHit, PersonMatch
from muninn_memory.contacts.records import (
    CARD,
    Owned,
    card_key,
    card_memory,
    contact_details,
    contact_id_of,
    contact_memory,
    interaction_memory,
    job_change_memory,
    owned_id,
    record_key,
)
from muninn_memory.contacts.store import ContactLinkStore
from muninn_memory.entities.service import EntityService
from muninn_memory.extraction.signals import context_of, sentiment_of
from muninn_memory.indexing.service import IndexSync
from muninn_memory.memories.ledger import MemoryLedger
from muninn_memory.memories.models import ExtractionInfo, Provenance
from muninn_memory.memories.records import new_memory_doc
from muninn_memory.memories.search import MemorySearch

Doc = dict[str, Any]
MATCHES_PER_PERSON = 3
INDEX_DELAY_SECONDS = 0.1


@dataclass(kw_only=True, eq=False)
class ContactMemories:
    memories: MemoryLedger
    entities: EntityService
    links: ContactLinkStore
    index_sync: IndexSync
    search: MemorySearch
    _pending: set[asyncio.Task[None]] = field(default_factory=set, init=False)

    # -- records --------------------------------------------------------------------------

    async def on_record(
        self, record: IntegrationRecord, session: AsyncClientSession, *, remember: bool
    ) -> None:
        """Apply one relationship record; ``remember`` is False when the user turned long-term
        memory off (deletions and unlinking still apply, nothing new is remembered)."""
        deleted = record.data.get("action") == "deleted"
        if record.record_type == "contact":
            touched = await self._contact(record, deleted, remember, session)
        elif record.record_type == "interaction":
            touched = await self._interaction(record, deleted, remember, session)
        elif record.record_type == "contact_memory":
            touched = await self._contact_memory(record, deleted, remember, session)
        else:
            return
        self._index_soon(record.user_id, touched)

    async def _contact_memory(
        self, record: IntegrationRecord, deleted: bool, remember: bool, session: AsyncClientSession
    ) -> list[str]:
        memory_id = owned_id(record.user_id, record_key(record.record_id))
        owned = None if deleted else contact_memory(record, datetime.now(UTC))
        if owned is None or not remember:
            reason = "its contact memory was deleted" if deleted else "no longer a contact memory"
            return await self._retire(record.user_id, memory_id, reason, session)
        return await self._write(record, owned, session)

    async def _interaction(
        self, record: IntegrationRecord, deleted: bool, remember: bool, session: AsyncClientSession
    ) -> list[str]:
        user_id, data = record.user_id, record.data
        memory_id = owned_id(user_id, record_key(record.record_id))
        if deleted:
            return await self._retire(user_id, memory_id, "its interaction was deleted", session)
        contact_id = contact_id_of(data.get("contact_id"))
        source_record = data.get("source_record_id")
        if (
            contact_id
            and data.get("source") in ("mail", "calendar")
            and isinstance(source_record, str)
        ):
            # The synced e-mail or meeting is remembered already (or soon): tag it.
            contacts = await self.links.add(user_id, source_record[:500], contact_id, session)
            return await self.memories.tag_contacts(user_id, source_record[:500], contacts, session)
        if not remember or contact_id is None:
            return []
        name = await self._name_of(user_id, contact_id)
        owned = interaction_memory(record, name, datetime.now(UTC))
        return await self._write(record, owned, session) if owned else []

    async def _contact(
        self, record: IntegrationRecord, deleted: bool, remember: bool, session: AsyncClientSession
    ) -> list[str]:
        user_id, contact_id = record.user_id, record.record_id
        card_id = owned_id(user_id, card_key(contact_id))
        if deleted or record.data.get("is_archived"):
            await self.entities.unlink_contact(user_id, contact_id, session)
            return await self._retire(user_id, card_id, "its contact was deleted", session)
        details = contact_details(record.data)
        await self.entities.link_contact(
            user_id,
            contact_id,
            name=details.name,
            emails=details.emails,
            phones=details.phones,
            session=session,
        )
        if not remember:
            return []
        now = datetime.now(UTC)
        touched: list[str] = []
        card = card_memory(record, details, now)
        if card is not None:
            touched += await self._write(record, card, session)
        change = record.data.get("job_change")
        if isinstance(change, dict) and card is not None:
            moved = job_change_memory(record, str(card.metadata["name"]), change, now)
            if moved is not None:
                touched += await self._write(record, moved, session)
        return touched

    async def _write(
        self, record: IntegrationRecord, owned: Owned, session: AsyncClientSession
    ) -> list[str]:
        doc = new_memory_doc(
            user_id=record.user_id,
            content=owned.content,
            type_=owned.type.value,
            context=context_of(owned.content),
            importance=owned.importance,
            sentiment=sentiment_of(owned.content),
            occurred_at=owned.occurred_at,
            event_at=owned.event_at,
            expires_at=owned.expires_at,
            provenance=Provenance(
                source="integration",
                extraction=ExtractionInfo(
                    extractor="none", category=str(owned.metadata.get("kind")), confidence=1.0
                ),
            ),
            metadata={**owned.metadata, "provider": record.provider},
            embedding_model=self.index_sync.index.model_id,
            memory_id=owned_id(record.user_id, owned.key),
            contact_id=owned.contact_id,
        )
        changed = await self.memories.upsert_owned(record.user_id, doc, session)
        return [doc["_id"]] if changed else []

    async def _retire(
        self, user_id: str, memory_id: str, reason: str, session: AsyncClientSession
    ) -> list[str]:
        return (
            [memory_id]
            if await self.memories.retire_owned(user_id, memory_id, reason, session)
            else []
        )

    async def _name_of(self, user_id: str, contact_id: str) -> str | None:
        cards = await self.memories.owned(user_id, [owned_id(user_id, card_key(contact_id))])
        name = cards[0]["metadata"].get("name") if cards else None
        return name if isinstance(name, str) else None

    def _index_soon(self, user_id: str, ids: list[str]) -> None:
        """Index the memories once the consumer's transaction has committed; what this is too
        early for (or fails) stays pending for the sweep."""
        if not ids:
            return

        async def later() -> None:
            await asyncio.sleep(INDEX_DELAY_SECONDS)
            await self.index_sync.try_sync(user_id, ids)

        task = asyncio.get_running_loop().create_task(later())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        """Stop index writes still waiting (the sweep of the next start writes them)."""
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)

    # -- people search ----------------------------------------------------------------------

    async def people(self, user_id: str, query: str, limit: int) -> PeopleSearchResponse:
        """Contacts whose memories match ``query``, best first.

        A contact's score adds up its best few matches: one who is both "a designer" on their
        card and "met in Lisbon" in an interaction outranks one who matches a single word.
        """
        hits = await self.search.contact_hits(user_id, query, limit=limit * 4)
        grouped: dict[str, list[tuple[Doc, float]]] = {}
        for doc, score in hits:
            for contact_id in doc.get("contact_ids") or []:
                grouped.setdefault(contact_id, []).append((doc, score))
        ranked = sorted(
            grouped.items(),
            key=lambda item: (-sum(s for _, s in item[1][:MATCHES_PER_PERSON]), item[0]),
        )[:limit]
        cards = await self.memories.owned(
            user_id, [owned_id(user_id, card_key(contact_id)) for contact_id, _ in ranked]
        )
        names = {
            c.get("contact_id"): c["metadata"].get("name")
            for c in cards
            if c["metadata"].get("kind") == CARD
        }
        items = [
            PersonHit(
                contact_id=contact_id,
                name=names.get(contact_id),
                score=round(sum(s for _, s in matches[:MATCHES_PER_PERSON]), 6),
                matches=[
                    PersonMatch(
                        memory_id=doc["_id"],
                        content=doc["content"],
                        kind=(doc.get("metadata") or {}).get("kind") or doc["type"],
                    )
                    for doc, _ in matches[:MATCHES_PER_PERSON]
                ],
            )
            for contact_id, matches in ranked
        ]
        return PeopleSearchResponse(query=query, items=items)
