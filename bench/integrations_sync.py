"""Full sync throughput from real servers: calendar events, e-mails and contacts.

Starts from packages a MongoDB-protocol server, Radicale (CalDAV + CardDAV) and pymap (IMAP),
all on loopback free ports, seeds ``--events`` events in one calendar, ``--contacts`` vCards
in one address book and ``--emails`` messages in INBOX, connects each account through the
connection service (discovery included) and runs one full sync job per connection through
the sync service: the real adapters, sinks, MongoDB transactions and outbox writes, one
transaction per page. Kafka is not started: the outbox fills but no relay publishes it.

Prints items/s per kind (seeding time excluded) and the process's resident memory during
the syncs (sampled every 50 ms: peak and the growth over the baseline).

    .venv/bin/python bench/integrations_sync.py                       # the issue's sizes
    .venv/bin/python bench/integrations_sync.py --events 2000 --emails 5000 --contacts 500
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import httpx
from muninn_devstack.dav import create_address_book, create_calendar, start_radicale
from muninn_devstack.mail import MailServer, mailbox_admin, start_pymap
from muninn_devstack.servers import free_port, mongo_uri, start_mongo
from muninn_integrations.calendar.sink import CalendarEventSink
from muninn_integrations.calendar.store import CalendarEventStore
from muninn_integrations.connections.models import CredentialsConnect, Provider
from muninn_integrations.connections.service import ConnectionService
from muninn_integrations.connections.store import ConnectionStore
from muninn_integrations.connectors.catalogue import default_registry
from muninn_integrations.contacts.sink import ContactSink
from muninn_integrations.contacts.store import ContactStore
from muninn_integrations.mail.sink import MailSink
from muninn_integrations.mail.store import MailStore
from muninn_integrations.sync.announce import RecordAnnouncer
from muninn_integrations.sync.service import SyncService
from muninn_integrations.sync.store import SyncStore
from muninn_integrations.vault.keyring import parse_key_ring
from muninn_integrations.vault.service import Vault
from muninn_integrations.vault.store import VaultStore
from muninn_shared.outbound import OutboundGuard, OutboundPolicy
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.storage.outbox import Outbox

USER, PASSWORD = "bench", "bench-app-password"
MAIL_USER = "bench@example.org"


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@contextlib.asynccontextmanager
async def sampling_rss(samples: list[int]) -> AsyncIterator[None]:
    async def sample() -> None:
        while True:
            samples.append(rss_kib())
            await asyncio.sleep(0.05)

    task = asyncio.create_task(sample())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def vevent(n: int, start: datetime) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//muninn-bench//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:bench-{n}\r\nDTSTAMP:20261201T000000Z\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT1H\r\n"
        f"SUMMARY:Meeting {n} about project {n % 97}\r\nLOCATION:Room {n % 13}\r\n"
        f"ATTENDEE;CN=Person {n % 211}:mailto:person{n % 211}@example.org\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def vcard(n: int) -> str:
    return (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"UID:bench-contact-{n}\r\nFN:Person {n}\r\nN:{n};Person;;;\r\n"
        f"EMAIL;TYPE=INTERNET:person{n}@example.org\r\nTEL;TYPE=CELL:+35191{n:07d}\r\n"
        f"BDAY:19{70 + n % 30}-{1 + n % 12:02d}-{1 + n % 28:02d}\r\nEND:VCARD\r\n"
    )


def mail(n: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Person {n % 211} <person{n % 211}@example.org>"
    message["To"] = MAIL_USER
    message["Subject"] = f"Update {n} on project {n % 97}"
    message["Message-ID"] = f"<bench-{n}@example.org>"
    message["Date"] = "Fri, 04 Dec 2026 10:00:00 +0000"
    message.set_content(f"Hello,\n\nthis is update {n}. " + "The plan holds. " * 40)
    return bytes(message)


async def seed_dav(base: str, path: str, count: int, body: Any, content_type: str) -> None:
    async with httpx.AsyncClient(base_url=base, auth=(USER, PASSWORD), timeout=60) as client:
        limit = asyncio.Semaphore(8)

        async def put(n: int) -> None:
            async with limit:
                answer = await client.put(
                    f"{path}{n}.{'ics' if 'calendar' in content_type else 'vcf'}",
                    content=body(n),
                    headers={"Content-Type": content_type},
                )
                answer.raise_for_status()

        await asyncio.gather(*(put(n) for n in range(count)))


def seed_mail(server: MailServer, count: int) -> None:
    with mailbox_admin(server) as admin:
        for start in range(0, count, 500):
            admin.append("INBOX", [mail(n) for n in range(start, min(count, start + 500))])


@contextlib.contextmanager
def servers(workdir: Path) -> Iterator[tuple[str, str, MailServer]]:
    mongo_port = free_port()
    mongo = start_mongo(workdir / "mongo", mongo_port, workdir / "mongo.log")
    radicale = start_radicale(workdir / "radicale", {USER: PASSWORD})
    imap = start_pymap(free_port(), workdir / "pymap.log", user=MAIL_USER, password=PASSWORD)
    try:
        yield mongo_uri(mongo_port), radicale.url, imap
    finally:
        imap.process.stop()
        radicale.stop()
        mongo.stop()


async def run(args: argparse.Namespace, workdir: Path) -> None:
    with servers(workdir) as (uri, dav_url, imap):
        calendar = create_calendar(dav_url, USER, PASSWORD, "bench")
        book = create_address_book(dav_url, USER, PASSWORD, "people")
        began = time.monotonic()
        now = datetime(2027, 1, 1, tzinfo=UTC)
        await seed_dav(
            dav_url,
            calendar,
            args.events,
            lambda n: vevent(n, now + timedelta(hours=n)),
            "text/calendar",
        )
        await seed_dav(dav_url, book, args.contacts, vcard, "text/vcard")
        await asyncio.to_thread(seed_mail, imap, args.emails)
        print(f"seeded in {time.monotonic() - began:.0f} s", flush=True)

        client = create_mongo_client(uri)
        db = client["muninn_bench_integrations"]
        guard = OutboundGuard(
            OutboundPolicy(allow_cidrs=(ip_network("127.0.0.0/8"),), require_https=False)
        )
        registry = default_registry(guard, imap_allow_plaintext=True, timeout=120)
        vault_store, connection_store, sync_store = (
            VaultStore(db),
            ConnectionStore(db),
            SyncStore(db),
        )
        calendar_store, contact_store, mail_store = (
            CalendarEventStore(db),
            ContactStore(db),
            MailStore(db),
        )
        for store in (
            vault_store,
            connection_store,
            sync_store,
            calendar_store,
            contact_store,
            mail_store,
        ):
            await store.ensure_indexes()
        key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        connections = ConnectionService(
            client=client,
            store=connection_store,
            vault=Vault(vault_store, parse_key_ring(f"k1:{key}")),
            registry=registry,
            check_timeout=60,
        )
        sync = SyncService(
            client=client,
            store=sync_store,
            connections=connections,
            registry=registry,
            sinks=[
                CalendarEventSink(calendar_store),
                ContactSink(contact_store),
                MailSink(mail_store),
            ],
            announcer=RecordAnnouncer(Outbox(db)),
            owner="bench",
            lease=timedelta(minutes=30),
            page_size=args.page_size,
            max_attempts=1,
            retry_base_seconds=1,
            poll_seconds=1,
        )
        user = uuid.uuid4().hex
        accounts = [
            ("calendar events", Provider.CALDAV, dav_url + "/", USER, args.events),
            ("contacts", Provider.CARDDAV, dav_url + "/", USER, args.contacts),
            ("e-mails", Provider.IMAP, f"imap://{imap.host}:{imap.port}", MAIL_USER, args.emails),
        ]
        print(f"page size {args.page_size}; RSS before syncing {rss_kib() / 1024:.0f} MiB")
        for label, provider, url, username, expected in accounts:
            connection = await connections.connect(
                user,
                CredentialsConnect(
                    provider=provider,
                    server_url=url,
                    username=username,
                    password=PASSWORD,  # type: ignore[arg-type]
                ),
            )
            job, _ = await sync.request(user, connection.id, full=True)
            baseline = rss_kib()
            samples: list[int] = []
            started = time.monotonic()
            async with sampling_rss(samples):
                await sync.run_next()
            elapsed = time.monotonic() - started
            done = await sync.get(user, job.id)
            assert done.status.value == "completed", done
            assert done.items_processed == expected, (done.items_processed, expected)
            peak = max(samples or [baseline])
            print(
                f"{label:>16}: {expected:>6} in {elapsed:6.1f} s = {expected / elapsed:7.0f} items/s;"
                f" RSS peak {peak / 1024:.0f} MiB (+{(peak - baseline) / 1024:.0f} MiB)",
                flush=True,
            )
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--emails", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=2_000)
    parser.add_argument("--page-size", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="muninn-bench-") as workdir:
        asyncio.run(run(args, Path(workdir)))


if __name__ == "__main__":
    main()
