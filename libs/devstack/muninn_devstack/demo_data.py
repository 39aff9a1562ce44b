"""The demo's calendar, address book and mailbox: one source for ``make run-demo`` and the tests.

Times are relative to the moment of seeding, so every start has meetings in the recent past
and one coming up ("Lunch with Ana at Bistro Verde", 15 minutes ahead by default). Each item
has a fixed UID or Message-ID: seeding again replaces it at the server instead of adding a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

DEMO_ADDRESS = "demo@example.org"
DEMO_NAME = "Robin Demo"
UPCOMING_MEETING = "Lunch with Ana at Bistro Verde"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Meeting:
    uid: str
    title: str
    start: datetime
    duration: timedelta
    location: str
    attendees: tuple[Person, ...] = ()


@dataclass(frozen=True)
class Contact:
    uid: str
    name: str
    email: str | None = None
    phone: str | None = None
    birthday: date | None = None
    organisation: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Mail:
    message_id: str
    sender: Person
    subject: str
    body: str
    sent_at: datetime


@dataclass(frozen=True)
class DemoData:
    meetings: tuple[Meeting, ...]
    contacts: tuple[Contact, ...]
    mails: tuple[Mail, ...]

    @property
    def upcoming(self) -> Meeting:
        return max(self.meetings, key=lambda meeting: meeting.start)


ANA = Person("Ana Lima", "ana.lima@example.org")
BEN = Person("Ben Okafor", "ben.okafor@example.com")
CARLOS = Person("Carlos Silva", "carlos@example.net")
GRETA = Person("Greta Hall", "greta.hall@example.com")
BISTRO = Person("Bistro Verde", "news@bistro-verde.example")


def demo_data(now: datetime, upcoming_in: timedelta = timedelta(minutes=15)) -> DemoData:
    """The demo as of ``now``; the upcoming meeting starts ``upcoming_in`` later."""
    now = now.astimezone(UTC)

    def days_ago(days: int, hour: int, minute: int = 0) -> datetime:
        return (now - timedelta(days=days)).replace(
            hour=hour, minute=minute, second=0, microsecond=0
        )

    meetings = (
        Meeting(
            uid="demo-coffee-ana@muninn.demo",
            title="Coffee with Ana",
            start=days_ago(12, 9, 30),
            duration=timedelta(minutes=45),
            location="Café Central",
            attendees=(ANA,),
        ),
        Meeting(
            uid="demo-review-ben@muninn.demo",
            title="Project review with Ben",
            start=days_ago(5, 14),
            duration=timedelta(hours=1),
            location="Office, room 3",
            attendees=(BEN,),
        ),
        Meeting(
            uid="demo-dinner-ana-carlos@muninn.demo",
            title="Dinner with Ana and Carlos",
            start=days_ago(2, 19, 30),
            duration=timedelta(hours=2),
            location="Casa Lisboa",
            attendees=(ANA, CARLOS),
        ),
        Meeting(
            uid="demo-lunch-ana@muninn.demo",
            title=UPCOMING_MEETING,
            start=(now + upcoming_in).replace(microsecond=0),
            duration=timedelta(hours=1),
            location="Bistro Verde, Rua das Flores 12",
            attendees=(ANA,),
        ),
    )
    contacts = (
        Contact(
            uid="demo-contact-ana",
            name=ANA.name,
            email=ANA.email,
            phone="+351 912 345 678",
            birthday=date(1991, 6, 14),
            note="Met at the climbing gym.",
        ),
        Contact(
            uid="demo-contact-ben",
            name=BEN.name,
            email=BEN.email,
            organisation="Northwind",
        ),
        Contact(
            uid="demo-contact-carlos",
            name=CARLOS.name,
            email=CARLOS.email,
            birthday=date(1988, 11, 2),
        ),
        Contact(
            uid="demo-contact-greta",
            name=GRETA.name,
            email=GRETA.email,
            phone="+351 213 000 111",
            note="Landlord of the flat on Rua Augusta.",
        ),
    )
    mails = (
        Mail(
            message_id="<deposit@demo.example.com>",
            sender=GRETA,
            subject="Your deposit for the flat",
            body="Hello Robin, this is Greta, your landlord. The inspection went well: I will "
            "transfer the deposit of 1,200 EUR back to your account by Friday.",
            sent_at=now - timedelta(days=3, hours=2),
        ),
        Mail(
            message_id="<photos@demo.example.org>",
            sender=ANA,
            subject="Photos from dinner",
            body="Hi Robin! Here are the photos from Casa Lisboa. See you at Bistro Verde.",
            sent_at=now - timedelta(days=1, hours=5),
        ),
        Mail(
            message_id="<review-notes@demo.example.com>",
            sender=BEN,
            subject="Notes from the project review",
            body="Thanks for the review. Next milestone: the beta ships on the 20th.",
            sent_at=now - timedelta(days=4, hours=20),
        ),
        Mail(
            message_id="<climbing@demo.example.net>",
            sender=CARLOS,
            subject="Climbing on Saturday?",
            body="The gym opens at nine. Shall we go together with Ana?",
            sent_at=now - timedelta(hours=8),
        ),
        Mail(
            message_id="<menu@bistro-verde.example>",
            sender=BISTRO,
            subject="Our new autumn menu",
            body="Pumpkin soup, grilled sardines and a new lunch menu from Monday to Friday.",
            sent_at=now - timedelta(days=6),
        ),
    )
    return DemoData(meetings=meetings, contacts=contacts, mails=mails)


# -- as the servers store them -------------------------------------------------------------------


def _ical_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    """RFC 5545/6350 TEXT escaping."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ical(meeting: Meeting, stamp: datetime) -> str:
    """One meeting as a CalDAV object."""
    return _calendar(_vevent(meeting, stamp))


