"""A real Radicale for a test module, and what its tests put there and connect with."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_network

import pytest
from muninn_devstack.dav import RadicaleServer, start_radicale
from muninn_shared.outbound import OutboundGuard, OutboundPolicy


def event_template(more: str = "") -> str:
    """A calendar object of one event, to ``.format(uid=…, title=…, hour=…)`` (a half-hour on
    5 January 2026, UTC); ``more``: further lines of its VEVENT."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        "UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T{hour:02d}0000Z\r\n"
        "DTEND:20260105T{hour:02d}3000Z\r\nSUMMARY:{title}\r\n"
        f"{more}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


# A weekly standup in Berlin time: one date excluded, one occurrence moved to the afternoon.
RECURRING = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:standup\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Berlin:20260105T093000\r
DTEND;TZID=Europe/Berlin:20260105T094500\r
RRULE:FREQ=WEEKLY;COUNT=6\r
EXDATE;TZID=Europe/Berlin:20260112T093000\r
SUMMARY:Standup\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:standup\r
DTSTAMP:20260101T000000Z\r
RECURRENCE-ID;TZID=Europe/Berlin:20260119T093000\r
DTSTART;TZID=Europe/Berlin:20260119T140000\r
DTEND;TZID=Europe/Berlin:20260119T141500\r
SUMMARY:Standup (afternoon)\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture(scope="module")
def radicale(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RadicaleServer]:
    """A Radicale of the test module's own, serving the module's ``USERS``."""
    server = start_radicale(tmp_path_factory.mktemp("radicale"), request.module.USERS)
    yield server
    server.stop()


def loopback_guard() -> OutboundGuard:
    """Outbound calls allowed to the servers on loopback, over plain HTTP."""
    return OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network("127.0.0.1/32"),), require_https=False)
    )
