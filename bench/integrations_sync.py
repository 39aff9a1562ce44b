"""Integrations sync from real servers: full-sync throughput, the service's memory, and the
time from a change at the source to searchable in memory.

What runs, all on loopback free ports: Kafka and a MongoDB-protocol server (the packaged
noida-db and secantusdb, as in the integration tests), Radicale (CalDAV + CardDAV) and pymap
(IMAP), and identity, integrations, memory and the gateway as separate processes
(``python -m muninn_<service>``, started from the devstack topology as ``make run`` does, events
sealed under identity's per-user keys). Every call below goes through the gateway with a
registered user's token, as an app would make it.

1. Seeding (not timed in the figures): ``--events`` events in one calendar and ``--contacts``
   vCards in one address book, each uploaded to Radicale as one whole-collection PUT (Radicale
   stores one file per item, exactly as for single PUTs), and ``--emails`` messages appended
   to pymap's INBOX over IMAP in MULTIAPPEND batches of 1,000 (LITERAL+, one round trip each).
2. Full sync (memory not yet running): each account is connected (``POST
   /v1/integrations/connections``, discovery included) and synced (``POST
   .../connections/{id}/sync``); the job's own start and end times give items/s. The
   integrations process's resident memory (VmRSS) is sampled every 50 ms: its baseline and
   its peak during each sync. The outbox relay publishes every ``integrations.record.synced``
   to Kafka meanwhile; the time until it has published them all is printed too.
3. Change → searchable: memory's record consumer group is moved to the end of the topic (so
   it does not first work through the full sync's announcements: with the offline embedder
   that would take hours at the full size) and the memory service is started. Then, one at a
   time, alternately a new event is PUT in the synced calendar and a new mail APPENDed to the
   synced INBOX, "sync now" is asked for that connection (the service has no push path: IMAP
   IDLE is not used by the sync, and the schedule's shortest interval is 5 minutes), and the
   memory search API is polled every 50 ms until it returns the record's memory. Timed from
   just before the write to the source. Per sample also: write → sync job completed (its
   ``completed_at``) and job completed → searchable (relay, Kafka, memory's consumer,
   ingestion, index).

    .venv/bin/python bench/integrations_sync.py                  # small sizes (make bench)
    .venv/bin/python bench/integrations_sync.py --events 10000 --emails 50000 --contacts 2000
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import os
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from muninn_devstack.dav import (  # noqa: E402
    RadicaleServer,
    create_address_book,
    create_calendar,
    start_radicale,
)
from muninn_devstack.mail import MailServer, mailbox_admin, start_pymap  # noqa: E402
from muninn_devstack.readiness import Target, wait_ready  # noqa: E402
from muninn_devstack.servers import free_port  # noqa: E402
from muninn_shared.events import Topic  # noqa: E402

USER, PASSWORD = "bench", "bench-app-password"
MAIL_USER = "bench@example.org"
MULTIAPPEND_BATCH = 1_000
GIVE_UP_SECONDS = 300.0
MEMORY_RECORDS_CONSUMER = "memory.memory-records"  # muninn_memory.ingestion.handlers


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def sampling_rss(pid: int, samples: list[int], every: float = 0.05) -> Iterator[None]:
    """VmRSS of ``pid`` every ``every`` seconds, from a thread (the event loop stays free)."""
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(rss_kib(pid))
            stop.wait(every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"p50 {statistics.median(ordered):.2f} s, p95 {p95:.2f} s, max {ordered[-1]:.2f} s"
        f" (n={len(ordered)})"
    )


# -- what the sources hold -------------------------------------------------------------------


def vevent(uid: str, start: datetime, summary: str, n: int) -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n"
        f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT1H\r\n"
        f"SUMMARY:{summary}\r\nLOCATION:Room {n % 13}\r\n"
        f"ATTENDEE;CN=Person {n % 211}:mailto:person{n % 211}@example.org\r\n"
        "END:VEVENT\r\n"
    )


def vcalendar(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//muninn-bench//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )


def seed_event(n: int, first: datetime) -> str:
    return vevent(
        f"bench-{n}", first + timedelta(hours=n), f"Meeting {n} about project {n % 97}", n
    )


def vcard(n: int) -> str:
    return (
        "BEGIN:VCARD\r\nVERSION:3.0\r\n"
        f"UID:bench-contact-{n}\r\nFN:Person {n}\r\nN:{n};Person;;;\r\n"
        f"EMAIL;TYPE=INTERNET:person{n}@example.org\r\nTEL;TYPE=CELL:+35191{n:07d}\r\n"
        f"BDAY:19{70 + n % 30}-{1 + n % 12:02d}-{1 + n % 28:02d}\r\nEND:VCARD\r\n"
    )


def mail(
    n: int, subject: str | None = None, date: str = "Fri, 04 Dec 2026 10:00:00 +0000"
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Person {n % 211} <person{n % 211}@example.org>"
    message["To"] = MAIL_USER
    message["Subject"] = subject or f"Update {n} on project {n % 97}"
    message["Message-ID"] = f"<bench-{n}-{uuid.uuid4().hex[:8]}@example.org>"
    message["Date"] = date
    message.set_content(f"Hello,\n\nthis is update {n}. " + "The plan holds. " * 40)
    return bytes(message)


def put_collection(dav: RadicaleServer, path: str, body: str, content_type: str) -> None:
    """Upload a whole collection in one PUT (Radicale splits it into one item per UID)."""
    answer = httpx.put(
        dav.url + path,
        content=body.encode(),
        auth=(USER, PASSWORD),
        headers={"Content-Type": content_type},
        timeout=1800,
    )
    answer.raise_for_status()


PROPFIND_COLLECTIONS = (
    '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">'
    "<D:prop><D:resourcetype/><D:displayname/><CS:getctag/><D:sync-token/></D:prop>"
    "</D:propfind>"
)


def warm_radicale(dav: RadicaleServer) -> None:
    """List the user's collections with their sync tokens once: Radicale builds its item cache
    (etags) on the first read after a whole-collection upload (21.7 s for 10,000 events on
    this machine; ~1-1.5 s after), which single PUTs would have built one item at a time. The
    sources are then as a server that has been serving these items for a while."""
    answer = httpx.request(
        "PROPFIND",
        f"{dav.url}/{USER}/",
        content=PROPFIND_COLLECTIONS,
        auth=(USER, PASSWORD),
        headers={"Depth": "1"},
        timeout=1800,
    )
    answer.raise_for_status()


def multiappend(server: MailServer, messages: list[bytes]) -> None:
    """APPEND ``messages`` to INBOX in MULTIAPPEND commands (RFC 3502) with LITERAL+ (RFC 7888),
    ``MULTIAPPEND_BATCH`` to a command: what a mail client importing a mailbox does."""
    with socket.create_connection((server.host, server.port), timeout=600) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = sock.makefile("rb")

        def until_tagged(tag: bytes) -> bytes:
            while True:
                line = stream.readline()
                if not line:
                    raise ConnectionError("IMAP server closed the connection")
                if line.startswith(tag + b" "):
                    if not line.startswith(tag + b" OK"):
                        raise RuntimeError(line.decode(errors="replace"))
                    return line

        stream.readline()  # greeting
        sock.sendall(f'a0 LOGIN "{server.user}" "{server.password}"\r\n'.encode())
        until_tagged(b"a0")
        for number, start in enumerate(range(0, len(messages), MULTIAPPEND_BATCH), 1):
            tag = f"a{number}".encode()
            parts = [tag + b" APPEND INBOX"]
            for message in messages[start : start + MULTIAPPEND_BATCH]:
                parts.append(b" {%d+}\r\n" % len(message) + message)
            sock.sendall(b"".join(parts) + b"\r\n")
            until_tagged(tag)
        sock.sendall(b"z LOGOUT\r\n")


def seed(args: argparse.Namespace, dav: RadicaleServer, imap: MailServer) -> tuple[str, str]:
    calendar = create_calendar(dav.url, USER, PASSWORD, "bench")
    book = create_address_book(dav.url, USER, PASSWORD, "people")
    first = datetime(2027, 1, 1, tzinfo=UTC)
    started = time.monotonic()
    put_collection(
        dav,
        calendar,
        vcalendar(*(seed_event(n, first) for n in range(args.events))),
        "text/calendar",
    )
    events_s = time.monotonic() - started
    started = time.monotonic()
    put_collection(dav, book, "".join(vcard(n) for n in range(args.contacts)), "text/vcard")
    contacts_s = time.monotonic() - started
    started = time.monotonic()
    multiappend(imap, [mail(n) for n in range(args.emails)])
    mails_s = time.monotonic() - started
    started = time.monotonic()
    warm_radicale(dav)
    warm_s = time.monotonic() - started
    print(
        f"seeded {args.events:,} events in {events_s:.1f} s, {args.contacts:,} contacts in"
        f" {contacts_s:.1f} s (one PUT each), {args.emails:,} e-mails in {mails_s:.1f} s"
        f" (MULTIAPPEND x {MULTIAPPEND_BATCH:,}); Radicale's item cache built in {warm_s:.1f} s",
        flush=True,
    )
    return calendar, book


# -- the stack ------------------------------------------------------------------------------


@dataclasses.dataclass
class Stack:
    suite: Any  # tests.integration.suite.Suite
    kafka_bootstrap: str

    def url(self, service: str) -> str:
        return str(self.suite.url(service))

    def pid(self, service: str) -> int:
        return int(self.suite.processes[service].pid)

    def start(self, *names: str) -> None:
        for name in names:
            process = self.suite.config.process(name, self.suite.log_dir)
            process.start()
            self.suite.processes[name] = process
        targets = {
            name: Target.http(
                f"{self.url(name)}/healthz"
                if name == "gateway"
                else self.suite.config.readyz_url(name),
                self.suite.processes[name],
            )
            for name in names
        }
        wait_ready(targets, timeout=300)


@contextlib.contextmanager
def stack(workdir: Path, page_size: int) -> Iterator[Stack]:
    from tests.integration.infra import provide_infra
    from tests.integration.suite import build_suite
    from tests.integration.tokens import provision_test_keys

    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    env = {
        "MUNINN_LOG_LEVEL": "WARNING",
        "MUNINN_ACCESS_TOKEN_TTL_SECONDS": str(24 * 3600),
        "MUNINN_ENCRYPTION_KEYS": f"k1:{key}",
        "MUNINN_IMAP_ALLOW_PLAINTEXT": "true",
        "MUNINN_OUTBOUND_ALLOW_CIDRS": '["127.0.0.0/8"]',
        "MUNINN_OUTBOUND_REQUIRE_HTTPS": "false",
        "MUNINN_CONNECTOR_TIMEOUT_SECONDS": "300",
        "MUNINN_CONNECT_CHECK_TIMEOUT_SECONDS": "120",
        "MUNINN_SYNC_PAGE_SIZE": str(page_size),
    }
    with contextlib.ExitStack() as exits:
        exits.enter_context(_environ(provision_test_keys(workdir / "keys")))
        infra = exits.enter_context(provide_infra(workdir / "infra"))
        suite = build_suite(infra, workdir / "suite", env)
        suite.config = dataclasses.replace(
            suite.config, only=frozenset({"identity", "integrations", "memory", "gateway"})
        )
        exits.callback(suite.stop)
        yield Stack(suite, infra.kafka_bootstrap)


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


async def skip_to_end(bootstrap: str, group: str, topic: str) -> int:
    """Commit ``group``'s offsets at the end of ``topic``: its consumer starts from there.
    How many records it skips."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer.topics()
            partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        ends = await consumer.end_offsets(assigned)
        await consumer.commit(dict(ends))
        return sum(ends.values())
    finally:
        await consumer.stop()


