"""Relationship strength, frequency, going cold (interactions/strength.py) and sentiment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from muninn_integrations.interactions.sentiment import score
from muninn_integrations.interactions.strength import (
    NO_ACTIVITY,
    Activity,
    Tuning,
    frequency_bucket,
    frequency_score,
    median_gap_days,
    recency,
    reciprocity,
    relationship,
)

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
TUNING = Tuning()


def every(days: float, count: int, last: datetime = NOW) -> list[datetime]:
    return [last - timedelta(days=days * i) for i in range(count)]


def activity(moments: list[datetime], *, inbound: int = 0, outbound: int = 0,
             mutual: int | None = None, sentiment: float = 0.0) -> Activity:  # fmt: skip
    in_window = [m for m in moments if m >= NOW - timedelta(days=TUNING.window_days)]
    if mutual is None:
        mutual = len(in_window) - inbound - outbound
    return Activity(
        last_at=max(moments),
        moments=moments,
        in_window=len(in_window),
        inbound=inbound,
        outbound=outbound,
        mutual=mutual,
        sentiment_sum=sentiment * len(in_window),
    )


@pytest.mark.parametrize(
    ("gap", "bucket"),
    [
        (0.5, "daily"),
        (2, "daily"),
        (2.01, "weekly"),
        (10, "weekly"),
        (14, "biweekly"),
        (21, "biweekly"),
        (30, "monthly"),
        (45, "monthly"),
        (90, "quarterly"),
        (120, "quarterly"),
        (121, "rarely"),
    ],
)
def test_frequency_buckets_follow_the_median_gap(gap: float, bucket: str) -> None:
    assert frequency_bucket(gap) == bucket


def test_the_median_gap_ignores_a_burst() -> None:
    moments = [*every(30, 4), NOW - timedelta(days=91), NOW - timedelta(days=91.5)]
    assert median_gap_days(moments) == pytest.approx(30)
    assert median_gap_days([NOW]) is None


def test_the_parts_of_the_formula() -> None:
    assert recency(NOW, NOW, 30) == 1.0
    assert recency(NOW - timedelta(days=30), NOW, 30) == pytest.approx(0.5)
    assert recency(NOW - timedelta(days=60), NOW, 30) == pytest.approx(0.25)
    assert recency(None, NOW, 30) == 0.0
    assert frequency_score(0, 24) == 0.0
    assert frequency_score(24, 24) == pytest.approx(1.0)
    assert frequency_score(100, 24) == 1.0
    assert 0 < frequency_score(3, 24) < frequency_score(10, 24) < 1
    assert reciprocity(5, 5, 0) == 1.0
    assert reciprocity(4, 0, 0) == 0.0
    assert reciprocity(3, 1, 0) == pytest.approx(0.5)
    assert reciprocity(0, 0, 3) == 1.0  # a meeting is both sides
    assert reciprocity(0, 0, 0) == 0.0


def test_strength_is_the_weighted_sum_and_stays_in_range() -> None:
    moments = every(7, 24)
    found = relationship(activity(moments, inbound=12, outbound=12, mutual=0, sentiment=1.0),
                         NOW, TUNING)  # fmt: skip
    assert found.strength == pytest.approx(1.0)
    neutral = relationship(activity([NOW], inbound=1, outbound=0, mutual=0), NOW, TUNING)
    expected = 0.35 * 1.0 + 0.35 * (0.6931 / 3.2189) + 0.15 * 0.0 + 0.15 * 0.5
    assert neutral.strength == pytest.approx(expected, abs=1e-3)
    assert relationship(NO_ACTIVITY, NOW, TUNING).strength == 0.0
    assert relationship(NO_ACTIVITY, NOW, TUNING).frequency is None


def test_more_and_more_recent_interactions_make_a_stronger_relationship() -> None:
    few = relationship(activity(every(20, 3)), NOW, TUNING).strength
    many = relationship(activity(every(5, 12)), NOW, TUNING).strength
    old = relationship(activity(every(20, 3, NOW - timedelta(days=60))), NOW, TUNING).strength
    assert old < few < many


def test_going_cold_flips_when_the_contacts_own_rhythm_lapses() -> None:
    weekly = every(7, 6, NOW)
    usual = relationship(activity(weekly), NOW, TUNING)
    assert usual.frequency == "weekly"
    assert usual.usual_gap_days == pytest.approx(7)
    assert usual.cold_after_days == pytest.approx(14)  # 2 x 7, the minimum is 14 as well
    assert not usual.going_cold
    assert not relationship(activity(weekly), NOW + timedelta(days=14), TUNING).going_cold
    later = NOW + timedelta(days=14, minutes=1)
    assert relationship(activity(weekly), later, TUNING).going_cold

    monthly = every(30, 4, NOW)
    assert relationship(activity(monthly), NOW + timedelta(days=60), TUNING).going_cold is False
    assert relationship(activity(monthly), NOW + timedelta(days=61), TUNING).going_cold is True


def test_daily_contacts_are_not_cold_before_the_minimum_and_two_interactions_teach_nothing() -> (
    None
):
    daily = every(1, 10)
    assert relationship(activity(daily), NOW + timedelta(days=13), TUNING).going_cold is False
    assert relationship(activity(daily), NOW + timedelta(days=15), TUNING).going_cold is True
    pair = every(7, 2)
    found = relationship(activity(pair), NOW + timedelta(days=365), TUNING)
    assert found.going_cold is False
    assert found.cold_after_days is None
    assert found.frequency == "weekly"


def test_sentiment_lexicon_negation_and_intensity() -> None:
    assert score("") == 0.0
    assert score(None) == 0.0
    assert score("The quarterly report is attached.") == 0.0
    happy = score("Great to see you, thanks for lunch!")
    assert 0 < happy <= 1
    assert score("not good") < 0
    assert score("I'm not happy about the delay") < 0
    assert score("very happy") > score("happy") > 0
    assert score("slightly disappointed") > score("disappointed")
    assert score("terrible awful horrible worst " * 100) >= -1.0
    assert score("great wonderful amazing " * 500) <= 1.0
    assert score("The delay was terrible, sorry") < 0
