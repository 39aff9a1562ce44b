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
from typing import Annotated

from muninn_shared.strict import Strict
from pydantic import AwareDatetime, BaseModel, Field

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


# --- The calendar API (/v1/calendar): what is read and written through the service. ---

MAX_RANGE_DAYS = 366
MAX_OCCURRENCES = 2_000
MAX_WRITE_ATTENDEES = 100
ConnectionIdField = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
CollectionIdField = Annotated[str, Field(min_length=1, max_length=1024)]
TitleField = Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
ShortText = Annotated[str, Field(max_length=MAX_SHORT_TEXT)]
LongText = Annotated[str, Field(max_length=MAX_DESCRIPTION)]
# A plain address: no spaces, separators or line breaks that could reach the iCalendar text.
EmailField = Annotated[
    str, Field(min_length=3, max_length=320, pattern=r"^[^\s@<>,;:\"]+@[^\s@<>,;:\"]+$")
]


class EventOccurrence(BaseModel):
    """One occurrence in a time range: a single event, or one instance of a series."""

    event_id: str
    connection_id: str | None
    calendar: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    time_zone: str | None = None
    location: str | None = None
    status: EventStatus
    recurring: bool
    recurrence_id: datetime | None = None


class OccurrenceList(BaseModel):
    items: list[EventOccurrence]
    truncated: bool = Field(
        default=False, description="more occurrences fall in the range than were returned"
    )


class OverrideSummary(BaseModel):
    recurrence_id: datetime | None
    title: str
    start: datetime
    end: datetime
    status: EventStatus


class EventDetail(BaseModel):
    """A series master (or single event) as stored, with its people and alarms."""

    id: str
    connection_id: str | None
    calendar: str
    uid: str
    title: str
    description: str | None = None
    location: str | None = None
    start: datetime
    end: datetime
    all_day: bool
    time_zone: str | None = None
    status: EventStatus
    organizer: Person | None = None
    attendees: list[Attendee]
    alarms: list[Alarm]
    recurring: bool
    recurrence_rule: str | None = None
    excluded_dates: list[datetime] = Field(default_factory=list)
    overrides: list[OverrideSummary] = Field(default_factory=list)
    url: str | None = None
    created_at: datetime
    updated_at: datetime


class AttendeeWrite(Strict):
    email: EmailField
    name: ShortText | None = None


class _EventFields(Strict):
    location: ShortText | None = None
    description: LongText | None = None
    time_zone: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="IANA zone the event is written in (default: UTC)"
    )
    attendees: Annotated[list[AttendeeWrite], Field(max_length=MAX_WRITE_ATTENDEES)] | None = None


class EventCreate(_EventFields):
    """A new event, written to the calendar at the source and stored once it is there."""

    connection_id: ConnectionIdField
    calendar: CollectionIdField = Field(description="the calendar's collection id")
    title: TitleField
    start: AwareDatetime
    end: AwareDatetime
    all_day: bool = False


class EventPatch(_EventFields):
    """The fields to change; absent fields stay as they are."""

    title: TitleField | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    all_day: bool | None = None