# -- the API, as an app calls it ------------------------------------------------------------


async def register(http: httpx.AsyncClient) -> dict[str, str]:
    answer = await http.post(
        "/v1/auth/register",
        json={
            "email": f"bench-{uuid.uuid4().hex[:10]}@example.com",
            "password": "correct horse battery staple",
            "name": "bench",
        },
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['tokens']['access_token']}"}


async def connect(
    http: httpx.AsyncClient, auth: dict[str, str], provider: str, url: str, username: str
) -> str:
    answer = await http.post(
        "/v1/integrations/connections",
        json={
            "provider": provider,
            "server_url": url,
            "username": username,
            "password": PASSWORD,
        },
        headers=auth,
    )
    if answer.status_code >= 400:
        raise RuntimeError(f"connect {provider}: {answer.status_code} {answer.text}")
    return str(answer.json()["id"])


async def sync_now(http: httpx.AsyncClient, auth: dict[str, str], connection: str) -> str:
    answer = await http.post(f"/v1/integrations/connections/{connection}/sync", headers=auth)
    answer.raise_for_status()
    return str(answer.json()["id"])


async def job_done(
    http: httpx.AsyncClient, auth: dict[str, str], job: str, every: float
) -> dict[str, Any]:
    while True:
        answer = await http.get(f"/v1/integrations/jobs/{job}", headers=auth)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        if body["status"] in ("completed", "failed", "cancelled"):
            if body["status"] != "completed":
                raise RuntimeError(f"sync job {job}: {body}")
            return body
        await asyncio.sleep(every)


