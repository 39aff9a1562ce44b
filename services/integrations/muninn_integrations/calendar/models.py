"""A calendar event normalized from an iCalendar VEVENT (seed 001: events, event_attendees,
event_notifications).

One calendar object (a CalDAV resource, one UID of a feed) becomes one ``CalendarEvent``:
the series master, or the single event, carrying its overridden occurrences in ``overrides``
and the iCalendar text it came from in ``ical`` so recurrences can be expanded for reads
(``calendar.recurrence``). ``calendar.ical`` reads the text, ``calendar.serialize`` writes
an event back.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

MAX_TITLE = 1_000
MAX_DESCRIPTION = 20_000
MAX_SHORT_TEXT = 1_000
MAX_ATTENDEES = 500
MAX_ALARMS = 20
MAX_OVERRIDES = 1_000
MAX_ICAL_CHARS = 1_000_000


class MalformedCalendarError(ValueError):
    """The text is not iCalendar this module can read."""


class ResponseStatus(StrEnum):
    NEEDS_ACTION = "needs-action"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TENTATIVE = "tentative"


class EventStatus(StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


class Person(BaseModel):
    email: str | None = None
    name: str | None = None


class Attendee(Person):
    response_status: ResponseStatus = ResponseStatus.NEEDS_ACTION
    role: str | None = None


class Alarm(BaseModel):
    """A VALARM: ``minutes_before`` the start, or at an absolute time ``at``."""

    action: str = "display"
    minutes_before: int | None = None
    at: datetime | None = None


class CalendarEvent(BaseModel):
    uid: str
    title: str = ""
    description: str | None = None
    location: str | None = None
    start: datetime
    end: datetime
    all_day: bool = False
    time_zone: str | None = Field(default=None, description="IANA name, None when floating/UTC")
    status: EventStatus = EventStatus.CONFIRMED
    organizer: Person | None = None
    attendees: list[Attendee] = Field(default_factory=list)
    alarms: list[Alarm] = Field(default_factory=list)
    recurrence_rule: str | None = Field(default=None, description="RRULE text, e.g. FREQ=WEEKLY")
    excluded_dates: list[datetime] = Field(default_factory=list, description="EXDATE")
    recurrence_id: datetime | None = Field(default=None, description="set on an override")
    url: str | None = None
    last_modified: datetime | None = None
    sequence: int = 0
    overrides: list[CalendarEvent] = Field(default_factory=list)
    ical: str | None = Field(default=None, repr=False)

    @property
    def recurring(self) -> bool:
        return self.recurrence_rule is not None
