"""The offline learner on synthetic activity: which patterns, how confident, on what evidence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from muninn_scheduler.patterns.activity import (
    ActivityKind,
    Observation,
    activity_doc,
    terms_of,
    weekday_sunday_first,
)
from muninn_scheduler.patterns.behaviour import LLMPattern, LLMPatterns, drafts_from
from muninn_scheduler.patterns.learner import (
    ACTIVE_HOURS,
    NOTIFICATION_RESPONSE,
    REPLY_LENGTH,
    active_hours,
    confidence,
    learn,
    notification_response,
    recurring_topics,
    reply_length,
)
from muninn_scheduler.patterns.memories import RememberedFact

LISBON = ZoneInfo("Europe/Lisbon")
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def seen(
    at: datetime,
    kind: ActivityKind = ActivityKind.MESSAGE,
    zone: ZoneInfo = LISBON,
    **fields: object,
) -> Observation:
    doc = activity_doc(
        user_id="u",
        kind=kind,
        source_id=at.isoformat(),
        at=at,
        zone=zone,
        keep_days=400,
        **fields,
    )
    return Observation.from_doc(doc)


def test_evenings_are_learned_as_the_active_hours_with_their_evidence() -> None:
    # 14 evenings at 19:xx Lisbon time (UTC in winter), 2 stray mornings.
    evenings = [seen(MONDAY + timedelta(days=d, hours=19, minutes=d)) for d in range(14)]
    mornings = [seen(MONDAY + timedelta(days=d, hours=8)) for d in (3, 9)]
    draft = active_hours(evenings + mornings, min_evidence=5)
    assert draft is not None
    assert draft.key == ACTIVE_HOURS
    assert draft.time_patterns["hours"] == [19]
    assert draft.evidence_count == 16
    assert draft.evidence["by_hour"] == {"8": 2, "19": 14}
    assert draft.evidence["in_learned_hours"] == 14
    # 14 of 16 in the learned hour, over 16 observations.
    assert draft.confidence == confidence(14 / 16, 16) == pytest.approx(0.667, abs=0.001)
    assert "19:00-20:00" in draft.description


def test_hours_are_local_hours_of_the_moment_they_happened() -> None:
    summer = datetime(2026, 7, 6, 18, 0, tzinfo=UTC)  # 19:00 in Lisbon (UTC+1)
    draft = active_hours([seen(summer + timedelta(days=d)) for d in range(6)], min_evidence=5)
    assert draft is not None
    assert draft.time_patterns["hours"] == [19]


def test_few_or_scattered_observations_learn_little() -> None:
    few = [seen(MONDAY + timedelta(hours=19, days=d)) for d in range(4)]
    assert active_hours(few, min_evidence=5) is None
    scattered = [seen(MONDAY + timedelta(hours=h)) for h in range(6, 22)]
    assert active_hours(scattered, min_evidence=5) is None, "no hour seen twice"
    loose = [seen(MONDAY + timedelta(days=d % 2, hours=h)) for d in range(2) for h in range(8, 18)]
    draft = active_hours(loose, min_evidence=5)
    assert draft is not None
    assert draft.confidence < 0.5, "ten busy hours are no routine to wait for"


def test_how_quickly_notifications_are_answered() -> None:
    answers = [
        seen(
            MONDAY + timedelta(days=d, hours=12),
            ActivityKind.NOTIFICATION_RESPONSE,
            response_seconds=60.0 * (5 + d),
            response="read" if d % 2 else "acted_upon",
            notification_kind="reminder" if d < 4 else "follow_up",
        )
        for d in range(6)
    ]
    draft = notification_response(answers, delivered=10, min_evidence=5)
    assert draft is not None
    assert draft.key == NOTIFICATION_RESPONSE
    assert draft.evidence["median_seconds"] == pytest.approx(60 * 7.5)
    assert draft.evidence["within_hour"] == 6
    assert draft.evidence["outcomes"] == {"acted_upon": 3, "read": 3}
    assert draft.evidence["per_kind"]["follow_up"]["responses"] == 2
    assert draft.evidence["delivered"] == 10
    assert "6 of the 10 delivered" in draft.description
    assert draft.confidence == confidence(1.0, 6)


def test_reply_length_follows_how_long_the_messages_are() -> None:
    short = [seen(MONDAY + timedelta(hours=h), length=30 + h) for h in range(8)]
    draft = reply_length([*short, seen(MONDAY, length=900)], min_evidence=5)
    assert draft is not None
    assert draft.key == REPLY_LENGTH
    assert draft.evidence["preferred"] == "short"
    assert (draft.evidence["short"], draft.evidence["long"]) == (8, 1)
    assert draft.confidence == confidence(8 / 9, 9)


def test_a_topic_that_comes_back_on_mondays() -> None:
    mondays = [seen(MONDAY + timedelta(weeks=w, hours=9), terms=("gym", "legs")) for w in range(4)]
    other = [seen(MONDAY + timedelta(days=3, hours=9), terms=("gym",))]
    once = [seen(MONDAY + timedelta(days=1), terms=("dentist",))]
    topics = {d.key: d for d in recurring_topics(mondays + other + once)}
    assert list(topics) == ["topic:legs", "topic:gym"], "surest first; once is no pattern"
    gym = topics["topic:gym"]
    assert gym.time_patterns["days_of_week"] == [1]
    assert gym.evidence["on_weekday"] == 4
    assert gym.evidence_count == 5
    assert gym.confidence == confidence(4 / 5, 5) < topics["topic:legs"].confidence


def test_a_topic_that_comes_back_each_spring() -> None:
    days = [datetime(year, month, 10, 12, tzinfo=UTC) for year in (2025, 2026) for month in (4, 5)]
    garden = [seen(d + timedelta(days=i), terms=("garden",)) for i, d in enumerate(days)]
    (draft,) = recurring_topics(garden)
    assert draft.key == "topic:garden"
    assert draft.time_patterns["seasons"] == ["spring"]
    assert draft.time_patterns["months"] == [4, 5]
    assert draft.evidence["years"] == [2025, 2026]


def test_learn_puts_every_supported_pattern_together() -> None:
    messages = [
        seen(MONDAY + timedelta(days=d, hours=20), length=40, terms=("budget",)) for d in range(7)
    ]
    keys = {d.key for d in learn(messages, delivered=None, min_evidence=5)}
    assert {ACTIVE_HOURS, REPLY_LENGTH} <= keys
    assert NOTIFICATION_RESPONSE not in keys, "no answers observed"


def test_topic_words_and_weekdays() -> None:
    assert terms_of("Remind me about the dentist, and the Dentist again! 42 gym") == ["dentist"]
    assert terms_of("Train legs at the gymnasium on Monday") == ["train", "legs", "gymnasium"]
    assert weekday_sunday_first(datetime(2026, 3, 1, tzinfo=UTC)) == 0  # a Sunday
    assert weekday_sunday_first(MONDAY) == 1


def test_behaviour_patterns_keep_only_what_real_memories_show() -> None:
    memories = [
        RememberedFact(
            id=f"m{i}", content=f"fact {i}", type="event", context="work", occurred_at=MONDAY
        )
        for i in range(4)
    ]
    answer = LLMPatterns(
        patterns=[
            LLMPattern(
                pattern_type="stress_response",
                name="Works late before deadlines",
                description="You work late before deadlines.",
                confidence=0.95,
                evidence=["m0", "m1", "m1", "invented"],
            ),
            LLMPattern(
                pattern_type="habit",
                name="Made up",
                description="Only one real memory.",
                evidence=["m2", "nope"],
            ),
        ]
    )
    (draft,) = drafts_from(answer, memories)
    assert draft.key == "behaviour:stress_response_works_late_before_deadlines"
    assert draft.evidence["memory_ids"] == ["m0", "m1"]
    assert draft.evidence_count == 2
    assert draft.confidence == 0.5, "two citations support no more than 2/(2+2)"