def moment(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


async def outbox_drained(stack: Stack) -> float:
    """Wait until the integrations outbox is empty (the relay deletes what it has published);
    the seconds waited."""
    from pymongo import AsyncMongoClient

    started = time.monotonic()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.suite.infra.mongo_uri)
    try:
        outbox = client[stack.suite.database("integrations")]["outbox"]
        while await outbox.count_documents({}, limit=1):
            await asyncio.sleep(0.5)
        return time.monotonic() - started
    finally:
        await client.close()


async def topic_size(bootstrap: str, topic: str) -> int:
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        await consumer.stop()


# -- the benchmark --------------------------------------------------------------------------


async def full_sync(
    args: argparse.Namespace,
    stack: Stack,
    http: httpx.AsyncClient,
    auth: dict[str, str],
    dav: RadicaleServer,
    imap: MailServer,
) -> dict[str, str]:
    pid = stack.pid("integrations")
    print(
        f"integrations service RSS before syncing {rss_kib(pid) / 1024:.0f} MiB;"
        f" page size {args.page_size}",
        flush=True,
    )
    accounts = [
        ("calendar events", "caldav", dav.url + "/", USER, args.events),
        ("contacts", "carddav", dav.url + "/", USER, args.contacts),
        ("e-mails", "imap", f"imap://{imap.host}:{imap.port}", MAIL_USER, args.emails),
    ]
    connections: dict[str, str] = {}
    for label, provider, url, username, expected in accounts:
        started = time.monotonic()
        connection = await connect(http, auth, provider, url, username)
        connect_s = time.monotonic() - started
        connections[provider] = connection
        samples: list[int] = []
        baseline = rss_kib(pid)
        with sampling_rss(pid, samples):
            job = await job_done(http, auth, await sync_now(http, auth, connection), 0.5)
        seconds = moment(job["completed_at"]) - moment(job["started_at"])
        if job["items_processed"] != expected:
            raise RuntimeError(f"{label}: synced {job['items_processed']}, expected {expected}")
        peak = max(samples or [baseline])
        print(
            f"{label:>16}: {expected:>6,} in {seconds:6.1f} s = {expected / seconds:5.0f} items/s"
            f" ({job['job_type']}, trigger {job['trigger']}; connecting took {connect_s:.1f} s);"
            f" service RSS peak"
            f" {peak / 1024:.0f} MiB (+{(peak - baseline) / 1024:.0f} MiB over"
            f" {baseline / 1024:.0f}); load average {load_average()}",
            flush=True,
        )
    waited = await outbox_drained(stack)
    published = await topic_size(stack.kafka_bootstrap, Topic.INTEGRATIONS_RECORDS.value)
    print(
        f"outbox relay: {published:,} events on {Topic.INTEGRATIONS_RECORDS.value}, the last"
        f" published {waited:.1f} s after the last sync ended; service RSS now"
        f" {rss_kib(pid) / 1024:.0f} MiB",
        flush=True,
    )
    return connections


