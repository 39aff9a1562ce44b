"""When a notification that can wait arrives: at a learned hour, never inside quiet hours,
only within contact times and a bounded wait; urgent ones and reminders never wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_scheduler.delivery.policy import contact_hours, learned_delivery
from muninn_scheduler.notifications.service import wait_for_learned_hours
from muninn_scheduler.profiles.models import ContactTimes, Profile, QuietHours

DAY = timedelta(hours=24)


def lisbon(**fields: Any) -> Profile:
    return Profile(user_id="u", timezone="Europe/Lisbon", **fields)


def test_a_learned_hour_later_today_is_when_it_arrives() -> None:
    now = datetime(2026, 1, 5, 10, 20, tzinfo=UTC)  # 10:20 in Lisbon (UTC in winter)
    assert learned_delivery(now, lisbon(), [19], within=DAY) == datetime(
        2026, 1, 5, 19, 0, tzinfo=UTC
    )


def test_the_learned_hours_are_local_time() -> None:
    now = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)  # 10:00 in Lisbon (UTC+1)
    assert learned_delivery(now, lisbon(), [19], within=DAY) == datetime(
        2026, 7, 6, 18, 0, tzinfo=UTC
    )


def test_inside_a_learned_hour_it_arrives_now() -> None:
    now = datetime(2026, 1, 5, 19, 40, tzinfo=UTC)
    assert learned_delivery(now, lisbon(), [8, 19], within=DAY) is None


def test_after_the_last_learned_hour_it_waits_for_tomorrows_first() -> None:
    now = datetime(2026, 1, 5, 21, 0, tzinfo=UTC)
    assert learned_delivery(now, lisbon(), [8, 19], within=DAY) == datetime(
        2026, 1, 6, 8, 0, tzinfo=UTC
    )


def test_quiet_hours_win_over_a_learned_hour() -> None:
    # They answer at 23:00, but asked for quiet from 22:00: that hour is never used.
    quiet = lisbon(quiet_hours=QuietHours(enabled=True, start="22:00", end="07:00"))
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert learned_delivery(now, quiet, [23], within=DAY) is None
    assert learned_delivery(now, quiet, [19, 23], within=DAY) == datetime(
        2026, 1, 5, 19, 0, tzinfo=UTC
    )


def test_only_within_the_contact_times_kept() -> None:
    no_evenings = lisbon(preferred_contact_times=ContactTimes(evening=None))
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert 19 not in contact_hours(no_evenings)
    assert learned_delivery(now, no_evenings, [19], within=DAY) is None
    assert learned_delivery(now, no_evenings, [13, 19], within=DAY) == datetime(
        2026, 1, 5, 13, 0, tzinfo=UTC
    )
    assert 3 not in contact_hours(lisbon()), "the small hours are in no contact period"


def test_a_learned_hour_beyond_the_wait_is_not_waited_for() -> None:
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    assert learned_delivery(now, lisbon(), [19], within=timedelta(hours=8)) is None


def notification(priority: str = "normal", *, flexible: bool = True, age: float = 0) -> Any:
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    return {"priority": priority, "flexible": flexible, "created_at": now - timedelta(hours=age)}


def test_only_a_flexible_low_or_normal_notification_waits() -> None:
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    evening = datetime(2026, 1, 5, 19, 0, tzinfo=UTC)
    for priority in ("low", "normal"):
        assert wait_for_learned_hours(notification(priority), now, lisbon(), [19], DAY) == evening
    for priority in ("high", "urgent"):
        assert wait_for_learned_hours(notification(priority), now, lisbon(), [19], DAY) is None
    reminder = notification(flexible=False)
    assert wait_for_learned_hours(reminder, now, lisbon(), [19], DAY) is None


def test_a_notification_waits_no_longer_than_the_bound_since_it_was_made() -> None:
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    waited = notification(age=20)  # made at 14:00 yesterday: 4 h left of 24
    assert wait_for_learned_hours(waited, now, lisbon(), [19], DAY) is None
    assert wait_for_learned_hours(notification(age=30), now, lisbon(), [19], DAY) is None
