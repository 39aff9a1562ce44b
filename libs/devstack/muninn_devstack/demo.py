"""``make run-demo``: a calendar, an address book and a mailbox to connect, on this machine.

Radicale (CalDAV and CardDAV) and pymap (IMAP) listen on 127.0.0.1 with one demo account
each, seeded from :mod:`muninn_devstack.demo_data`. The integrations service, and only it, is
told that these loopback servers may be reached (its outbound guard refuses internal
addresses otherwise) and that the mail server may speak IMAP without TLS.

The end-to-end tests seed their servers with the same functions, so the demo and the tests
share one source of demo data.
"""

from __future__ import annotations

import imaplib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from muninn_devstack.dav import (
    configure_radicale,
    ensure_address_book,
    ensure_calendar,
    put_object,
    radicale_process,
)
from muninn_devstack.demo_data import DemoData, demo_data, ical, rfc822, vcard
from muninn_devstack.mail import MailServer, mailbox_admin, pymap_server
from muninn_devstack.servers import ManagedProcess, port_open
from muninn_devstack.topology import LOOPBACK

DAV_PORT = 5232  # Radicale's own default
IMAP_PORT = 1143  # IMAP's 143, moved above the privileged ports
DAV_USER = "demo"
DAV_PASSWORD = "demo-dav-password"
IMAP_USER = "demo@example.org"
IMAP_PASSWORD = "demo-mail-password"
CALENDAR = "calendar"
ADDRESS_BOOK = "contacts"
MAILBOX = "INBOX"

DAV_PORT_ENV = "MUNINN_DEVSTACK_DEMO_DAV_PORT"
IMAP_PORT_ENV = "MUNINN_DEVSTACK_DEMO_IMAP_PORT"
ALLOW_CIDRS_ENV = "MUNINN_OUTBOUND_ALLOW_CIDRS"
SHORTER_LEAD = {"notifications": {"event_reminder_minutes": 10}}
"""The default lead (30 minutes) is longer than the 15 minutes to the demo's lunch."""
IMAP_PLAINTEXT_ENV = "MUNINN_IMAP_ALLOW_PLAINTEXT"


class DemoSeedError(RuntimeError):
    """A demo server took the connection but not the demo data."""


# -- seeding (the demo and the tests) --------------------------------------------------------


def seed_calendar(base_url: str, user: str, password: str, data: DemoData) -> str:
    """The demo meetings in the calendar ``/<user>/calendar/``; its path."""
    path = ensure_calendar(base_url, user, password, CALENDAR)
    stamp = datetime.now(UTC)
    for meeting in data.meetings:
        put_object(
            base_url,
            user,
            password,
            f"{path}{meeting.uid}.ics",
            ical(meeting, stamp),
            "text/calendar; charset=utf-8",
        )
    return path


def seed_address_book(base_url: str, user: str, password: str, data: DemoData) -> str:
    """The demo contacts in the address book ``/<user>/contacts/``; its path."""
    path = ensure_address_book(base_url, user, password, ADDRESS_BOOK)
    for contact in data.contacts:
        put_object(
            base_url,
            user,
            password,
            f"{path}{contact.uid}.vcf",
            vcard(contact),
            "text/vcard; charset=utf-8",
        )
    return path


def seed_mailbox(server: MailServer, data: DemoData) -> None:
    """The demo mails in the INBOX, oldest first, as a mail client would APPEND them."""
    ordered = sorted(data.mails, key=lambda mail: mail.sent_at)
    with mailbox_admin(server) as admin:
        admin.append(MAILBOX, [rfc822(mail) for mail in ordered])


# -- the demo servers of `make run-demo` ---------------------------------------------------------


