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


# The hours each of the person's contact times stands for: a period they may be reached in.
# Unsetting one (morning: null) keeps notifications that can wait out of that period.
CONTACT_PERIODS = {"morning": range(5, 12), "afternoon": range(12, 17), "evening": range(17, 24)}


def contact_hours(profile: Profile) -> set[int]:
    """The local hours of the periods whose contact time the person keeps."""
    times = profile.preferred_contact_times
    return {
        hour
        for period, hours in CONTACT_PERIODS.items()
        if getattr(times, period) is not None
        for hour in hours
    }


def learned_delivery(
    now: datetime, profile: Profile, learned_hours: list[int], *, within: timedelta
) -> datetime | None:
    """When a notification that can wait should arrive: the start of the next of the hours
    the person usually writes and answers at (local time) that is in one of their contact
    periods and outside quiet hours, within ``within``; None to deliver now — the current
    hour is one of them, or none of them qualifies.

    Quiet hours still win: a learned hour inside them is never used.
    """
    allowed = set(learned_hours) & contact_hours(profile)
    if not allowed:
        return None
    zone = profile.zone()
    local = now.astimezone(zone)
    if local.hour in allowed and quiet_until(now, profile) is None:
        return None
    for day_offset in range(0, 3):
        day = local.date() + timedelta(days=day_offset)
        for hour in sorted(allowed):
            candidate = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
            if candidate <= local:
                continue
            moment = candidate.astimezone(UTC)
            if moment - now > within:
                return None
            if quiet_until(moment, profile) is None:
                return moment
    return None
