"""Running an in-process scheduler against the module's Kafka and MongoDB, with a clock the
tests move by hand, and what its tests do to it (users, tokens, messages, firing)."""

from __future__ import annotations

import asyncio
import email
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import httpx
from fastapi import FastAPI
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.main import create_app
from muninn_scheduler.profiles.store import ProfileStore
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic, new_event
from muninn_shared.events.payloads import MessageEvent
from muninn_shared.outbound import OutboundGuard

from tests.integration.in_process import started
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.tokens import identity_token_issuer

Scheduler = tuple[httpx.AsyncClient, FastAPI]
T = TypeVar("T")


def scheduler_settings(infra: Infra, unique: str, **overrides: Any) -> SchedulerSettings:
    """Settings for an in-process scheduler on its own databases."""
    values: dict[str, Any] = {
        "kafka_bootstrap": infra.kafka_bootstrap,
        "mongo_uri": infra.mongo_uri,
        "mongo_database_prefix": f"muninn_it{unique}_",
        "log_level": "WARNING",
        "delivery_max_attempts": 3,
        "delivery_retry_base_seconds": 60,
        # Webhook receivers in these tests listen on loopback, which the outbound guard
        # refuses unless the operator allow-lists it.
        "outbound_allow_cidrs": ["127.0.0.0/8"],
        **overrides,
    }
    return SchedulerSettings(**values)


def start_clock() -> ManualClock:
    return ManualClock(datetime(2026, 6, 10, 9, 0, tzinfo=UTC))


@asynccontextmanager
async def running(
    settings: SchedulerSettings, clock: ManualClock, guard: OutboundGuard | None = None
) -> AsyncIterator[Scheduler]:
    """The app with its lifespan (Kafka consumers included), timers fired by hand; ``guard``
    replaces the one the settings describe (a test's own resolver behind the webhooks)."""
    app = create_app(settings, clock, run_timers=False, guard=guard)
    async with started(app, "http://scheduler", timeout=60, startup_timeout=120) as client:
        yield client, app


def auth(settings: SchedulerSettings, user_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity_token_issuer().issue(user_id)}"}


class LisbonUser(NamedTuple):
    """Someone living in Lisbon (no quiet hours), and the scheduler they talk to."""

    client: httpx.AsyncClient
    app: FastAPI
    user_id: str
    headers: dict[str, str]


def alice_and_bob(settings: SchedulerSettings) -> tuple[dict[str, str], dict[str, str]]:
    """The headers of two new users: one owns things, the other must not reach them."""
    return auth(settings, "alice-" + uuid.uuid4().hex), auth(settings, "bob-" + uuid.uuid4().hex)


async def assert_not_found(
    client: httpx.AsyncClient, requests: list[tuple[str, str, Any]], headers: dict[str, str]
) -> None:
    """Each (method, path, body) is answered 404 with a problem document: someone else's."""
    for method, path, body in requests:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def assert_all_refused(
    client: httpx.AsyncClient, path: str, bodies: list[dict[str, Any]], headers: dict[str, str]
) -> None:
    """Each body POSTed to ``path`` is refused as invalid (422, a problem document)."""
    for body in bodies:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def listed(client: httpx.AsyncClient, path: str, me: dict[str, str]) -> list[dict[str, Any]]:
    """The items of the first page of a list endpoint."""
    items: list[dict[str, Any]] = (await client.get(path, headers=me)).json()["items"]
    return items


async def proactive_about(
    infra: Infra, user_id: str, kind: str, reference_id: str
) -> list[dict[str, Any]]:
    """The proactive message of ``kind`` the scheduler sent ``user_id`` about ``reference_id``.

    Filtered by what it refers to: any other scheduler on this broker hears the same
    conversation messages and answers them from its own databases."""
    return await collect(
        infra.kafka_bootstrap,
        Topic.SCHEDULER_PROACTIVE.value,
        lambda b: (
            b.get("subject") == user_id
            and b["data"]["kind"] == kind
            and b["data"]["reference_id"] == reference_id
        ),
    )


async def fire_due(app: FastAPI) -> int:
    fired: int = await app.state.services.wheel.run_due()
    return fired


async def remind_at_noon(client: httpx.AsyncClient, me: dict[str, str], title: str) -> None:
    """A reminder at noon, Lisbon time, on the day the test clock starts (11:00 UTC)."""
    created = await client.post(
        "/v1/reminders", json={"title": title, "local_time": "2026-06-10T12:00:00"}, headers=me
    )
    assert created.status_code == 201, created.text


async def set_email(client: httpx.AsyncClient, me: dict[str, str], address: str) -> httpx.Response:
    """Saves ``address`` as the e-mail channel (a new address is sent a confirmation)."""
    return await client.put(
        "/v1/notifications/channels", json={"email": {"address": address}}, headers=me
    )


async def deliver_at(app: FastAPI, clock: ManualClock, when: datetime) -> None:
    """Moves the clock to ``when`` and fires twice: what is due, then the notifications it sent."""
    clock.set(when)
    await fire_due(app)
    await fire_due(app)


async def lisbon_user(app: FastAPI, **quiet: Any) -> str:
    user_id = "u-" + uuid.uuid4().hex
    changes: dict[str, Any] = {"timezone": "Europe/Lisbon"}
    if quiet:
        changes["quiet_hours"] = {"enabled": True, **quiet}
    await ProfileStore(app.state.runtime.db).merge(user_id, changes)
    return user_id


def confirmation_token(mail: Any) -> str:
    """The token a confirmation e-mail carries (alone on its line, or ending the link)."""
    text = email.message_from_bytes(mail.content).get_payload(decode=True).decode()
    found = re.search(r"([A-Za-z0-9_-]{40,})\s*$", text.split("It expires")[0])
    assert found, text
    return found.group(1)


async def confirm_email(client: httpx.AsyncClient, headers: dict[str, str], mail: Any) -> None:
    """Confirm an address with the token its confirmation e-mail carries."""
    confirmed = await client.post(
        "/v1/notifications/channels/email/confirm",
        json={"token": confirmation_token(mail)},
        headers=headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["email_confirmed"] is True


async def say(
    app: FastAPI,
    user_id: str,
    conversation_id: str,
    text: str,
    at: datetime,
    *,
    role: str = "user",
    event_type: str = "conversation.message.created",
    metadata: dict[str, Any] | None = None,
) -> str:
    """Publish a message event as the conversation service would."""
    message_id = uuid.uuid4().hex
    payload = MessageEvent.model_validate(
        {
            "user_id": user_id,
            "conversation_id": conversation_id,
            "message_id": message_id,
            "role": role,
            "content": text,
            "created_at": at,
            "metadata": metadata or {},
        }
    )
    event = new_event(event_type, source="conversation", subject=user_id, data=payload)
    await app.state.runtime.publish(Topic.CONVERSATION_MESSAGES.value, event)
    return message_id


async def eventually(
    probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = 180
) -> T:
    """Wait for a Kafka consumer to have done its work (polling the API, not the clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
