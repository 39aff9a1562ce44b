"""Patterns counted from observations, without any model: pure functions, tested on their own.

Each pattern carries the counts it was learned from, and a confidence that grows with the
evidence and with how concentrated it is: ``share * n / (n + 5)``, where ``share`` is the part
of the observations the pattern accounts for (the hours it names, the class of length, the
weekday of a topic) and ``n`` how many there were. Six messages all written at 19:00 give
0.55; the same share over sixty, 0.92; sixty spread over the whole day, little.

- ``active_hours``: when the user writes and answers (messages and answers to notifications):
  the fewest hours holding most of it, and the days it happens on. The scheduler delivers
  notifications that can wait at these hours.
- ``notification_response``: how quickly they open and act on notifications, per kind.
- ``reply_length``: how long their messages are, a hint for how long replies should be.
- ``topic:<word>``: a topic that comes back on the same weekday, or in the same season of
  different years.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from muninn_scheduler.patterns.activity import ActivityKind, Observation

DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
SEASONS = {
    "winter": (12, 1, 2),
    "spring": (3, 4, 5),
    "summer": (6, 7, 8),
    "autumn": (9, 10, 11),
}
HOURS_SHARE = 0.6  # the learned hours hold at least this share of the activity…
MAX_HOURS = 4  # …in at most this many hours
SHORT_MESSAGE = 80
LONG_MESSAGE = 400
TOPIC_MIN_DAYS = 3
TOPIC_WEEKDAY_SHARE = 0.6
TOPIC_SEASON_SHARE = 0.75
MAX_TOPICS = 10

ACTIVE_HOURS = "active_hours"
NOTIFICATION_RESPONSE = "notification_response"
REPLY_LENGTH = "reply_length"
TOPIC_PREFIX = "topic:"


@dataclass
class Draft:
    """A learned pattern before it is stored (``key`` names it among the user's patterns)."""

    key: str
    pattern_type: str
    name: str
    description: str
    confidence: float
    evidence_count: int
    evidence: dict[str, Any]
    time_patterns: dict[str, list[Any]] = field(default_factory=dict)
    triggers: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    preventative_actions: list[str] = field(default_factory=list)


def confidence(share: float, count: int) -> float:
    return round(max(0.0, min(1.0, share)) * count / (count + 5), 3)


def clock(hour: int) -> str:
    return f"{hour:02d}:00"


def hours_text(hours: Sequence[int]) -> str:
    return ", ".join(f"{clock(h)}-{clock((h + 1) % 24)}" for h in sorted(hours))


def days_text(days: Sequence[int]) -> str:
    names = [DAY_NAMES[d] for d in sorted(days)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def season_of(month: int) -> str:
    return next(name for name, months in SEASONS.items() if month in months)


def top_hours(counts: Counter[int], total: int) -> list[int]:
    """The fewest hours (at most ``MAX_HOURS``, each seen twice or more) that hold
    ``HOURS_SHARE`` of ``total``; all of those it can when no set that small does."""
    chosen: list[int] = []
    held = 0
    for hour, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if count < 2 or len(chosen) == MAX_HOURS or held >= HOURS_SHARE * total:
            break
        chosen.append(hour)
        held += count
    return sorted(chosen)


def active_hours(observations: Sequence[Observation], min_evidence: int) -> Draft | None:
    if len(observations) < min_evidence:
        return None
    total = len(observations)
    by_hour = Counter(o.local_hour for o in observations)
    by_day = Counter(o.weekday for o in observations)
    hours = top_hours(by_hour, total)
    if not hours:
        return None
    held = sum(by_hour[h] for h in hours)
    busiest = max(by_day.values())
    days = sorted(d for d, count in by_day.items() if count * 2 >= busiest)
    kinds = Counter(o.kind.value for o in observations)
    description = (
        f"You write and answer mostly at {hours_text(hours)} ({held} of {total} times), "
        f"most often on {days_text(days)}."
    )
    return Draft(
        key=ACTIVE_HOURS,
        pattern_type="activity_rhythm",
        name="When you are active",
        description=description,
        confidence=confidence(held / total, total),
        evidence_count=total,
        evidence={
            "by_hour": {str(h): by_hour[h] for h in sorted(by_hour)},
            "by_weekday": {str(d): by_day[d] for d in sorted(by_day)},
            "by_kind": dict(sorted(kinds.items())),
            "in_learned_hours": held,
        },
        time_patterns={"hours": hours, "days_of_week": days},
        indicators=[f"{clock(h)} local time" for h in hours],
        recommendations=[
            f"Notifications that can wait are delivered at {hours_text(hours)}, outside "
            "quiet hours and within your contact times."
        ],
    )


def _minutes(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{round(minutes / 60, 1):g} hours"


def notification_response(
    responses: Sequence[Observation], delivered: int | None, min_evidence: int
) -> Draft | None:
    """``delivered``: notifications delivered over the same span (None when unknown)."""
    timed = [o for o in responses if o.response_seconds is not None]
    if len(timed) < min_evidence:
        return None
    delays = sorted(float(o.response_seconds or 0.0) for o in timed)
    median = statistics.median(delays)
    within_hour = sum(1 for d in delays if d <= 3600)
    outcomes = Counter(o.response or "read" for o in timed)
    per_kind: dict[str, dict[str, float | int]] = {}
    grouped: dict[str, list[float]] = defaultdict(list)
    for o in timed:
        grouped[o.notification_kind or "other"].append(float(o.response_seconds or 0.0))
    for kind, values in sorted(grouped.items()):
        per_kind[kind] = {"responses": len(values), "median_seconds": statistics.median(values)}
    answered_share = min(1.0, len(timed) / delivered) if delivered else None
    description = f"You usually answer a notification within {_minutes(median)}"
    description += f" ({within_hour} of {len(timed)} within the hour)"
    if answered_share is not None:
        description += f", and answer {len(timed)} of the {delivered} delivered"
    description += "."
    recommendations = (
        ["Notifications reach you in time; nothing needs to come earlier."]
        if median <= 3600
        else [
            "You often answer hours later: what matters that day is better sent the evening before."
        ]
    )
    return Draft(
        key=NOTIFICATION_RESPONSE,
        pattern_type="responsiveness",
        name="How quickly you act on notifications",
        description=description,
        # Consistent when most answers come on the same side of the hour.
        confidence=confidence(max(within_hour, len(timed) - within_hour) / len(timed), len(timed)),
        evidence_count=len(timed),
        evidence={
            "median_seconds": median,
            "within_hour": within_hour,
            "outcomes": dict(sorted(outcomes.items())),
            "per_kind": per_kind,
            "delivered": delivered,
        },
        outcomes=[f"{name}: {count}" for name, count in sorted(outcomes.items())],
        recommendations=recommendations,
    )


def reply_length(messages: Sequence[Observation], min_evidence: int) -> Draft | None:
    lengths = sorted(o.length for o in messages if o.length is not None)
    if len(lengths) < min_evidence:
        return None
    median = statistics.median(lengths)
    short = sum(1 for n in lengths if n < SHORT_MESSAGE)
    long_ = sum(1 for n in lengths if n >= LONG_MESSAGE)
    medium = len(lengths) - short - long_
    if median < SHORT_MESSAGE:
        style, held, advice = "short", short, "Keep replies brief: a few sentences at most."
    elif median < LONG_MESSAGE:
        style, held, advice = "medium", medium, "Replies of a paragraph or two suit you."
    else:
        style, held, advice = "long", long_, "Detailed, structured replies suit you."
    return Draft(
        key=REPLY_LENGTH,
        pattern_type="communication_style",
        name=f"You prefer {style} exchanges",
        description=(
            f"Your messages are {style}: half are under {int(median)} characters "
            f"({held} of {len(lengths)} are {style})."
        ),
        confidence=confidence(held / len(lengths), len(lengths)),
        evidence_count=len(lengths),
        evidence={
            "median_characters": median,
            "short": short,
            "medium": medium,
            "long": long_,
            "preferred": style,
        },
        indicators=[f"median message length {int(median)} characters"],
        recommendations=[advice],
    )


def recurring_topics(messages: Sequence[Observation]) -> list[Draft]:
    """Topics that come back on one weekday, or in one season of different years."""
    dates: dict[str, dict[str, Observation]] = defaultdict(dict)
    for o in messages:
        for term in o.terms:
            dates[term].setdefault(o.local_date, o)
    found: list[Draft] = []
    for term, days in dates.items():
        if len(days) < TOPIC_MIN_DAYS:
            continue
        seen = list(days.values())
        weekday, on_weekday = Counter(o.weekday for o in seen).most_common(1)[0]
        share = on_weekday / len(seen)
        if on_weekday >= TOPIC_MIN_DAYS and share >= TOPIC_WEEKDAY_SHARE:
            found.append(_weekday_topic(term, seen, weekday, on_weekday))
            continue
        years = {o.year for o in seen}
        season, in_season = Counter(season_of(o.month) for o in seen).most_common(1)[0]
        if len(years) >= 2 and in_season / len(seen) >= TOPIC_SEASON_SHARE:
            found.append(_season_topic(term, seen, season, in_season, years))
    found.sort(key=lambda d: (-d.confidence, d.key))
    return found[:MAX_TOPICS]


def _weekday_topic(term: str, seen: list[Observation], weekday: int, on_weekday: int) -> Draft:
    day = DAY_NAMES[weekday]
    return Draft(
        key=TOPIC_PREFIX + term,
        pattern_type="recurring_topic",
        name=f"“{term}” on {day}s",
        description=(
            f"“{term}” comes up on {day}s: on {on_weekday} of the {len(seen)} days you "
            "mentioned it."
        ),
        confidence=confidence(on_weekday / len(seen), len(seen)),
        evidence_count=len(seen),
        evidence={
            "term": term,
            "dates": sorted(o.local_date for o in seen),
            "on_weekday": on_weekday,
        },
        time_patterns={"days_of_week": [weekday]},
        triggers=[term],
        recommendations=[f"Have what you need about “{term}” ready on {day}s."],
    )


def _season_topic(
    term: str, seen: list[Observation], season: str, in_season: int, years: set[int]
) -> Draft:
    months = sorted({o.month for o in seen if season_of(o.month) == season})
    return Draft(
        key=TOPIC_PREFIX + term,
        pattern_type="recurring_topic",
        name=f"“{term}” every {season}",
        description=(
            f"“{term}” comes back each {season}: {in_season} of the {len(seen)} days you "
            f"mentioned it, over {len(years)} years."
        ),
        confidence=confidence(in_season / len(seen), len(seen)),
        evidence_count=len(seen),
        evidence={
            "term": term,
            "dates": sorted(o.local_date for o in seen),
            "in_season": in_season,
            "years": sorted(years),
        },
        time_patterns={"months": months, "seasons": [season]},
        triggers=[term],
        recommendations=[f"“{term}” will likely come up again next {season}."],
    )


def learn(
    observations: Sequence[Observation], *, delivered: int | None, min_evidence: int
) -> list[Draft]:
    """Every offline pattern the observations support."""
    messages = [o for o in observations if o.kind == ActivityKind.MESSAGE]
    responses = [o for o in observations if o.kind == ActivityKind.NOTIFICATION_RESPONSE]
    drafts = [
        active_hours(observations, min_evidence),
        notification_response(responses, delivered, min_evidence),
        reply_length(messages, min_evidence),
    ]
    return [d for d in drafts if d is not None] + recurring_topics(messages)
