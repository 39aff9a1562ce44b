from __future__ import annotations

from datetime import UTC, datetime

from muninn_scheduler.delivery.policy import next_contact_time, quiet_until
from muninn_scheduler.delivery.webhook import sign, verify
from muninn_scheduler.profiles.models import Profile, QuietHours


def lisbon(start: str = "22:00", end: str = "07:00", enabled: bool = True) -> Profile:
    return Profile(
        user_id="u",
        timezone="Europe/Lisbon",
        quiet_hours=QuietHours(enabled=enabled, start=start, end=end),
    )


def test_quiet_hours_wrapping_midnight_end_next_morning() -> None:
    now = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 23:30 in Lisbon (summer, UTC+1)
    assert quiet_until(now, lisbon()) == datetime(2026, 7, 2, 6, 0, tzinfo=UTC)  # 07:00 local


def test_after_midnight_still_quiet_until_the_same_morning() -> None:
    now = datetime(2026, 7, 2, 2, 0, tzinfo=UTC)  # 03:00 local
    assert quiet_until(now, lisbon()) == datetime(2026, 7, 2, 6, 0, tzinfo=UTC)


def test_daytime_is_not_quiet_and_disabled_never_is() -> None:
    assert quiet_until(datetime(2026, 7, 2, 12, 0, tzinfo=UTC), lisbon()) is None
    assert quiet_until(datetime(2026, 7, 1, 22, 30, tzinfo=UTC), lisbon(enabled=False)) is None


def test_same_day_window() -> None:
    profile = lisbon("13:00", "14:00")
    assert quiet_until(datetime(2026, 1, 5, 13, 30, tzinfo=UTC), profile) == datetime(
        2026, 1, 5, 14, 0, tzinfo=UTC
    )
    assert quiet_until(datetime(2026, 1, 5, 14, 0, tzinfo=UTC), profile) is None


def test_quiet_hours_end_on_dst_night_uses_local_time() -> None:
    # Lisbon falls back on 2026-10-25 at 02:00 local; 07:00 local that morning is 07:00Z.
    now = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # 23:30 local (UTC+1)
    assert quiet_until(now, lisbon()) == datetime(2026, 10, 25, 7, 0, tzinfo=UTC)


def test_next_contact_time_skips_quiet_hours() -> None:
    profile = Profile(user_id="u", timezone="UTC")
    assert next_contact_time(datetime(2026, 1, 5, 10, 0, tzinfo=UTC), profile) == datetime(
        2026, 1, 5, 14, 0, tzinfo=UTC
    )
    assert next_contact_time(datetime(2026, 1, 5, 19, 0, tzinfo=UTC), profile) == datetime(
        2026, 1, 6, 9, 0, tzinfo=UTC
    )


def test_webhook_signature_round_trip_and_tamper() -> None:
    body = b'{"id":"n1"}'
    header = sign("whsec_x", 1_700_000_000, body)
    assert verify("whsec_x", header, body, now=1_700_000_010)
    assert not verify("whsec_x", header, body + b" ", now=1_700_000_010)
    assert not verify("whsec_y", header, body, now=1_700_000_010)
    assert not verify("whsec_x", header, body, now=1_700_009_999), "stale signatures are refused"
    assert not verify("whsec_x", "garbage", body)
