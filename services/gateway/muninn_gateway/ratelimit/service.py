"""Which limits a request draws from, and the 429 when one is spent."""

from __future__ import annotations

import hashlib
import json
import math

from muninn_shared.problems import ProblemError

from muninn_gateway.ratelimit.buckets import BucketPolicy, Decision
from muninn_gateway.ratelimit.stores import LimitStore, Outcome
from muninn_gateway.settings import GatewaySettings


class RateLimiter:
    """Every request draws from its client address's bucket; public auth routes also from a
    much smaller per-address bucket (password guessing), signed-in calls from the user's.
    Sign-ins are also throttled per account, whatever address they come from."""

    def __init__(
        self,
        store: LimitStore,
        *,
        client: BucketPolicy,
        public: BucketPolicy,
        user: BucketPolicy,
        enabled: bool = True,
    ) -> None:
        self._store = store
        self._client = client
        self._public = public
        self._user = user
        self.enabled = enabled

    @classmethod
    def from_settings(cls, settings: GatewaySettings, store: LimitStore) -> RateLimiter:
        return cls(
            store,
            client=BucketPolicy.per_minute(
                "client", settings.rate_limit_ip_per_minute, settings.rate_limit_ip_burst
            ),
            public=BucketPolicy.per_minute(
                "public", settings.rate_limit_public_per_minute, settings.rate_limit_public_burst
            ),
            user=BucketPolicy.per_minute(
                "user", settings.rate_limit_user_per_minute, settings.rate_limit_user_burst
            ),
            enabled=settings.rate_limit_enabled,
        )

    async def client(self, address_key: str) -> Decision | None:
        return await self._check(self._client, address_key)

    async def public(self, address_key: str) -> Decision | None:
        return await self._check(self._public, address_key)

    async def user(self, user_id: str) -> Decision | None:
        return await self._check(self._user, user_id)

    async def _check(self, policy: BucketPolicy, key: str) -> Decision | None:
        if not self.enabled:
            return None
        decision = await self._store.take(policy, key)
        if not decision.allowed:
            raise ProblemError(
                429,
                f"Too many requests ({policy.name} limit); retry after {decision.retry_after} s.",
                code="rate-limited",
                headers=decision.headers(),
            )
        return decision

    async def claim_login(self, account: str) -> None:
        """Let this sign-in attempt for ``account`` through, or answer 429 with the wait."""
        if not self.enabled:
            return
        wait = await self._store.claim_login(account)
        if wait is not None:
            retry_after = max(1, math.ceil(wait))
            raise ProblemError(
                429,
                f"Too many sign-in attempts for this account; retry after {retry_after} s.",
                code="login-throttled",
                headers={"Retry-After": str(retry_after)},
            )

    async def settle_login(self, account: str, status: int | None) -> None:
        if not self.enabled:
            return
        outcome: Outcome = "undecided"
        if status is not None and 200 <= status < 300:
            outcome = "succeeded"
        elif status == 401:
            outcome = "failed"
        await self._store.settle_login(account, outcome)


def login_account(body: bytes) -> str | None:
    """The account a sign-in body names, as the limiter keys it: a digest of the e-mail
    normalised as identity does, so the store never holds the address itself."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None
    email = parsed.get("email") if isinstance(parsed, dict) else None
    if not isinstance(email, str) or not email.strip():
        return None
    normalised = email.strip().lower()
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


def tightest(*decisions: Decision | None) -> Decision | None:
    """The decision to report in RateLimit-* headers: the one closest to running out."""
    present = [d for d in decisions if d is not None]
    return min(present, key=lambda d: d.remaining, default=None)
