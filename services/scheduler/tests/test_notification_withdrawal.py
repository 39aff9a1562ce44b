"""What withdrawing a notification the person no longer needs does, by where it stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from muninn_scheduler.notifications.models import NotificationStatus
from muninn_scheduler.notifications.service import (
    CLOSED,
    NotificationService,
    Withdrawal,
    status_fields,
    withdrawal_of,
)

NOW = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
ACTED, DISMISSED = NotificationStatus.ACTED_UPON, NotificationStatus.DISMISSED


def test_waiting_ones_are_cancelled_unread_ones_closed_handled_ones_kept() -> None:
    assert withdrawal_of(NotificationStatus.SCHEDULED.value) == Withdrawal.CANCEL
    assert withdrawal_of(NotificationStatus.UNREAD.value) == Withdrawal.CLOSE
    for handled in (
        NotificationStatus.READ,
        NotificationStatus.DISMISSED,
        NotificationStatus.ACTED_UPON,
    ):
        assert withdrawal_of(handled.value) == Withdrawal.KEEP, handled
    assert set(CLOSED) == {ACTED, DISMISSED}


async def test_an_unread_notification_cannot_be_withdrawn_to_unread_or_waiting() -> None:
    service = NotificationService.__new__(NotificationService)
    for status in (NotificationStatus.UNREAD, NotificationStatus.SCHEDULED):
        with pytest.raises(ValueError, match="cannot become"):
            await service.withdraw([], "x", None, unread_becomes=status)  # type: ignore[arg-type]


def test_acted_upon_records_when_it_was_read_and_acted_on() -> None:
    assert status_fields({}, NotificationStatus.ACTED_UPON, NOW) == {
        "status": "acted_upon",
        "updated_at": NOW,
        "read_at": NOW,
        "acted_at": NOW,
    }
    earlier = NOW - timedelta(hours=2)
    kept = status_fields({"read_at": earlier}, NotificationStatus.ACTED_UPON, NOW)
    assert kept["read_at"] == earlier, "the first reading stays"
    assert status_fields({}, NotificationStatus.DISMISSED, NOW) == {
        "status": "dismissed",
        "updated_at": NOW,
        "read_at": NOW,
    }
    assert status_fields({}, NotificationStatus.UNREAD, NOW) == {
        "status": "unread",
        "updated_at": NOW,
    }
