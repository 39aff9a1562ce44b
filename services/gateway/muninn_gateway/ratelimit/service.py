"""Which buckets a request draws from, and the 429 when one is empty."""

from __future__ import annotations

from muninn_shared.problems import ProblemError

from muninn_gateway.ratelimit.buckets import BucketPolicy, Clock, Decision, TokenBuckets
from muninn_gateway.settings import GatewaySettings


class RateLimiter:
    """Every request draws from its client address's bucket; public auth routes also from a
    much smaller per-address bucket (password guessing), signed-in calls from the user's."""

    def __init__(
        self,
        *,
        client: BucketPolicy,
        public: BucketPolicy,
        user: BucketPolicy,
        max_keys: int,
        enabled: bool = True,
        clock: Clock | None = None,
    ) -> None:
        extra = {"clock": clock} if clock is not None else {}
        self._client = TokenBuckets(client, max_keys=max_keys, **extra)
        self._public = TokenBuckets(public, max_keys=max_keys, **extra)
        self._user = TokenBuckets(user, max_keys=max_keys, **extra)
        self.enabled = enabled

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> RateLimiter:
        return cls(
            client=BucketPolicy.per_minute(
                "client", settings.rate_limit_ip_per_minute, settings.rate_limit_ip_burst
            ),
            public=BucketPolicy.per_minute(
                "public", settings.rate_limit_public_per_minute, settings.rate_limit_public_burst
            ),
            user=BucketPolicy.per_minute(
                "user", settings.rate_limit_user_per_minute, settings.rate_limit_user_burst
            ),
            max_keys=settings.rate_limit_max_tracked_keys,
            enabled=settings.rate_limit_enabled,
        )

    def client(self, address: str) -> Decision | None:
        return self._check(self._client, address)

    def public(self, address: str) -> Decision | None:
        return self._check(self._public, address)

    def user(self, user_id: str) -> Decision | None:
        return self._check(self._user, user_id)

    def _check(self, buckets: TokenBuckets, key: str) -> Decision | None:
        if not self.enabled:
            return None
        decision = buckets.take(key)
        if not decision.allowed:
            raise ProblemError(
                429,
                f"Too many requests ({buckets.policy.name} limit); retry after "
                f"{decision.retry_after} s.",
                code="rate-limited",
                headers=decision.headers(),
            )
        return decision


def tightest(*decisions: Decision | None) -> Decision | None:
    """The decision to report in RateLimit-* headers: the one closest to running out."""
    present = [d for d in decisions if d is not None]
    return min(present, key=lambda d: d.remaining, default=None)
