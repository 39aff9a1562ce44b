"""Aggregating reviews into one rating per provider.

A rating is recomputed from every reviewed experience with that provider whenever one of
them changes, so it is always the aggregate of what is stored (no drift from increments).
Stated ratings count as given; a review without one contributes the rating its sentiment
implies (positive 4, mixed or neutral 3, negative 2).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from muninn_shared.problems import not_found
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_scheduler.clock import Clock
from muninn_scheduler.language.reviews import ReviewInsights, inferred_rating
from muninn_scheduler.providers.models import ProviderRating, ProviderRatingList, provider_key
from muninn_scheduler.providers.store import ProviderRatingStore

KEEP = 10


def _merge(lists: list[list[str]]) -> list[str]:
    """Newest first, without repeats, at most ``KEEP``."""
    seen: set[str] = set()
    merged: list[str] = []
    for items in lists:
        for item in items:
            if item.lower() not in seen:
                seen.add(item.lower())
                merged.append(item)
    return merged[:KEEP]


def aggregate(experiences: list[dict[str, Any]], now: Any) -> dict[str, Any] | None:
    reviewed = sorted(
        (e for e in experiences if e.get("review")), key=lambda e: e["scheduled_at"], reverse=True
    )
    if not reviewed:
        return None
    insights = [ReviewInsights.model_validate(e["review"]["extracted_insights"]) for e in reviewed]
    ratings = [inferred_rating(i) for i in insights]
    recommendation = next(
        (i.recommendation for i in insights if i.recommendation is not None), None
    )
    latest = reviewed[0]
    return {
        "provider": latest["provider"],
        "provider_key": latest["provider_key"],
        "provider_type": latest["type"],
        "personal_rating": round(sum(ratings) / len(ratings), 1),
        "stated_ratings": sum(1 for i in insights if i.rating is not None),
        "recommendation": recommendation,
        "sentiment": dict(Counter(i.overall_sentiment for i in insights)),
        "highlights": _merge([i.highlights for i in insights]),
        "issues": _merge([i.issues for i in insights]),
        "future_intent": insights[0].future_intent,
        "experience_count": len(reviewed),
        "experience_ids": [e["_id"] for e in reviewed],
        "first_experience": min(e["scheduled_at"] for e in reviewed),
        "last_experience": max(e["scheduled_at"] for e in reviewed),
        "contexts": sorted({e["context"] for e in reviewed}),
        "updated_at": now,
    }


class ProviderRatings:
    def __init__(self, *, store: ProviderRatingStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def refresh(
        self,
        user_id: str,
        key: str,
        reviewed: list[dict[str, Any]],
        session: AsyncClientSession | None,
    ) -> None:
        """Rate the provider anew from every reviewed experience the user had with it."""
        doc = aggregate(reviewed, self._clock.now())
        if doc is None:
            await self._store.remove(user_id, key, session)
        else:
            await self._store.save(user_id, doc, session)

    async def ranked(
        self, user_id: str, provider_type: str | None, limit: int
    ) -> ProviderRatingList:
        return ProviderRatingList(items=await self._store.ranked(user_id, provider_type, limit))

    async def get(self, user_id: str, provider: str) -> ProviderRating:
        rating = await self._store.get(user_id, provider_key(provider))
        if rating is None:
            raise not_found("Provider rating")
        return rating
