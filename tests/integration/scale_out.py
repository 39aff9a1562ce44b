"""Mixed traffic against a scaled-out stack while one replica of each scaled service is
SIGKILLed: the scenario the scale-out test checks and ``bench/scale_out.py`` times.

Two gateways, two conversation, memory and scheduler replicas (one identity, integrations
and byod). Virtual users sign up, chat, store memories (``wait``), search them, and set
reminders that fall due during the run. Mid-run the second replica of each scaled service
is SIGKILLed; after a failure window they are started again, as an orchestrator would.

The client side stands in for a load balancer in front of the gateways: requests alternate
between them, and one whose connection is refused goes to the other. Every answer is
recorded with the phase it was sent in; what the clients were told (2xx) is the ledger the
checks hold the stack to.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import statistics
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.integration.e2e import PASSWORD, User, new_email
from tests.integration.paging import every_item
from tests.integration.suite import Suite

SCALED = ("gateway", "conversation", "memory", "scheduler")
REPLICAS = dict.fromkeys(SCALED, 2)
KILLED = tuple(f"{service}-2" for service in SCALED)

STACK_ENV = {
    # A reply whose replica died turns into a visible error within seconds.
    "MUNINN_GENERATION_LEASE_SECONDS": "4",
    "MUNINN_GENERATION_SAVE_INTERVAL_SECONDS": "0.5",
    "MUNINN_GENERATION_SWEEP_INTERVAL_SECONDS": "1",
    # Claims of a killed replica (ingestion jobs, timers) come back within seconds.
    "MUNINN_INGESTION_LEASE_SECONDS": "8",
    "MUNINN_TIMER_LEASE_SECONDS": "8",
    "MUNINN_LOG_LEVEL": "WARNING",
}

REQUEST_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
WORDS = [
    "amber",
    "basalt",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "indigo",
    "juniper",
    "kelp",
    "lantern",
    "meadow",
    "nickel",
    "orchard",
    "pepper",
    "quartz",
    "raven",
    "saffron",
    "tundra",
    "umber",
    "violet",
    "walnut",
    "xylem",
    "yarrow",
    "zephyr",
    "anchor",
    "bramble",
    "copper",
    "dune",
    "falcon",
    "glacier",
    "heron",
    "ivory",
    "jasmine",
    "kestrel",
    "lichen",
    "marble",
    "nectar",
    "onyx",
    "pebble",
    "quill",
    "reef",
    "sorrel",
    "thistle",
]

Doc = dict[str, Any]


@dataclass(frozen=True)
class Sample:
    kind: str
    phase: str
    seconds: float
    status: int | None
    """None: no answer (the connection dropped or timed out)."""


@dataclass
class Ledger:
    """What the clients were told: every write acknowledged with a 2xx, and every answer."""

    users: list[User] = field(default_factory=list)
    messages: list[tuple[User, str, str]] = field(default_factory=list)
    """(user, conversation id, user message id) of every chat message answered 201."""
    memories: list[tuple[User, str, str]] = field(default_factory=list)
    """(user, job id, token in the content) of every memory write answered 200/202."""
    reminders: list[tuple[User, str, datetime]] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    phase: str = "steady"

    def failures(self) -> Counter[str]:
        """Answers that were not 2xx (or none at all), by operation and phase."""
        return Counter(
            f"{s.kind}/{s.phase}/{s.status or 'no answer'}"
            for s in self.samples
            if s.status is None or s.status >= 300
        )


class Gateways:
    """Two gateways as a client-side balancer sees them: turns, and a refused one skipped."""

    def __init__(self, urls: list[str]) -> None:
        self._clients = [httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT) for url in urls]
        self._turn = itertools.count()

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """The answer; None when a gateway took the request and no answer came back."""
        start = next(self._turn)
        for offset in range(len(self._clients)):
            client = self._clients[(start + offset) % len(self._clients)]
            try:
                return await client.request(method, path, **kwargs)
            except httpx.ConnectError:
                continue
            except httpx.TransportError:
                return None
        return None

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


async def timed(
    ledger: Ledger, kind: str, call: Callable[[], Awaitable[httpx.Response | None]]
) -> httpx.Response | None:
    phase = ledger.phase
    started = time.perf_counter()
    response = await call()
    ledger.samples.append(
        Sample(
            kind,
            phase,
            time.perf_counter() - started,
            response.status_code if response is not None else None,
        )
    )
    return response


def fact_text(rng: random.Random, token: str) -> str:
    return f"Note {token}: " + " ".join(rng.sample(WORDS, 6)) + "."


class VirtualUser:
    """Signs up, then chats, remembers, searches and sets reminders until told to stop."""

    def __init__(self, gateways: Gateways, ledger: Ledger, seed: int, reminder_lead: float):
        self._gateways = gateways
        self._ledger = ledger
        self._rng = random.Random(seed)
        self._reminder_lead = reminder_lead
        self._user: User | None = None
        self._conversation: str | None = None
        self._tokens: list[str] = []

    async def run(self, stop: asyncio.Event) -> None:
        steps = itertools.cycle((self.chat, self.remember, self.search, self.remind, self.search))
        while not stop.is_set():
            if self._user is None:
                await self.sign_up()
            elif self._conversation is None:
                await self.start_conversation()
            else:
                await next(steps)()

    def _headers(self) -> dict[str, str]:
        assert self._user is not None
        return self._user.headers

    async def sign_up(self) -> None:
        email = new_email("scale")
        body = {"email": email, "password": PASSWORD, "name": "scale"}
        response = await timed(
            self._ledger,
            "sign-up",
            lambda: self._gateways.request("POST", "/v1/auth/register", json=body),
        )
        if response is not None and response.status_code == 201:
            data = response.json()
            self._user = User(
                id=data["user"]["id"],
                email=email,
                access_token=data["tokens"]["access_token"],
                refresh_token=data["tokens"]["refresh_token"],
            )
            self._ledger.users.append(self._user)
        else:
            await asyncio.sleep(0.2)

    async def start_conversation(self) -> None:
        response = await timed(
            self._ledger,
            "conversation",
            lambda: self._gateways.request(
                "POST", "/v1/conversations", json={}, headers=self._headers()
            ),
        )
        if response is not None and response.status_code == 201:
            self._conversation = response.json()["id"]
        else:
            await asyncio.sleep(0.2)

    async def chat(self) -> None:
        assert self._user is not None
        text = f"Today I walked past the {' '.join(self._rng.sample(WORDS, 3))}."
        response = await timed(
            self._ledger,
            "chat",
            lambda: self._gateways.request(
                "POST",
                f"/v1/conversations/{self._conversation}/messages",
                json={"content": text},
                headers=self._headers(),
            ),
        )
        if response is not None and response.status_code == 201:
            assert self._conversation is not None
            message_id = response.json()["user_message"]["id"]
            self._ledger.messages.append((self._user, self._conversation, message_id))

    async def remember(self) -> None:
        assert self._user is not None
        token = f"zq{uuid.uuid4().hex[:10]}"
        body = {
            "content": fact_text(self._rng, token),
            "type": "personal_info",
            "infer": False,
            "wait": True,
        }
        response = await timed(
            self._ledger,
            "memory-write",
            lambda: self._gateways.request(
                "POST", "/v1/memories", json=body, headers=self._headers()
            ),
        )
        if response is not None and response.status_code in (200, 202):
            self._ledger.memories.append((self._user, response.json()["id"], token))
            self._tokens.append(token)

    async def search(self) -> None:
        query = self._rng.choice(self._tokens) if self._tokens else "harbor"
        await timed(
            self._ledger,
            "memory-search",
            lambda: self._gateways.request(
                "POST",
                "/v1/memories/search",
                json={"query": query, "limit": 5},
                headers=self._headers(),
            ),
        )

    async def remind(self) -> None:
        assert self._user is not None
        due = datetime.now(UTC) + timedelta(seconds=self._reminder_lead)
        body = {"title": f"stretch {uuid.uuid4().hex[:6]}", "due_at": due.isoformat()}
        response = await timed(
            self._ledger,
            "reminder",
            lambda: self._gateways.request(
                "POST", "/v1/reminders", json=body, headers=self._headers()
            ),
        )
        if response is not None and response.status_code == 201:
            self._ledger.reminders.append((self._user, response.json()["id"], due))


@dataclass(frozen=True)
class Plan:
    users: int
    steady_seconds: float
    failure_seconds: float
    after_seconds: float
    reminder_lead_seconds: float


async def run_scenario(suite: Suite, plan: Plan) -> Ledger:
    """Traffic through both gateways; the second replica of each scaled service is SIGKILLed
    after ``steady_seconds`` and started again ``failure_seconds`` later."""
    ledger = Ledger()
    gateways = Gateways([suite.config.url("gateway", n) for n in (1, 2)])
    stop = asyncio.Event()
    users = [
        asyncio.create_task(
            VirtualUser(gateways, ledger, seed, plan.reminder_lead_seconds).run(stop)
        )
        for seed in range(plan.users)
    ]
    try:
        await asyncio.sleep(plan.steady_seconds)
        ledger.phase = "failure"
        for name in KILLED:
            suite.kill(name)
        await asyncio.sleep(plan.failure_seconds)
        await asyncio.gather(*(asyncio.to_thread(suite.restart, name) for name in KILLED))
        ledger.phase = "recovered"
        await asyncio.sleep(plan.after_seconds)
    finally:
        stop.set()
        await asyncio.gather(*users, return_exceptions=True)
        await gateways.aclose()
    return ledger


# -- what the stack must show afterwards -------------------------------------------------------


async def poll(
    check: Callable[[], Awaitable[list[str]]], *, give_up_after: float, every: float = 0.5
) -> list[str]:
    """``check``'s complaints, polled until there are none or the time is up."""
    deadline = time.monotonic() + give_up_after
    while True:
        complaints = await check()
        if not complaints or time.monotonic() > deadline:
            return complaints
        await asyncio.sleep(every)


