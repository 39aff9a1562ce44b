"""A user's patterns: observed, learned, shown with their evidence, dismissed, and used.

The scheduler sees two things a person does: the messages they write (``conversation.message
.created``, in the consumer's transaction) and their answers to its notifications (a
``PATCH`` from unread, in the transaction of that change). Both are kept as observations
(``activity``). A periodic run learns the offline patterns again for the users observed since
the last run (each replica runs it; writes are idempotent upserts by pattern key), and the user
can ask for a run (``POST /v1/me/patterns/learn``) which, with an LLM configured, also reads
their memories with their own token for behaviour patterns.

The active-hours pattern, while active and confident enough, is what notifications that can
wait are timed by (:class:`~muninn_scheduler.notifications.service.DeliveryTiming`); dismissing
it stops that.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from muninn_shared.events.payloads import MessageEvent
from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import Document
from muninn_shared.storage.routed import across_stores
from muninn_shared.storage.routes import RouteTable
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.documents import owner_query, record_from
from muninn_scheduler.language.llm import ChatExtractor
from muninn_scheduler.notifications.models import NotificationStatus
from muninn_scheduler.patterns.activity import ActivityKind, Observation, activity_doc, terms_of
from muninn_scheduler.patterns.behaviour import BEHAVIOUR_PREFIX, behaviour_patterns
from muninn_scheduler.patterns.learner import ACTIVE_HOURS, Draft, learn
from muninn_scheduler.patterns.memories import MemoryReader
from muninn_scheduler.patterns.models import (
    LearningReport,
    Pattern,
    PatternPage,
    PatternSource,
    PatternStatus,
)
from muninn_scheduler.patterns.store import ActivityStore, PatternStore
from muninn_scheduler.profiles.service import ProfileService
from muninn_scheduler.schema import PageQuery

log = get_logger(__name__)

DeliveredSince = Callable[[str, datetime], Awaitable[int]]


class PatternService:
    def __init__(
        self,
        *,
        activity: ActivityStore,
        store: PatternStore,
        profiles: ProfileService,
        clock: Clock,
        delivered_since: DeliveredSince | None = None,
        llm: ChatExtractor | None = None,
        memories: MemoryReader | None = None,
        routes: RouteTable | None = None,
        min_evidence: int = 5,
        min_confidence: float = 0.5,
        keep_days: int = 400,
        memories_read: int = 100,
    ) -> None:
        """``delivered_since``: how many notifications reached a user since a moment (how
        many they could have answered); ``llm`` and ``memories``: behaviour patterns."""
        self._activity = activity
        self._store = store
        self._profiles = profiles
        self._clock = clock
        self._delivered_since = delivered_since
        self._llm = llm
        self._memories = memories
        self._routes = routes
        self._min_evidence = min_evidence
        self._min_confidence = min_confidence
        self._keep = timedelta(days=keep_days)
        self._memories_read = memories_read
        self._last_run: datetime | None = None

    # -- observing ---------------------------------------------------------------------------

    async def on_user_message(self, message: MessageEvent, session: AsyncClientSession) -> None:
        profile = await self._profiles.get(message.user_id, session)
        length = message.content_length if message.content_truncated else len(message.content)
        await self._activity.record(
            activity_doc(
                user_id=message.user_id,
                kind=ActivityKind.MESSAGE,
                source_id=message.message_id,
                at=message.created_at,
                zone=profile.zone(),
                keep_days=self._keep.days,
                length=length,
                terms=terms_of(message.content),
            ),
            session,
        )

    async def notification_answered(
        self,
        doc: Mapping[str, Any],
        status: NotificationStatus,
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        """The person read, acted upon or dismissed a delivered notification: when, and how
        long after it reached them."""
        delivered = doc.get("delivered_at")
        if delivered is None or doc.get("status") != NotificationStatus.UNREAD.value:
            return
        profile = await self._profiles.get(doc["user_id"], session)
        await self._activity.record(
            activity_doc(
                user_id=doc["user_id"],
                kind=ActivityKind.NOTIFICATION_RESPONSE,
                source_id=doc["_id"],
                at=now,
                zone=profile.zone(),
                keep_days=self._keep.days,
                response_seconds=max(0.0, (now - delivered).total_seconds()),
                response=status.value,
                notification_kind=doc.get("kind"),
            ),
            session,
        )

    # -- learning ----------------------------------------------------------------------------

    async def learn(self, user_id: str) -> list[Document]:
        """Learn the user's offline patterns again from their observations; the patterns
        written."""
        now = self._clock.now()
        since = now - self._keep
        docs = await self._activity.of_user(user_id, since)
        observations = [Observation.from_doc(d) for d in docs]
        delivered = await self._delivered_since(user_id, since) if self._delivered_since else None
        drafts = learn(observations, delivered=delivered, min_evidence=self._min_evidence)
        seen = [o.at for o in observations]
        return await self._save(user_id, drafts, PatternSource.OFFLINE, now, seen)

    async def learn_recent(self) -> int:
        """Learn again every user observed since the last run (on this replica), in every
        store; how many users."""
        now = self._clock.now()
        since = self._last_run or now - timedelta(days=1)
        self._last_run = now

        async def in_store() -> int:
            users = await self._activity.users_active_since(since)
            for user_id in users:
                await self.learn(user_id)
            return len(users)

        return sum(await across_stores(self._routes, in_store))

    async def learn_now(self, user_id: str, bearer_token: str) -> LearningReport:
        """The user asked: offline patterns, and behaviour patterns from their memories when
        an LLM is configured."""
        written = await self.learn(user_id)
        state, from_memories = "not_configured", 0
        if self._llm is not None and self._memories is not None:
            memories = await self._memories.recent(bearer_token, self._memories_read)
            if memories is None:
                state = "unavailable"
            elif len(memories) < 2:
                state = "nothing_to_read"
            else:
                drafts = await behaviour_patterns(self._llm, memories)
                if drafts is None:
                    state = "unavailable"
                else:
                    state = "used"
                    stated = [m.occurred_at for m in memories if m.id in _cited(drafts)]
                    found = await self._save(
                        user_id, drafts, PatternSource.LLM, self._clock.now(), stated
                    )
                    written += found
                    from_memories = len(found)
        return LearningReport(
            learned=len(written),
            from_memories=from_memories,
            llm=state,
            patterns=[self._pattern(d) for d in written],
        )

    async def _save(
        self,
        user_id: str,
        drafts: Sequence[Draft],
        source: PatternSource,
        now: datetime,
        seen: Sequence[datetime],
    ) -> list[Document]:
        if not drafts:
            return []
        first_seen, last_seen = (min(seen), max(seen)) if seen else (None, None)
        for draft in drafts:
            fields = {
                "pattern_type": draft.pattern_type,
                "name": draft.name,
                "description": draft.description,
                "triggers": draft.triggers,
                "indicators": draft.indicators,
                "outcomes": draft.outcomes,
                "confidence": draft.confidence,
                "evidence_count": draft.evidence_count,
                "evidence": draft.evidence,
                "contexts": draft.contexts,
                "time_patterns": draft.time_patterns,
                "recommendations": draft.recommendations,
                "preventative_actions": draft.preventative_actions,
                "source": source.value,
                "last_observed": last_seen,
                "updated_at": now,
            }
            first = {
                "_id": uuid.uuid4().hex,
                "status": PatternStatus.ACTIVE.value,
                "dismissed_at": None,
                "first_observed": first_seen,
                "created_at": now,
            }
            await self._store.save(user_id, draft.key, fields, first)
        saved = await self._store.by_key(user_id)
        return [saved[d.key] for d in drafts if d.key in saved]

    # -- delivery ----------------------------------------------------------------------------

    async def delivery_hours(
        self, user_ids: Iterable[str], session: AsyncClientSession | None
    ) -> dict[str, list[int]]:
        """The learned active hours of each user whose pattern is active and confident."""
        return await self._store.delivery_hours(
            user_ids, ACTIVE_HOURS, self._min_confidence, session
        )

    # -- the API -----------------------------------------------------------------------------

    async def page(
        self,
        user_id: str,
        paging: PageQuery,
        *,
        status: PatternStatus | None,
        pattern_type: str | None,
    ) -> PatternPage:
        query = owner_query(user_id, status=status)
        if pattern_type is not None:
            query["pattern_type"] = pattern_type
        items, next_cursor = await self._store.page(query, paging, convert=self._pattern)
        return PatternPage(items=items, next_cursor=next_cursor)

    async def get(self, user_id: str, pattern_id: str) -> Pattern:
        return self._pattern(await self._store.owned(user_id, pattern_id))

    async def set_status(self, user_id: str, pattern_id: str, status: PatternStatus) -> Pattern:
        """Dismiss a pattern (it is no longer shown as active nor used), or restore it."""
        doc = await self._store.owned(user_id, pattern_id)
        if doc["status"] == status.value:
            return self._pattern(doc)
        now = self._clock.now()
        dismissed = now if status == PatternStatus.DISMISSED else None
        updated = await self._store.update(
            pattern_id, {"status": status.value, "dismissed_at": dismissed, "updated_at": now}
        )
        return self._pattern(updated or doc)

    def _pattern(self, doc: Mapping[str, Any]) -> Pattern:
        used = (
            doc["key"] == ACTIVE_HOURS
            and doc["status"] == PatternStatus.ACTIVE.value
            and float(doc.get("confidence", 0)) >= self._min_confidence
        )
        return record_from(Pattern, doc, used_for_delivery=used)


def _cited(drafts: Sequence[Draft]) -> set[str]:
    return {
        memory_id
        for d in drafts
        if d.key.startswith(BEHAVIOUR_PREFIX)
        for memory_id in d.evidence.get("memory_ids", [])
    }
