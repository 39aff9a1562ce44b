"""When a notification may reach a person: quiet hours and rate limits defer, never drop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from muninn_scheduler.profiles.models import Profile


def quiet_until(now: datetime, profile: Profile) -> datetime | None:
    """The end of the quiet period ``now`` falls in (UTC), or None when it is not quiet.

    Quiet hours are local wall-clock times; a window like 22:00-08:00 wraps midnight, and a
    window on a DST-change night ends at the right local time, not a fixed offset later.
    """
    hours = profile.quiet_hours
    if not hours.enabled:
        return None
    start, end = hours.bounds()
    if start == end:
        return None
    zone = profile.zone()
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    wraps = start > end
    inside = (start <= clock or clock < end) if wraps else (start <= clock < end)
    if not inside:
        return None
    end_day = local.date()
    if wraps and clock >= start:
        end_day += timedelta(days=1)
    local_end = datetime.combine(end_day, end, tzinfo=zone)
    return local_end.astimezone(UTC)


def next_contact_time(now: datetime, profile: Profile) -> datetime:
    """The next of the person's preferred contact hours (for nudges that can wait), in UTC."""
    zone = profile.zone()
    local = now.astimezone(zone)
    hours = profile.preferred_contact_times.hours() or [9]
    for day_offset in range(0, 3):
        day = local.date() + timedelta(days=day_offset)
        for hour in hours:
            candidate = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
            if candidate > local:
                utc = candidate.astimezone(UTC)
                return quiet_until(utc, profile) or utc
    return now + timedelta(days=1)