async def until_searchable(
    http: httpx.AsyncClient, auth: dict[str, str], marker: str, started: float
) -> float:
    while True:
        answer = await http.post(
            "/v1/memories/search", json={"query": marker, "limit": 5}, headers=auth
        )
        answer.raise_for_status()
        for result in answer.json()["results"]:
            if marker in ((result.get("memory") or {}).get("content") or ""):
                return time.time()
        if time.time() - started > GIVE_UP_SECONDS:
            raise RuntimeError(f"{marker} not searchable after {GIVE_UP_SECONDS:.0f} s")
        await asyncio.sleep(0.05)


@dataclasses.dataclass
class Sample:
    kind: str
    total: float
    to_synced: float
    to_searchable: float
    trigger: str


async def one_change(
    kind: str,
    n: int,
    http: httpx.AsyncClient,
    auth: dict[str, str],
    dav: RadicaleServer,
    calendar: str,
    imap: MailServer,
    connection: str,
) -> Sample:
    marker = f"Zq{uuid.uuid4().hex[:10]}"
    if kind == "event":
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        body = vcalendar(vevent(f"live-{marker}", start, f"Review {marker} with the team", n))
        started = time.time()
        answer = await http.put(
            dav.url + f"{calendar}live-{marker}.ics",
            content=body,
            auth=(USER, PASSWORD),
            headers={"Content-Type": "text/calendar"},
        )
        answer.raise_for_status()
    else:
        date = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        message = mail(n, subject=f"Notes {marker} from the review", date=date)
        started = time.time()
        with mailbox_admin(imap) as admin:
            admin.append("INBOX", [message])
    job = await sync_now(http, auth, connection)
    searchable = await until_searchable(http, auth, marker, started)
    done = await job_done(http, auth, job, 0.2)
    synced = moment(done["completed_at"])
    return Sample(
        kind=kind,
        total=searchable - started,
        to_synced=synced - started,
        to_searchable=searchable - synced,
        trigger=done["trigger"],
    )


