"""What withdrawing a notification the person no longer needs does, by where it stands, and
what each feature's changes make of its open notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from muninn_scheduler.experiences.service import ExperienceChange
from muninn_scheduler.experiences.service import change_of as experience_change_of
from muninn_scheduler.notifications.models import NotificationStatus
from muninn_scheduler.notifications.service import (
    CLOSED,
    NotificationService,
    Withdrawal,
    status_fields,
    withdrawal_of,
)
from muninn_scheduler.nudges.briefings import BriefingChange, briefing_source, stale
from muninn_scheduler.reminders.service import ReminderChange
from muninn_scheduler.tasks.service import TaskChange
from muninn_scheduler.tasks.service import change_of as task_change_of

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


def test_only_doing_what_a_reminder_or_task_asked_counts_as_acting_on_its_notice() -> None:
    assert {c: c.unread_becomes for c in ReminderChange} == {
        ReminderChange.COMPLETED: ACTED,
        ReminderChange.DELETED: DISMISSED,
        ReminderChange.SNOOZED: DISMISSED,
        ReminderChange.RESCHEDULED: DISMISSED,
    }
    assert {c: c.unread_becomes for c in TaskChange} == {
        TaskChange.COMPLETED: ACTED,
        TaskChange.CANCELLED: DISMISSED,
        TaskChange.DELETED: DISMISSED,
        TaskChange.RESCHEDULED: DISMISSED,
    }
    assert {c: c.unread_becomes for c in ExperienceChange} == {
        ExperienceChange.REVIEWED: ACTED,
        ExperienceChange.ENDED: DISMISSED,
        ExperienceChange.DELETED: DISMISSED,
    }


def task(**fields: Any) -> dict[str, Any]:
    return {"status": "todo", "due_at": NOW, "title": "Expenses", **fields}


def test_a_task_edit_withdraws_its_notices_when_it_ends_or_moves_only() -> None:
    before = task()
    assert task_change_of(before, task(status="cancelled")) == TaskChange.CANCELLED
    assert task_change_of(before, task(status="completed")) == TaskChange.COMPLETED
    later = NOW + timedelta(days=1)
    assert task_change_of(before, task(due_at=later)) == TaskChange.RESCHEDULED
    assert task_change_of(before, task(due_at=None)) == TaskChange.RESCHEDULED
    assert task_change_of(before, task(status="cancelled", due_at=later)) == TaskChange.CANCELLED
    assert task_change_of(before, task(title="Expenses, June")) is None
    assert task_change_of(before, task(status="in_progress")) is None
    assert task_change_of(task(status="cancelled"), task(status="todo")) is None


def test_an_experience_edit_withdraws_its_follow_up_when_it_is_called_off() -> None:
    scheduled = {"status": "scheduled"}
    assert experience_change_of(scheduled, {"status": "cancelled"}) == ExperienceChange.ENDED
    assert experience_change_of({"status": "completed"}, {"status": "no_show"}) == (
        ExperienceChange.ENDED
    )
    assert experience_change_of(scheduled, {"status": "completed"}) is None
    assert experience_change_of({"status": "cancelled"}, {"status": "no_show"}) is None


def test_a_briefings_notices_are_stale_when_it_is_gone_or_its_meeting_moved() -> None:
    lunch = NOW + timedelta(hours=3)
    doc = {"_id": "u:briefing:ev-Lunch:c-ana", "event_start": lunch}
    assert briefing_source(doc) == {"briefing_id": doc["_id"], "event_start": lunch}
    for_lunch = {"_id": "n1", "source": briefing_source(doc)}
    # The notice's start went through MongoDB at millisecond precision: still the same start.
    precise = lunch + timedelta(microseconds=400)
    assert stale([for_lunch], precise) == (BriefingChange.MOVED, [])
    moved = lunch + timedelta(hours=1)
    assert stale([for_lunch], moved) == (BriefingChange.MOVED, [for_lunch])
    assert stale([for_lunch], None) == (BriefingChange.CANCELLED, [for_lunch])
    unknown = {"_id": "n2", "source": None}
    assert stale([unknown], lunch) == (BriefingChange.MOVED, [unknown]), "for no known start"
