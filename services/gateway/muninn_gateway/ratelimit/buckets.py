"""Token buckets kept in this process, keyed by user id or client address.

The state lives in one gateway replica: with N replicas behind a load balancer a client
gets up to N times the configured rate. That is the accepted trade for needing no shared
store; put a shared limiter in front if exact global limits matter.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class BucketPolicy:
    name: str
    capacity: int
    per_second: float

    @classmethod
    def per_minute(cls, name: str, rate: float, burst: int) -> BucketPolicy:
        return cls(name=name, capacity=burst, per_second=rate / 60.0)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int
    reset: int

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class TokenBuckets:
    """One bucket per key; least recently used keys are forgotten beyond ``max_keys``.

    Forgetting a key refills its bucket, which only ever errs on the side of the client.
    """

    def __init__(self, policy: BucketPolicy, *, max_keys: int, clock: Clock = time.monotonic):
        self.policy = policy
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str, cost: float = 1.0) -> Decision:
        policy = self.policy
        now = self._clock()
        tokens, updated = self._buckets.get(key, (float(policy.capacity), now))
        tokens = min(float(policy.capacity), tokens + (now - updated) * policy.per_second)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        missing = max(0.0, cost - tokens)
        return Decision(
            allowed=allowed,
            limit=policy.capacity,
            remaining=max(0, math.floor(tokens)),
            retry_after=max(1, math.ceil(missing / policy.per_second)) if not allowed else 0,
            reset=math.ceil((policy.capacity - tokens) / policy.per_second),
        )
