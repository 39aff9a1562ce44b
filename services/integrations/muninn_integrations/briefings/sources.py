"""Where a briefing's facts come from: the contact's interactions and interests.

``BriefingSources`` is what the briefing service reads; ``ServiceSources`` adapts the
interactions and interests services to it, reading their records by attribute so either can
grow fields without this package changing. A reader not wired yields no facts of its sort.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from muninn_shared.moments import parse_moment

from muninn_integrations.briefings.models import InteractionFacts, InterestFacts

MAX_TEXT = 500


class BriefingSources(Protocol):
    async def recent_interactions(
        self, user_id: str, contact_id: str, limit: int
    ) -> list[InteractionFacts]:
        """The contact's latest interactions, newest first."""
        ...

    async def open_threads(self, user_id: str, contact_id: str) -> list[InteractionFacts]:
        """Inbound mail from the contact the user has not replied to, newest first."""
        ...

    async def interests(self, user_id: str, contact_id: str, limit: int) -> list[InterestFacts]:
        """The contact's strongest interests."""
        ...


class InteractionReader(Protocol):
    async def recent(self, user_id: str, contact_id: str, limit: int = 5) -> Sequence[Any]: ...

    async def open_threads(self, user_id: str, contact_id: str) -> Sequence[Any]: ...


class InterestReader(Protocol):
    async def top(
        self, user_id: str, contact_id: str, limit: int = 5, now: datetime | None = None
    ) -> Sequence[Any]: ...


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned[:limit] or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _field(record: Any, name: str) -> Any:
    if isinstance(record, dict):
        return record.get(name)
    return getattr(record, name, None)


def interaction_facts(record: Any) -> InteractionFacts | None:
    """An interaction record (model, dataclass or document) as facts; None when unusable."""
    record_id = _field(record, "id") or _field(record, "_id")
    occurred_at = parse_moment(_field(record, "occurred_at"))
    if not isinstance(record_id, str) or occurred_at is None:
        return None
    return InteractionFacts(
        id=record_id,
        kind=_text(str(_field(record, "kind") or "manual"), 20) or "manual",
        direction=_text(str(_field(record, "direction") or "mutual"), 20) or "mutual",
        occurred_at=occurred_at,
        subject=_text(_field(record, "subject"), 200),
        summary=_text(_field(record, "summary")),
        sentiment=_number(_field(record, "sentiment")),
        thread_id=_text(_field(record, "thread_id"), 200),
    )


def interest_facts(record: Any) -> InterestFacts | None:
    topic = _text(_field(record, "topic"), 100)
    if topic is None:
        return None
    return InterestFacts(
        category=_text(_field(record, "category"), 100) or "other",
        topic=topic,
        confidence=_number(_field(record, "confidence")) or 0.0,
    )


class ServiceSources:
    """``BriefingSources`` over the interactions and interests services."""

    def __init__(
        self, interactions: InteractionReader | None, interests: InterestReader | None
    ) -> None:
        self._interactions = interactions
        self._interests = interests

    async def recent_interactions(
        self, user_id: str, contact_id: str, limit: int
    ) -> list[InteractionFacts]:
        if self._interactions is None:
            return []
        found = await self._interactions.recent(user_id, contact_id, limit=limit)
        return [facts for record in found if (facts := interaction_facts(record))]

    async def open_threads(self, user_id: str, contact_id: str) -> list[InteractionFacts]:
        if self._interactions is None:
            return []
        found = await self._interactions.open_threads(user_id, contact_id)
        return [facts for record in found if (facts := interaction_facts(record))]

    async def interests(self, user_id: str, contact_id: str, limit: int) -> list[InterestFacts]:
        if self._interests is None:
            return []
        found = await self._interests.top(user_id, contact_id, limit=limit)
        return [facts for record in found if (facts := interest_facts(record))]
