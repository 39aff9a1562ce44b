"""The ``summary`` contact memory: who a contact is and what is going on with them, rewritten
by a daily pass for contacts in touch since their last summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.moments import parse_moment
from muninn_shared.problems import ProblemError
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.routed import across_stores
from muninn_shared.storage.routes import RouteTable
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.briefings.compose import compose_summary
from muninn_integrations.briefings.memories import MemoryEntry, MemoryLog
from muninn_integrations.briefings.models import MemoryKind
from muninn_integrations.briefings.reader import FactReader
from muninn_integrations.briefings.store import BriefingStore
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.sync.sinks import SyncScope

# Summaries belong to no account: announced under Muninn's own name.
DERIVED_CONNECTION = "muninn"
DERIVED_PROVIDER = "muninn"
SUMMARY_SCAN = 200
SUMMARY_JOB = "summaries"


class SummaryWriter:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: BriefingStore,
        contacts: ContactService,
        reader: FactReader,
        memories: MemoryLog,
        owner: str,
        every: timedelta,
        batch: int,
        clock: Callable[[], datetime],
        routes: RouteTable | None = None,
    ) -> None:
        """``routes``: BYOD users' own databases, whose contacts are summarised too."""
        self._routes = routes
        self._client = client
        self._store = store
        self._contacts = contacts
        self._reader = reader
        self._memories = memories
        self._owner = owner
        self._every = every
        self._batch = batch
        self._clock = clock

    async def refresh(self, now: datetime | None = None) -> int:
        """Rewrite the summary of contacts in touch since their last one (at most a batch);
        one replica a day does it. How many were written."""
        now = now or self._clock()
        until = now + self._every * 0.9
        if not await self._store.claim_job(SUMMARY_JOB, self._owner, now, until):
            return 0
        # The day is claimed once, on main; the pass then reads every store.
        return sum(await across_stores(self._routes, lambda: self._refresh_here(now)))

    async def _refresh_here(self, now: datetime) -> int:
        since = now - self._every * 2  # a day's pass missed is caught by the next
        after: tuple[datetime, str] | None = None
        written = 0
        while written < self._batch:
            rows = await self._contacts.interacted_since(since, limit=SUMMARY_SCAN, after=after)
            if not rows:
                break
            after = (rows[-1][2], rows[-1][1])
            for user_id, contact_id, last_at in rows:
                if written >= self._batch:
                    break
                before = await self._store.memory(f"summary:{contact_id}")
                basis = parse_moment(before.get("basis_at")) if before else None
                if basis is not None and basis >= last_at:
                    continue
                try:
                    await self.summarise(user_id, contact_id, basis_at=last_at, now=now)
                except ProblemError:  # deleted meanwhile
                    continue
                written += 1
        return written

    async def summarise(
        self,
        user_id: str,
        contact_id: str,
        *,
        basis_at: datetime | None = None,
        now: datetime | None = None,
    ) -> None:
        """Write and announce (when changed) the contact's ``summary`` memory."""
        now = now or self._clock()
        facts = await self._reader.read(user_id, contact_id, None, now)
        composed = compose_summary(facts)
        memory_id = f"summary:{contact_id}"
        basis = basis_at or facts.contact.last_interaction_at or now
        entry = MemoryEntry(
            memory_id,
            contact_id,
            MemoryKind.SUMMARY,
            {
                "contact_id": contact_id,
                "kind": MemoryKind.SUMMARY.value,
                "title": composed.title,
                "content": composed.content,
                "confidence": composed.confidence,
                "source_interactions": list(composed.source_interactions),
                "expires_at": None,
            },
            basis_at=basis,
        )
        scope = SyncScope(user_id, DERIVED_CONNECTION, DERIVED_PROVIDER, None)

        async def publish(session: AsyncClientSession) -> None:
            await self._memories.announce(scope, [entry], facts.contact.name, now, session)
            # Unchanged content still moves the basis on: the contact is summarised up to it.
            await self._store.set_basis(memory_id, basis, session)

        await in_transaction(self._client, publish)