async def latency(
    args: argparse.Namespace,
    stack: Stack,
    http: httpx.AsyncClient,
    auth: dict[str, str],
    dav: RadicaleServer,
    calendar: str,
    imap: MailServer,
    connections: dict[str, str],
) -> None:
    prefix = stack.suite.config.extra_env["MUNINN_KAFKA_GROUP_PREFIX"]
    skipped = await skip_to_end(
        stack.kafka_bootstrap,
        f"{prefix}{MEMORY_RECORDS_CONSUMER}",
        Topic.INTEGRATIONS_RECORDS.value,
    )
    print(f"memory's record consumer starts after the {skipped:,} records already on the topic")
    stack.start("memory")
    kinds = ["event", "mail"]
    for n in range(2):  # warm-up: the embedder loaded, the connections' first incremental sync
        kind = kinds[n % 2]
        connection = connections["caldav" if kind == "event" else "imap"]
        await one_change(kind, 10**6 + n, http, auth, dav, calendar, imap, connection)
    samples: list[Sample] = []
    for n in range(args.samples):
        kind = kinds[n % 2]
        connection = connections["caldav" if kind == "event" else "imap"]
        samples.append(
            await one_change(kind, 10**6 + 10 + n, http, auth, dav, calendar, imap, connection)
        )
    triggers = sorted({s.trigger for s in samples})
    print(
        f"change at the source -> searchable through POST /v1/memories/search (trigger: sync"
        f" now, POST /v1/integrations/connections/{{id}}/sync; jobs' trigger field:"
        f" {', '.join(triggers)}); load average {load_average()}"
    )
    for label, chosen in (
        ("all", samples),
        ("new event (PUT)", [s for s in samples if s.kind == "event"]),
        ("new mail (APPEND)", [s for s in samples if s.kind == "mail"]),
    ):
        if chosen:
            print(f"  {label:>18}: {percentiles([s.total for s in chosen])}")
            print(f"    write -> sync job completed: {percentiles([s.to_synced for s in chosen])}")
            print(
                f"    job completed -> searchable: {percentiles([s.to_searchable for s in chosen])}"
            )


async def run(args: argparse.Namespace, workdir: Path) -> None:
    print(f"{os.cpu_count()} CPUs; load average {load_average()} at start", flush=True)
    dav = start_radicale(workdir / "radicale", {USER: PASSWORD})
    imap = start_pymap(free_port(), workdir / "pymap.log", user=MAIL_USER, password=PASSWORD)
    try:
        calendar, _ = await asyncio.to_thread(seed, args, dav, imap)
        with stack(workdir, args.page_size) as running:
            running.start("identity", "integrations", "gateway")
            async with httpx.AsyncClient(base_url=running.url("gateway"), timeout=600) as http:
                auth = await register(http)
                connections = await full_sync(args, running, http, auth, dav, imap)
                if args.samples:
                    await latency(args, running, http, auth, dav, calendar, imap, connections)
    finally:
        imap.process.stop()
        dav.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000)
    parser.add_argument("--emails", type=int, default=2_000)
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--samples", type=int, default=20, help="change -> searchable samples")
    parser.add_argument("--page-size", type=int, default=200)
    args = parser.parse_args()
    # A SIGTERM unwinds like Ctrl-C: the servers and services started here are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="muninn-bench-") as workdir:
        asyncio.run(run(args, Path(workdir)))


if __name__ == "__main__":
    main()
