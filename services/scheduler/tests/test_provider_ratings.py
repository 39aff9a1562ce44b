"""Aggregating reviews into a provider's rating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_scheduler.language.reviews import analyse_review
from muninn_scheduler.providers.models import provider_key
from muninn_scheduler.providers.service import aggregate

NOW = datetime(2026, 6, 20, tzinfo=UTC)


def experience(n: int, text: str | None, provider: str = "Dr. Mary") -> dict[str, Any]:
    review = None
    if text is not None:
        review = {"extracted_insights": analyse_review(text).model_dump()}
    return {
        "_id": f"e{n}",
        "provider": provider,
        "provider_key": provider_key(provider),
        "type": "dentist_appointment",
        "context": "personal",
        "scheduled_at": NOW - timedelta(days=30 - n),
        "review": review,
    }


def test_keys_ignore_case_and_punctuation() -> None:
    assert provider_key("Dr. Mary") == provider_key("dr mary") == "dr mary"


def test_stated_and_inferred_ratings_average() -> None:
    doc = aggregate(
        [
            experience(1, "Wonderful, 5 stars, I would recommend her."),
            experience(2, "Terrible wait and a rude receptionist. I would not recommend it."),
            experience(3, None),
        ],
        NOW,
    )
    assert doc is not None
    assert doc["personal_rating"] == 3.5, "(5 stated + 2 inferred from negative) / 2"
    assert doc["stated_ratings"] == 1
    assert doc["experience_count"] == 2, "unreviewed experiences do not count"
    assert doc["recommendation"] is False, "the latest review's answer"
    assert doc["sentiment"] == {"positive": 1, "negative": 1}
    assert doc["experience_ids"] == ["e2", "e1"]
    assert doc["issues"]
    assert doc["highlights"]


def test_nothing_reviewed_means_no_rating() -> None:
    assert aggregate([experience(1, None)], NOW) is None
