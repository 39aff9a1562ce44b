"""The occurrences of a recurring meeting that count as interactions (pure, no I/O).

A weekly 1:1 is a meeting each week, not one at the series' first start. Only occurrences
from the relationship window's start up to ``horizon`` ahead are expanded, at most
``max_occurrences`` of them: an unbounded or absurdly dense rule (``FREQ=SECONDLY``) must not
fill a sync page's transaction. A series denser than that is expanded again around now, so
the occurrences kept are the ones that say most about recency and rhythm. Expanding walks a
rule from its first start, so a rule that would take more than ``MAX_RULE_STEPS`` steps to
reach the horizon (a meeting every second, every minute for months) is not a meeting anyone
had: it gives no occurrences at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.calendar.models import CalendarEvent
from muninn_integrations.calendar.recurrence import MAX_RULE_STEPS, expand_event, rule_steps
from muninn_integrations.calendar.sink import event_data
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.interactions.derive import Derived, record_interactions


@dataclass(frozen=True)
class SeriesPolicy:
    window: timedelta
    """Occurrences older than this are not expanded (they no longer count for frequency)."""
    horizon: timedelta
    """Occurrences up to this far ahead are derived, so they count once they happen."""
    max_occurrences: int
    roll_every: timedelta
    """A series is derived again this long after it last was (the horizon moves on)."""
    roll_batch: int
    """Series rolled forward in one run of the hourly job, at most."""


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a series: ``key`` names it whether or not it was moved (its original
    start, the iCalendar RECURRENCE-ID), ``data`` is what a single meeting's record carries."""

    key: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SeriesExpansion:
    occurrences: list[Occurrence]
    covered_from: datetime
    """Occurrence interactions before this are history the expansion did not look at: kept.
    A series too dense to expand in full covers everything (it keeps only what was derived)."""
    through: datetime
    """The end of the range derived: the horizon, or the last occurrence when capped."""


SeriesReader = Callable[
    [str, Sequence[str], AsyncClientSession], Awaitable[Mapping[str, CalendarEvent]]
]
"""The user's stored calendar events by id, read in the caller's transaction."""

# A page of many series expands them until they gave this many occurrences (a page's
# transaction stays small); the rest are left to the roll-forward.
PAGE_OCCURRENCES = 2_000


def occurrence_key(recurrence_id: datetime) -> str:
    return recurrence_id.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _derived(event: CalendarEvent, start: datetime, end: datetime, limit: int) -> list[Occurrence]:
    found = expand_event(event, start, end, limit=limit)
    return [
        Occurrence(occurrence_key(o.recurrence_id or o.start), event_data(o, "")) for o in found
    ]


def expand_series(event: CalendarEvent, now: datetime, policy: SeriesPolicy) -> SeriesExpansion:
    """The occurrences of ``event`` in [now - window, now + horizon), at most
    ``max_occurrences``; raises what ``expand_event`` raises for a rule it cannot expand."""
    start, end = now - policy.window, now + policy.horizon
    if rule_steps(event.recurrence_rule or "", event.start, end) > MAX_RULE_STEPS:
        return SeriesExpansion([], datetime.min.replace(tzinfo=UTC), end)
    cap = policy.max_occurrences
    found = _derived(event, start, end, cap + 1)
    if len(found) <= cap:
        return SeriesExpansion(found, start, end)
    # Too dense for the range: as many again, centred on now (half the span the first cap
    # covered on either side), so the latest past and the next occurrences are the ones kept.
    first, last = (datetime.fromisoformat(found[i].data["start"]) for i in (0, cap - 1))
    around = max(start, now - (last - first) / 2)
    found = _derived(event, around, end, cap)
    capped = len(found) >= cap
    through = datetime.fromisoformat(found[-1].data["start"]) if capped else end
    return SeriesExpansion(found, datetime.min.replace(tzinfo=UTC), through)


def occurrence_interactions(
    record_id: str, expansion: SeriesExpansion, known: Mapping[str, str]
) -> Derived:
    """Each occurrence of a series as a single meeting would be (its own time, and its own
    attendees when it was overridden; none when cancelled), named
    ``<record_id>@<occurrence key>:<contact_id>``."""
    found: Derived = {}
    for occurrence in expansion.occurrences:
        found.update(
            record_interactions(
                f"{record_id}@{occurrence.key}", RecordKind.CALENDAR_EVENT, occurrence.data, known
            )
        )
    return found
