"""Through the gateway: every model call is the user's usage (a memory extraction made with
the LLM port against the fake provider included), and a pattern learned from when the user
writes moves a notification that can wait to that hour. Both are the user's own, exported
with their data and erased with it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from pymongo import AsyncMongoClient

from tests.integration.e2e import PASSWORD, User, assert_problem, new_email, register
from tests.integration.end_to_end.pim import erasure_completed
from tests.integration.fake_llm import MODEL as FAKE_MODEL
from tests.integration.fake_llm import PROMPT_TOKENS
from tests.integration.paging import every_item
from tests.integration.suite import Suite

Doc = dict[str, Any]
T = TypeVar("T")
WAIT = 30.0
# Zones half an hour off UTC: their local minute is 30 away from UTC's, so one of them (or
# UTC's whole-hour zones) keeps a burst of messages inside one local hour.
HALF_HOUR_ZONES = (
    "Asia/Kolkata",
    "Asia/Kabul",
    "Asia/Tehran",
    "Asia/Yangon",
    "Australia/Darwin",
    "Pacific/Marquesas",
)


async def soon(probe: Callable[[], Awaitable[T | None]], what: str) -> T:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def say(client: httpx.AsyncClient, user: User, conversation: str, text: str) -> None:
    sent = await client.post(
        f"/v1/conversations/{conversation}/messages", json={"content": text}, headers=user.headers
    )
    assert sent.status_code == 201, sent.text


async def conversation_of(client: httpx.AsyncClient, user: User) -> str:
    created = await client.post("/v1/conversations", json={"context": "work"}, headers=user.headers)
    assert created.status_code == 201, created.text
    conversation: str = created.json()["id"]
    return conversation


async def test_every_model_call_is_the_users_usage(
    client: httpx.AsyncClient, suite: Suite, mongo: AsyncMongoClient[Doc]
) -> None:
    ana, bob = await register(client, "usage"), await register(client, "other")
    conversation = await conversation_of(client, ana)
    await say(client, ana, conversation, "My sister Ana lives in Porto.")
    await say(client, bob, await conversation_of(client, bob), "Hello there.")

    async def extraction() -> list[Doc]:
        page = await client.get(
            "/v1/usage/calls", params={"feature": "memory_extraction"}, headers=ana.headers
        )
        assert page.status_code == 200, page.text
        items: list[Doc] = page.json()["items"]
        return items

    (call, *_) = await soon(extraction, "the memory extraction's model call")
    assert call["service"] == "memory"
    assert (call["provider"], call["endpoint"], call["model"]) == (
        "127.0.0.1",
        "chat/completions",
        FAKE_MODEL,
    )
    assert call["prompt_tokens"] == PROMPT_TOKENS
    assert call["success"] is True
    assert call["tokens_reported"] is True
    assert call["cost_usd"] is None, "a self-hosted model nobody priced: not guessed"

    calls = await every_item(client, "/v1/usage/calls", ana.headers, limit=1)
    assert len({c["id"] for c in calls}) == len(calls)
    assert {"chat", "memory_extraction"} <= {c["feature"] for c in calls}
    (chat,) = [c for c in calls if c["feature"] == "chat"]
    assert (chat["service"], chat["provider"], chat["context"]) == (
        "conversation",
        "offline",
        "work",
    )

    report = (await client.get("/v1/usage", headers=ana.headers)).json()
    features = {row["feature"]: row for row in report["days"]}
    assert features["chat"]["messages"] == 1
    assert features["memory_extraction"]["calls"] >= 1
    assert features["memory_extraction"]["unpriced_calls"] == features["memory_extraction"]["calls"]
    assert report["totals"]["calls"] == len(calls)

    assert_problem(await client.get(f"/v1/usage/calls/{call['id']}", headers=bob.headers), 404)
    assert call["id"] not in {
        c["id"] for c in await every_item(client, "/v1/usage/calls", bob.headers)
    }

    exported = await client.post("/v1/me/export", headers=ana.headers)
    assert exported.status_code == 200, exported.text
    kept = exported.json()["services"]["conversation"]["usage_calls"]
    assert {d["_id"] for d in kept} == {c["id"] for c in calls}

    erased = await client.delete("/v1/me", headers=ana.headers)
    assert erased.status_code == 202, erased.text
    await erasure_completed(client, ana, erased)
    stored = mongo[suite.database("conversation")]["usage_calls"]
    assert await stored.count_documents({"user_id": ana.id}) == 0
    assert await stored.count_documents({"user_id": bob.id}) >= 1, "only hers went"


def zone_at_working_hour(now: datetime) -> ZoneInfo:
    """A zone where it is now between 09:00 and 22:59, at least 15 minutes from the hour's
    edges (so a few seconds of messages stay within one local hour); four hours earlier is
    still in the day's contact periods."""
    if 15 <= now.minute < 45:
        candidates = [f"Etc/GMT{-o:+d}" if o else "Etc/GMT" for o in range(-12, 15)]
    else:
        candidates = list(HALF_HOUR_ZONES)
    for name in candidates:
        zone = ZoneInfo(name)
        local = now.astimezone(zone)
        if 9 <= local.hour <= 22 and 15 <= local.minute < 45:
            return zone
    raise AssertionError(f"no zone fits {now}")