async def missing_messages(client: httpx.AsyncClient, ledger: Ledger) -> list[str]:
    missing = []
    for user, conversation_id, message_id in ledger.messages:
        response = await client.get(
            f"/v1/conversations/{conversation_id}/messages/{message_id}", headers=user.headers
        )
        if response.status_code != 200:
            missing.append(f"message {message_id}: {response.status_code}")
    return missing


async def missing_users(client: httpx.AsyncClient, ledger: Ledger) -> list[str]:
    missing = []
    for user in ledger.users:
        response = await client.get("/v1/me", headers=user.headers)
        if response.status_code != 200 or response.json()["id"] != user.id:
            missing.append(f"user {user.id}: {response.status_code}")
    return missing


async def missing_memories(client: httpx.AsyncClient, ledger: Ledger) -> list[str]:
    """Every acknowledged write's job is done and its memory is stored with the content sent."""
    missing = []
    contents_of: dict[str, list[str]] = {}
    for user, job_id, token in ledger.memories:
        job = await client.get(f"/v1/memories/jobs/{job_id}", headers=user.headers)
        if job.status_code != 200 or job.json()["status"] != "done":
            missing.append(f"job {job_id}: {job.status_code} {job.text[:120]}")
            continue
        if user.id not in contents_of:
            # Every page: each chat message adds an episodic memory, so a user's own writes
            # soon lie beyond the first hundred.
            listed = await every_item(client, "/v1/memories", user.headers, limit=100)
            contents_of[user.id] = [m["content"] for m in listed]
        if not any(token in content for content in contents_of[user.id]):
            missing.append(f"memory {token} (job {job_id}) not listed")
    return missing


