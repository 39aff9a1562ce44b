"""argon2 runs in a bounded number of slots; a sign-in beyond the queue gets 503 + Retry-After."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import APIRouter
from muninn_identity.auth.passwords import HashingSlots, Passwords
from muninn_identity.settings import IdentitySettings
from muninn_shared.http.app import create_service_app
from pydantic import BaseModel


class SlowHasher(PasswordHasher):
    """Verification blocks its worker thread until the test lets it finish."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.entered = threading.Event()
        self.release = threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.entered.set()
        assert self.release.wait(10), "the test never released the hasher"
        return super().verify(hash, password)


class Login(BaseModel):
    password: str


def login_app(passwords: Passwords, stored: str) -> httpx.AsyncClient:
    router = APIRouter()

    @router.post("/login")
    async def login(body: Login) -> dict[str, bool]:
        return {"ok": await passwords.verify(stored, body.password)}

    app = create_service_app(service="t", title="t", description="t", routers=[router])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity")


def slots(size: int, max_waiting: int, max_wait_seconds: float = 5.0) -> HashingSlots:
    return HashingSlots(
        size=size,
        max_waiting=max_waiting,
        max_wait_seconds=max_wait_seconds,
        retry_after_seconds=2,
    )


STORED_HASH_OF_RIGHT = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("right")


def slow_passwords(size: int, max_waiting: int) -> tuple[Passwords, SlowHasher]:
    """Passwords over ``size`` hashing slots and a queue of ``max_waiting``, with a hasher that
    holds each verification until the test releases it."""
    hasher = SlowHasher()
    passwords = Passwords(
        time_cost=1, memory_cost_kib=8, slots=slots(size, max_waiting), hasher=hasher
    )
    return passwords, hasher


async def wait_for(event: threading.Event) -> None:
    assert await asyncio.to_thread(event.wait, 10)


async def test_a_second_concurrent_login_beyond_the_bound_gets_503_with_retry_after() -> None:
    passwords, hasher = slow_passwords(1, 0)
    async with login_app(passwords, STORED_HASH_OF_RIGHT) as client:
        first = asyncio.create_task(client.post("/login", json={"password": "right"}))
        await wait_for(hasher.entered)
        second = await client.post("/login", json={"password": "right"})
        assert second.status_code == 503, second.text
        assert second.headers["content-type"].startswith("application/problem+json")
        assert second.headers["retry-after"] == "2"
        hasher.release.set()
        assert (await first).json() == {"ok": True}
        third = await client.post("/login", json={"password": "right"})
        assert third.json() == {"ok": True}, "the slot is free again"


async def test_a_queued_login_waits_for_the_slot_and_then_proceeds() -> None:
    passwords, hasher = slow_passwords(1, 1)
    first = asyncio.create_task(passwords.verify(STORED_HASH_OF_RIGHT, "right"))
    await wait_for(hasher.entered)
    queued = asyncio.create_task(passwords.verify(STORED_HASH_OF_RIGHT, "wrong"))
    await asyncio.sleep(0.05)
    assert not queued.done(), "it waits rather than running a second hash"
    hasher.release.set()
    assert await first
    assert not await queued


async def test_a_cancelled_login_keeps_its_slot_until_the_hash_finishes() -> None:
    passwords, hasher = slow_passwords(1, 0)
    abandoned = asyncio.create_task(passwords.verify(STORED_HASH_OF_RIGHT, "right"))
    await wait_for(hasher.entered)
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    with pytest.raises(Exception, match="Too many sign-ins"):
        await passwords.verify(STORED_HASH_OF_RIGHT, "right")
    hasher.release.set()
    for _ in range(100):
        try:
            assert await passwords.verify(STORED_HASH_OF_RIGHT, "right")
            break
        except Exception:
            await asyncio.sleep(0.02)
    else:
        pytest.fail("the slot never came back")


def test_the_default_bound_follows_the_memory_budget() -> None:
    assert IdentitySettings().argon2_slots() == 4  # 256 MiB / 64 MiB
    assert IdentitySettings(argon2_memory_cost_kib=32768).argon2_slots() == 8
    assert IdentitySettings(argon2_max_concurrent=2).argon2_slots() == 2