def zone_where_it_is(now: datetime, hour: int) -> ZoneInfo:
    """A whole-hour zone where the local hour is now ``hour``."""
    for offset in range(-12, 15):
        name = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"
        if now.astimezone(ZoneInfo(name)).hour == hour:
            return ZoneInfo(name)
    raise AssertionError(f"no zone at {hour}:00")


async def register_in(client: httpx.AsyncClient, zone: ZoneInfo) -> User:
    email = new_email("patterns")
    response = await client.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "timezone": zone.key}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return User(
        id=body["user"]["id"],
        email=email,
        access_token=body["tokens"]["access_token"],
        refresh_token=body["tokens"]["refresh_token"],
    )


async def scheduler_lives_in(client: httpx.AsyncClient, user: User, zone: ZoneInfo) -> None:
    """Wait for the scheduler to hear of the user's time zone (an experience made without
    one takes theirs)."""

    async def probe() -> bool:
        made = await client.post(
            "/v1/experiences",
            json={"title": "probe", "local_time": "2030-01-01T10:00:00", "follow_up": False},
            headers=user.headers,
        )
        assert made.status_code == 201, made.text
        deleted = await client.delete(f"/v1/experiences/{made.json()['id']}", headers=user.headers)
        assert deleted.status_code == 204, deleted.text
        return bool(made.json()["timezone"] == zone.key)

    await soon(probe, f"the scheduler to know {zone.key}")


async def test_a_learned_hour_moves_a_follow_up_and_is_the_users_own(
    client: httpx.AsyncClient, suite: Suite, mongo: AsyncMongoClient[Doc]
) -> None:
    home = zone_at_working_hour(datetime.now(UTC))
    ana, bob = await register_in(client, home), await register(client, "stranger")
    await scheduler_lives_in(client, ana, home)
    conversation = await conversation_of(client, ana)
    for n in range(6):
        await say(
            client, ana, conversation, f"Quick note {n}: call the plumber {uuid.uuid4().hex[:4]}"
        )

    async def learned() -> Doc | None:
        report = await client.post("/v1/me/patterns/learn", headers=ana.headers)
        assert report.status_code == 200, report.text
        for pattern in report.json()["patterns"]:
            if pattern["pattern_type"] == "activity_rhythm" and pattern["evidence_count"] >= 6:
                found: Doc = pattern
                return found
        return None

    rhythm = await soon(learned, "the active hours to be learned")
    (hour,) = rhythm["time_patterns"]["hours"]
    assert hour == datetime.now(UTC).astimezone(home).hour
    assert rhythm["used_for_delivery"] is True
    assert rhythm["evidence"]["by_hour"] == {str(hour): rhythm["evidence_count"]}
    listed = (await client.get("/v1/me/patterns", headers=ana.headers)).json()["items"]
    assert rhythm["id"] in {p["id"] for p in listed}

    # She travels to where it is four hours earlier: her routine keeps its local hour.
    now = datetime.now(UTC)
    away = zone_where_it_is(now, (hour - 4) % 24)
    moved = await client.patch(
        "/v1/me/preferences", json={"timezone": away.key}, headers=ana.headers
    )
    assert moved.status_code == 200, moved.text
    await scheduler_lives_in(client, ana, away)
    visit = await client.post(
        "/v1/experiences",
        json={
            "title": "Dentist",
            "provider": "Dr. Mary",
            "scheduled_at": (now - timedelta(hours=2)).isoformat(),
            "duration_minutes": 30,
            "follow_up_delay_minutes": 0,
        },
        headers=ana.headers,
    )
    assert visit.status_code == 201, visit.text

    async def waiting() -> Doc | None:
        scheduled = await client.get("/v1/notifications/scheduled", headers=ana.headers)
        assert scheduled.status_code == 200, scheduled.text
        return next((n for n in scheduled.json() if n["ref_id"] == visit.json()["id"]), None)

    question = await soon(waiting, "the follow-up question to be made")
    assert question["kind"] == "follow_up"
    assert question["deferred_reason"] == "learned_hours"
    deliver_at = datetime.fromisoformat(question["deliver_at"])
    local = deliver_at.astimezone(away)
    assert (local.hour, local.minute) == (hour, 0), "at the learned hour, where she is"
    assert timedelta(hours=3) < deliver_at - now <= timedelta(hours=4)

    assert_problem(await client.get(f"/v1/me/patterns/{rhythm['id']}", headers=bob.headers), 404)
    assert_problem(
        await client.post(f"/v1/me/patterns/{rhythm['id']}/dismiss", headers=bob.headers), 404
    )
    assert (await client.get("/v1/me/patterns", headers=bob.headers)).json()["items"] == []
    dismissed = await client.post(f"/v1/me/patterns/{rhythm['id']}/dismiss", headers=ana.headers)
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["used_for_delivery"] is False

    exported = (await client.post("/v1/me/export", headers=ana.headers)).json()["services"]
    assert rhythm["id"] in {d["_id"] for d in exported["scheduler"]["user_patterns"]}
    assert len(exported["scheduler"]["activity"]) >= 6

    erased = await client.delete("/v1/me", headers=ana.headers)
    assert erased.status_code == 202, erased.text
    await erasure_completed(client, ana, erased)
    db = mongo[suite.database("scheduler")]
    for name in ("activity", "user_patterns"):
        assert await db[name].count_documents({"user_id": ana.id}) == 0, name