async def unsearchable_memories(client: httpx.AsyncClient, ledger: Ledger) -> list[str]:
    """Each stored memory is found by its token through every memory replica: the gateway
    takes turns between them, so two searches in a row reach both."""
    missing = []
    for user, _, token in ledger.memories:
        for _ in range(2):
            response = await client.post(
                "/v1/memories/search", json={"query": token, "limit": 5}, headers=user.headers
            )
            hits = [r["memory"]["content"] for r in response.json()["results"] if r["memory"]]
            if not any(token in hit for hit in hits):
                missing.append(f"search for {token} missed")
    return missing


async def reminder_fires(mongo: AsyncMongoClient[Doc], suite: Suite, ledger: Ledger) -> list[str]:
    """Every acknowledged reminder fired exactly once: one fire, one notification."""
    db = mongo[suite.database("scheduler")]
    ids = [reminder_id for _, reminder_id, _ in ledger.reminders]
    fired = {
        doc["_id"]: doc.get("fired_count", 0)
        async for doc in db.reminders.find({"_id": {"$in": ids}}, {"fired_count": 1})
    }
    notified: Counter[str] = Counter()
    async for doc in db.notifications.find({"ref_id": {"$in": ids}}, {"ref_id": 1}):
        notified[doc["ref_id"]] += 1
    return [
        f"reminder {rid}: fired {fired.get(rid)} times, {notified[rid]} notifications"
        for rid in ids
        if fired.get(rid) != 1 or notified[rid] != 1
    ]


