"""The one cache of grants traded at identity, shared by API keys and MCP tokens."""

from __future__ import annotations

import asyncio

import pytest
from muninn_gateway.auth.cache import TtlCache
from muninn_gateway.auth.grants import GrantCache, credential_digest
from pydantic import BaseModel


class Grant(BaseModel):
    user_id: str
    expires_in: int


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Identity:
    """Counts trades; each answers once ``release`` is set."""

    def __init__(self, expires_in: int = 300) -> None:
        self.calls = 0
        self.expires_in = expires_in
        self.release = asyncio.Event()
        self.release.set()
        self.fail_with: Exception | None = None

    async def trade(self) -> Grant:
        self.calls += 1
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return Grant(user_id=f"u{self.calls}", expires_in=self.expires_in)


def grants(clock: FakeClock, ttl: float = 3600) -> tuple[GrantCache[Grant], TtlCache[Grant]]:
    cache = TtlCache[Grant](10, clock=clock)
    return GrantCache(cache, ttl_seconds=ttl), cache


async def test_a_grant_is_traded_once_and_kept_by_digest_for_half_its_lifetime() -> None:
    clock = FakeClock()
    cached, store = grants(clock)
    identity = Identity(expires_in=300)
    first = await cached.get("mk_secret", identity.trade)
    clock.now += 149
    assert await cached.get("mk_secret", identity.trade) == first
    assert identity.calls == 1
    assert store.get(credential_digest("mk_secret")) == first
    assert store.get("mk_secret") is None, "the credential itself is never a key"
    clock.now += 2  # past half of the token's 300 s
    again = await cached.get("mk_secret", identity.trade)
    assert identity.calls == 2
    assert again.user_id == "u2"


async def test_the_configured_ttl_caps_a_long_lived_grant() -> None:
    clock = FakeClock()
    cached, _ = grants(clock, ttl=30)
    identity = Identity(expires_in=3600)
    await cached.get("token", identity.trade)
    clock.now += 29
    await cached.get("token", identity.trade)
    assert identity.calls == 1
    clock.now += 1
    await cached.get("token", identity.trade)
    assert identity.calls == 2


async def test_concurrent_first_uses_share_one_trade() -> None:
    cached, _ = grants(FakeClock())
    identity = Identity()
    identity.release.clear()
    waiting = [asyncio.create_task(cached.get("token", identity.trade)) for _ in range(5)]
    await asyncio.sleep(0)
    identity.release.set()
    answers = await asyncio.gather(*waiting)
    assert identity.calls == 1
    assert {answer.user_id for answer in answers} == {"u1"}


async def test_a_failed_trade_is_not_cached_and_the_next_use_tries_again() -> None:
    cached, store = grants(FakeClock())
    identity = Identity()
    identity.fail_with = RuntimeError("identity down")
    with pytest.raises(RuntimeError, match="identity down"):
        await cached.get("token", identity.trade)
    assert len(store) == 0
    identity.fail_with = None
    assert (await cached.get("token", identity.trade)).user_id == "u2"


async def test_a_caller_that_goes_away_does_not_cancel_the_others() -> None:
    cached, _ = grants(FakeClock())
    identity = Identity()
    identity.release.clear()
    leaving = asyncio.create_task(cached.get("token", identity.trade))
    staying = asyncio.create_task(cached.get("token", identity.trade))
    await asyncio.sleep(0)
    leaving.cancel()
    identity.release.set()
    assert (await staying).user_id == "u1"
    with pytest.raises(asyncio.CancelledError):
        await leaving
    assert identity.calls == 1


async def test_a_grant_whose_token_is_about_to_expire_is_not_cached() -> None:
    cached, store = grants(FakeClock())
    identity = Identity(expires_in=0)
    await cached.get("token", identity.trade)
    await cached.get("token", identity.trade)
    assert identity.calls == 2
    assert len(store) == 0
