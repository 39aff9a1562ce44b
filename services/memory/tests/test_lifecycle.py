from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from muninn_memory.ingestion.planning import reinforced
from muninn_memory.lifecycle.decay import decayed, last_mentioned
from muninn_memory.profiles.models import profile_fields

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def preference(days_ago: float, importance: int = 8, **extra: object) -> dict[str, object]:
    return {"importance": importance, "occurred_at": NOW - timedelta(days=days_ago), **extra}


def test_importance_halves_every_half_life_down_to_a_floor() -> None:
    assert decayed(preference(0), NOW, half_life_days=90, floor=2) == (8, 1.0)
    assert decayed(preference(90), NOW, half_life_days=90, floor=2) == (4, 0.5)
    assert decayed(preference(180), NOW, half_life_days=90, floor=2) == (2, 0.25)
    assert decayed(preference(900), NOW, half_life_days=90, floor=2)[0] == 2
    assert decayed(preference(900, importance=1), NOW, half_life_days=90, floor=2)[0] == 1


def test_decay_starts_from_the_original_importance_and_the_last_mention() -> None:
    faded = preference(
        400, importance=3, base_importance=8, last_reinforced_at=NOW - timedelta(days=90)
    )
    assert last_mentioned(faded) == NOW - timedelta(days=90)
    assert decayed(faded, NOW, half_life_days=90, floor=2) == (4, 0.5)


def test_a_new_mention_restores_and_counts() -> None:
    target = {"importance": 3, "base_importance": 8, "reinforcements": 2, "last_reinforced_at": NOW}
    assert reinforced(target, NOW - timedelta(days=3)) == {
        "reinforcements": 3,
        "last_reinforced_at": NOW,
        "importance": 8,
        "decay_factor": 1.0,
    }
    assert reinforced({"importance": 6}, NOW)["last_reinforced_at"] == NOW


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        (
            {
                "privacy": {"data_retention_days": 30, "long_term_memory": False},
                "timezone": "Europe/Lisbon",
            },
            {"data_retention_days": 30, "long_term_memory": False, "timezone": "Europe/Lisbon"},
        ),
        (
            {"privacy": {"dataRetentionDays": 7, "longTermMemory": True}},
            {"data_retention_days": 7, "long_term_memory": True},
        ),
        ({"privacy": {"data_retention_days": -1}}, {}),
        ({"privacy": {"data_retention_days": True}}, {}),
        ({"privacy": "nonsense"}, {}),
        ({}, {}),
    ],
)
def test_profile_fields_from_identity_preferences(
    preferences: dict[str, object], expected: dict[str, object]
) -> None:
    assert profile_fields(preferences) == expected