async def events_applied_twice(
    mongo: AsyncMongoClient[Doc], suite: Suite, ledger: Ledger
) -> list[str]:
    """Each acknowledged chat message reached memory exactly once (one episodic memory: not
    lost, not applied twice), and no memory write was stored twice."""
    db = mongo[suite.database("memory")]
    ids = [message_id for _, _, message_id in ledger.messages]
    episodic: Counter[str] = Counter()
    query = {"type": "conversation", "provenance.message_ids": {"$in": ids}}
    async for doc in db.memories.find(query, {"provenance.message_ids": 1}):
        for message_id in doc["provenance"]["message_ids"]:
            episodic[message_id] += 1
    complaints = [
        f"message {message_id} remembered {episodic[message_id]} times"
        for message_id in ids
        if episodic[message_id] != 1
    ]
    tokens = [token for _, _, token in ledger.memories]
    stored: Counter[str] = Counter()
    async for doc in db.memories.find({"content": {"$regex": "^Note zq"}}, {"content": 1}):
        stored[doc["content"].split(":")[0].removeprefix("Note ")] += 1
    complaints += [f"memory {t} stored {stored[t]} times" for t in tokens if stored[t] > 1]
    return complaints


def latency_table(ledger: Ledger) -> list[str]:
    """p50/p95 per operation for the steady phase and the failure window, and error counts."""
    by_kind: dict[tuple[str, str], list[float]] = defaultdict(list)
    for sample in ledger.samples:
        if sample.status is not None and sample.status < 300:
            by_kind[(sample.kind, sample.phase)].append(sample.seconds * 1000)
    failures = ledger.failures()
    lines = [
        f"{'operation':<14}{'steady n':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'failure n':>11}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
    ]
    for kind in sorted({s.kind for s in ledger.samples}):
        cells = []
        for phase in ("steady", "failure"):
            values = sorted(by_kind.get((kind, phase), []))
            if len(values) >= 2:
                quantiles = statistics.quantiles(values, n=20, method="inclusive")
                cells.append((len(values), statistics.median(values), quantiles[18]))
            else:
                cells.append((len(values), float("nan"), float("nan")))
        errors = sum(n for key, n in failures.items() if key.startswith(f"{kind}/"))
        (sn, s50, s95), (fn, f50, f95) = cells
        lines.append(
            f"{kind:<14}{sn:>9}{s50:>9.0f}{s95:>9.0f}{fn:>11}{f50:>9.0f}{f95:>9.0f}{errors:>8}"
        )
    return lines
