"""Where limit state lives: this process (one replica) or MongoDB (shared by every replica).

In MongoDB a limit is a fixed window per key: ``capacity`` requests per
``capacity / rate`` seconds, counted by one conditional upsert (``$inc`` while below the
capacity; a full window makes the upsert collide with the existing document and fail), so N
replicas together admit exactly the capacity. Window documents expire through a TTL index.

If the shared store fails, the limiter falls back to this process's own buckets for a short
cooldown and says so once in the log: limits keep holding per replica (a brief, bounded
loosening) and requests are never refused because the store is down.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeVar

from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import mongo_deadline, update_one_and_read
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError

from muninn_gateway.ratelimit.buckets import BucketPolicy, Clock, Decision, TokenBuckets

log = get_logger(__name__)

Document = dict[str, Any]
Outcome = Literal["succeeded", "failed", "undecided"]
T = TypeVar("T")

WINDOWS = "rate_limit_windows"
LOGINS = "login_throttle"


class LoginBackoff:
    """After n failed sign-ins in a row an account takes its next attempt only after
    min(cap, base * 2^(n-1)) seconds; one attempt at a time is in flight per account (held at
    most ``hold_seconds``, should the gateway die before identity answers)."""

    # What a caller turned away by an attempt still in flight is told to wait: that attempt
    # is usually answered well within a second.
    in_flight_retry_seconds = 1.0

    def __init__(
        self, *, base_seconds: float, cap_seconds: float, hold_seconds: float, forget_seconds: float
    ) -> None:
        self.base = base_seconds
        self.cap = cap_seconds
        self.hold = hold_seconds
        self.forget = forget_seconds

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return float(min(self.cap, self.base * 2 ** min(failures - 1, 62)))


class LimitStore(Protocol):
    async def take(self, policy: BucketPolicy, key: str) -> Decision: ...

    async def claim_login(self, account: str) -> float | None:
        """None when this attempt may go ahead, else the seconds until one may."""

    async def settle_login(self, account: str, outcome: Outcome) -> None: ...


class MemoryStore:
    def __init__(self, backoff: LoginBackoff, *, max_keys: int, clock: Clock = time.monotonic):
        self._backoff = backoff
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: dict[str, TokenBuckets] = {}
        # account -> (failures, blocked until, last failure, an attempt in flight)
        self._logins: OrderedDict[str, tuple[int, float, float, bool]] = OrderedDict()

    async def take(self, policy: BucketPolicy, key: str) -> Decision:
        buckets = self._buckets.get(policy.name)
        if buckets is None or buckets.policy != policy:
            buckets = TokenBuckets(policy, max_keys=self._max_keys, clock=self._clock)
            self._buckets[policy.name] = buckets
        return buckets.take(key)

    def _login(self, account: str) -> tuple[int, float, float, bool]:
        now = self._clock()
        failures, blocked_until, last_failure, in_flight = self._logins.get(
            account, (0, 0.0, now, False)
        )
        if failures and now - last_failure > self._backoff.forget:
            failures = 0
        return failures, blocked_until, last_failure, in_flight

    def _remember(self, account: str, state: tuple[int, float, float, bool]) -> None:
        self._logins[account] = state
        self._logins.move_to_end(account)
        while len(self._logins) > self._max_keys:
            self._logins.popitem(last=False)

    async def claim_login(self, account: str) -> float | None:
        now = self._clock()
        failures, blocked_until, last_failure, in_flight = self._login(account)
        if blocked_until > now:
            if in_flight:
                return min(self._backoff.in_flight_retry_seconds, blocked_until - now)
            return blocked_until - now
        self._remember(account, (failures, now + self._backoff.hold, last_failure, True))
        return None

    async def settle_login(self, account: str, outcome: Outcome) -> None:
        now = self._clock()
        failures, _, last_failure, _ = self._login(account)
        if outcome == "succeeded":
            self._logins.pop(account, None)
        elif outcome == "failed":
            failures += 1
            self._remember(account, (failures, now + self._backoff.delay(failures), now, False))
        else:
            self._remember(account, (failures, now, last_failure, False))


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class MongoStore:
    """Shared by every gateway replica. Times are wall-clock (replicas share no monotonic
    clock); a replica whose clock is off by a second shifts its windows by that second."""

    def __init__(
        self,
        windows: AsyncCollection[Document],
        logins: AsyncCollection[Document],
        backoff: LoginBackoff,
        *,
        clock: Clock = time.time,
    ) -> None:
        self._windows = windows
        self._logins = logins
        self._backoff = backoff
        self._clock = clock

    async def ensure_indexes(self) -> None:
        await self._windows.create_index("expires_at", expireAfterSeconds=0)
        await self._logins.create_index("expires_at", expireAfterSeconds=0)

    async def take(self, policy: BucketPolicy, key: str) -> Decision:
        now = self._clock()
        window = policy.capacity / policy.per_second
        index = math.floor(now / window)
        ends = (index + 1) * window
        doc_id = f"{policy.name}|{key}|{index}"
        reset = max(1, math.ceil(ends - now))
        try:
            await self._windows.update_one(
                {"_id": doc_id, "n": {"$lt": policy.capacity}},
                {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": _utc(ends + window)}},
                upsert=True,
            )
        except DuplicateKeyError:
            # The window exists and is full: the upsert tried to insert a second one.
            return Decision(
                allowed=False, limit=policy.capacity, remaining=0, retry_after=reset, reset=reset
            )
        counted = await self._windows.find_one({"_id": doc_id}, {"n": 1})
        used = int(counted["n"]) if counted else 1
        return Decision(
            allowed=True,
            limit=policy.capacity,
            remaining=max(0, policy.capacity - used),
            retry_after=0,
            reset=reset,
        )

    async def claim_login(self, account: str) -> float | None:
        now = self._clock()
        try:
            await self._logins.update_one(
                {"_id": account, "blocked_until": {"$lte": now}},
                {
                    "$set": {"blocked_until": now + self._backoff.hold, "in_flight": True},
                    "$setOnInsert": {
                        "failures": 0,
                        "expires_at": _utc(now + self._backoff.forget),
                    },
                },
                upsert=True,
            )
        except DuplicateKeyError:
            current = await self._logins.find_one(
                {"_id": account}, {"blocked_until": 1, "in_flight": 1}
            )
            if current is None:  # settled and reset in between: try again at once
                return 0.001
            wait = max(float(current["blocked_until"]) - now, 0.001)
            if current.get("in_flight"):
                return min(self._backoff.in_flight_retry_seconds, wait)
            return wait
        return None

    async def settle_login(self, account: str, outcome: Outcome) -> None:
        now = self._clock()
        if outcome == "succeeded":
            await self._logins.delete_one({"_id": account})
            return
        if outcome == "undecided":
            await self._logins.update_one(
                {"_id": account}, {"$set": {"blocked_until": now, "in_flight": False}}
            )
            return
        counted = await update_one_and_read(
            self._logins,
            {"_id": account},
            {
                "$inc": {"failures": 1},
                "$set": {"expires_at": _utc(now + self._backoff.forget)},
            },
            upsert=True,
        )
        failures = int(counted["failures"]) if counted else 1
        await self._logins.update_one(
            {"_id": account},
            # Replaces the in-flight hold: one attempt per account is in flight at a time.
            {"$set": {"blocked_until": now + self._backoff.delay(failures), "in_flight": False}},
        )


class FallbackStore:
    """The shared store while it answers within ``timeout_seconds``; this process's own
    buckets for ``cooldown_seconds`` after it does not."""

    def __init__(
        self,
        shared: MongoStore,
        local: MemoryStore,
        *,
        timeout_seconds: float,
        cooldown_seconds: float,
        clock: Clock = time.monotonic,
    ) -> None:
        self._shared = shared
        self._local = local
        self._timeout = timeout_seconds
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._local_until = 0.0

    async def _either(
        self, shared: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]
    ) -> T:
        if self._clock() < self._local_until:
            return await local()
        try:
            # Bounded here too: a server that accepts connections and never answers would
            # otherwise hold every request (the driver bounds only selecting and connecting).
            # The driver's own deadline, never a cancellation: see mongo_deadline.
            with mongo_deadline(self._timeout):
                return await shared()
        except PyMongoError as exc:
            self._local_until = self._clock() + self._cooldown
            log.warning(
                "rate-limit store unavailable; limiting in this process for a while",
                error=repr(exc),
                cooldown_seconds=self._cooldown,
            )
            return await local()

    async def take(self, policy: BucketPolicy, key: str) -> Decision:
        return await self._either(
            lambda: self._shared.take(policy, key), lambda: self._local.take(policy, key)
        )

    async def claim_login(self, account: str) -> float | None:
        return await self._either(
            lambda: self._shared.claim_login(account), lambda: self._local.claim_login(account)
        )

    async def settle_login(self, account: str, outcome: Outcome) -> None:
        await self._either(
            lambda: self._shared.settle_login(account, outcome),
            lambda: self._local.settle_login(account, outcome),
        )