def ical_feed(meetings: tuple[Meeting, ...], stamp: datetime) -> str:
    """Every meeting in one calendar, as a published ICS feed serves them."""
    return _calendar([line for meeting in meetings for line in _vevent(meeting, stamp)])


def _calendar(events: list[str]) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Muninn//Demo//EN",
        *events,
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def _vevent(meeting: Meeting, stamp: datetime) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{meeting.uid}",
        f"DTSTAMP:{_ical_time(stamp)}",
        f"DTSTART:{_ical_time(meeting.start)}",
        f"DTEND:{_ical_time(meeting.start + meeting.duration)}",
        f"SUMMARY:{_escape(meeting.title)}",
        f"LOCATION:{_escape(meeting.location)}",
        f"ORGANIZER;CN={DEMO_NAME}:mailto:{DEMO_ADDRESS}",
        *(f"ATTENDEE;CN={person.name}:mailto:{person.email}" for person in meeting.attendees),
        "END:VEVENT",
    ]


def vcard(contact: Contact) -> str:
    given, _, family = contact.name.rpartition(" ")
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"UID:{contact.uid}",
        f"FN:{_escape(contact.name)}",
        f"N:{_escape(family)};{_escape(given)};;;",
    ]
    if contact.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{contact.email}")
    if contact.phone:
        lines.append(f"TEL;TYPE=CELL:{contact.phone}")
    if contact.birthday:
        lines.append(f"BDAY:{contact.birthday.isoformat()}")
    if contact.organisation:
        lines.append(f"ORG:{_escape(contact.organisation)}")
    if contact.note:
        lines.append(f"NOTE:{_escape(contact.note)}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def rfc822(mail: Mail) -> bytes:
    message = EmailMessage()
    message["From"] = f"{mail.sender.name} <{mail.sender.email}>"
    message["To"] = f"{DEMO_NAME} <{DEMO_ADDRESS}>"
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message["Date"] = format_datetime(mail.sent_at.astimezone(UTC))
    message.set_content(mail.body)
    return bytes(message)