@dataclass(frozen=True)
class DemoServers:
    """Radicale and pymap as the supervisor starts them, on fixed ports so the printed
    addresses stay the same from one run to the next."""

    radicale: ManagedProcess
    pymap: ManagedProcess
    dav_port: int
    imap_port: int

    @property
    def dav_url(self) -> str:
        return f"http://{LOOPBACK}:{self.dav_port}/"

    @property
    def imap_url(self) -> str:
        return f"imap://{LOOPBACK}:{self.imap_port}"

    @property
    def mail_server(self) -> MailServer:
        return MailServer(
            process=self.pymap, port=self.imap_port, user=IMAP_USER, password=IMAP_PASSWORD
        )

    def processes(self) -> list[ManagedProcess]:
        return [self.radicale, self.pymap]

    def ports(self) -> list[tuple[str, int, str]]:
        """(what, port, the variable that moves it) of each demo server."""
        return [
            ("the demo CalDAV/CardDAV server", self.dav_port, DAV_PORT_ENV),
            ("the demo IMAP server", self.imap_port, IMAP_PORT_ENV),
        ]

    def ready(self, process: ManagedProcess) -> bool:
        if process is self.radicale:
            return port_open(self.dav_port)
        with mailbox_admin(self.mail_server):  # raises until pymap takes the login
            return True

    def seed(self, now: datetime) -> DemoData:
        """Put the demo data as of ``now`` into both servers (again, on every start)."""
        data = demo_data(now)
        dav = self.dav_url.rstrip("/")
        try:
            seed_calendar(dav, DAV_USER, DAV_PASSWORD, data)
            seed_address_book(dav, DAV_USER, DAV_PASSWORD, data)
            seed_mailbox(self.mail_server, data)
        except (httpx.HTTPError, imaplib.IMAP4.error, OSError, RuntimeError) as exc:
            raise DemoSeedError(f"seeding the demo servers failed: {exc}") from exc
        return data

    def reseed_mail(self, now: datetime) -> None:
        """pymap keeps mail in memory: after a restart its mailbox is empty again."""
        seed_mailbox(self.mail_server, demo_data(now))

    def describe(self, data: DemoData) -> list[str]:
        upcoming = data.upcoming
        at = upcoming.start.astimezone().strftime("%H:%M")
        connect = {
            "provider": "caldav",
            "server_url": self.dav_url,
            "username": DAV_USER,
            "password": DAV_PASSWORD,
        }
        return [
            "Demo accounts (connect them with POST /v1/integrations/connections):",
            f"  Calendar   caldav  {self.dav_url}   user {DAV_USER}   password {DAV_PASSWORD}",
            f"  Contacts   carddav {self.dav_url}   user {DAV_USER}   password {DAV_PASSWORD}",
            f"  Mail       imap    {self.imap_url}   user {IMAP_USER}   password {IMAP_PASSWORD}",
            f"  Coming up  {upcoming.title!r} at {at} (moved to 15 minutes after each start);",
            "             for a reminder, shorten the lead (default 30 min) before connecting:",
            f"             PATCH /v1/me/preferences {json.dumps(SHORTER_LEAD)}",
            f"  e.g. body  {json.dumps(connect)}",
        ]


def plan_demo(data_dir: Path, logs_dir: Path, environ: Mapping[str, str]) -> DemoServers:
    """The demo servers, their storage and config under ``data_dir`` (kept between runs)."""
    dav_port = _port(environ, DAV_PORT_ENV, DAV_PORT)
    imap_port = _port(environ, IMAP_PORT_ENV, IMAP_PORT)
    root = data_dir / "radicale"
    configure_radicale(root, {DAV_USER: DAV_PASSWORD}, dav_port)
    radicale = replace(
        radicale_process(root, dav_port), name="radicale", log_path=logs_dir / "radicale.log"
    )
    pymap = pymap_server(imap_port, logs_dir / "pymap.log", user=IMAP_USER, password=IMAP_PASSWORD)
    return DemoServers(radicale=radicale, pymap=pymap, dav_port=dav_port, imap_port=imap_port)


def _port(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1024 <= int(raw) <= 65535:
        raise ValueError(f"{name} must be a port between 1024 and 65535, not {raw!r}")
    return int(raw)


def integrations_env(environ: Mapping[str, str]) -> dict[str, str]:
    """What the integrations service needs to reach the demo servers, added to whatever
    private networks the operator allow-listed already."""
    allowed: list[str] = []
    configured = environ.get(ALLOW_CIDRS_ENV, "").strip()
    if configured:
        parsed = json.loads(configured)
        if not isinstance(parsed, list):
            raise ValueError(f"{ALLOW_CIDRS_ENV} must be a JSON list of networks")
        allowed = [str(network) for network in parsed]
    loopback = f"{LOOPBACK}/32"
    if loopback not in allowed:
        allowed.append(loopback)
    return {ALLOW_CIDRS_ENV: json.dumps(allowed), IMAP_PLAINTEXT_ENV: "true"}
