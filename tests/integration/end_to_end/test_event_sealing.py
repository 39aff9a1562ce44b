"""Personal fields leave the services sealed, open for the services, and die with the user.

Through the whole suite of processes: what Kafka retains carries no plaintext, memory still
learns from it, an erasure makes every retained copy unreadable, identity refuses callers
without a service credential, and an identity outage delays events without losing any.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from muninn_shared.events import EventEnvelope, Topic
from muninn_shared.events.sealing import SEALED
from muninn_shared.messaging.event_keys import (
    EVENT_KEYS_PATH,
    EventKeys,
    UserErasedError,
    http_key_fetcher,
)
from pymongo import AsyncMongoClient

from tests.integration.e2e import (
    REQUEST_TIMEOUT,
    Doc,
    User,
    assert_problem,
    register,
    seconds_until_searchable,
)
from tests.integration.kafka_tools import collect
from tests.integration.suite import Suite


def keys_as(suite: Suite, service: str, http: httpx.AsyncClient) -> EventKeys:
    """Event keys fetched the way ``service`` fetches them, with its own credential."""
    return EventKeys(
        http_key_fetcher(
            http,
            suite.url("identity"),
            service=service,
            credential=suite.config.service_credentials[service],
        )
    )


async def say(client: httpx.AsyncClient, user: User, content: str) -> None:
    created = await client.post("/v1/conversations", json={}, headers=user.headers)
    assert created.status_code == 201, created.text
    said = await client.post(
        f"/v1/conversations/{created.json()['id']}/messages",
        json={"content": content},
        headers=user.headers,
    )
    assert said.status_code == 201, said.text


async def user_message_events(suite: Suite, user: User, timeout: float = 60) -> list[Doc]:
    def wanted(body: dict[str, Any]) -> bool:
        return body.get("subject") == user.id and body.get("type") == "conversation.message.created"

    return await collect(
        suite.infra.kafka_bootstrap, Topic.CONVERSATION_MESSAGES.value, wanted, timeout=timeout
    )


async def searchable(client: httpx.AsyncClient, user: User, query: str, wanted: str) -> bool:
    return await seconds_until_searchable(client, user, query, wanted, give_up_after=60) is not None


async def test_kafka_keeps_no_plaintext_yet_memory_learns_and_erasure_makes_it_unreadable(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "sealed")
    await say(client, user, "My brother Olaf keeps bees in Tromsø.")

    [raw] = await user_message_events(suite, user)
    published = json.dumps(raw, ensure_ascii=False)
    assert "Olaf" not in published
    assert "Tromsø" not in published
    assert raw["data"]["message_id"]
    assert SEALED in raw["data"]
    [registered] = await collect(
        suite.infra.kafka_bootstrap,
        Topic.IDENTITY_USERS.value,
        lambda b: b.get("subject") == user.id and b.get("type") == "identity.user.registered",
    )
    assert user.email not in json.dumps(registered)

    assert await searchable(client, user, "Who keeps bees?", "Olaf"), suite.tails(
        40, names=["conversation", "memory", "identity"]
    )
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as http:
        opened = await keys_as(suite, "memory", http).open(EventEnvelope.model_validate(raw))
        assert "Olaf" in opened.data["content"]

        erased = await client.delete("/v1/me", headers=user.headers)
        assert erased.status_code == 202, erased.text

        refused = await http.get(
            f"{suite.url('identity')}{EVENT_KEYS_PATH}/{user.id}",
            headers={
                "x-muninn-service": "scheduler",
                "x-muninn-service-credential": suite.config.service_credentials["scheduler"],
            },
        )
        assert_problem(refused, 410)
        with pytest.raises(UserErasedError):
            await keys_as(suite, "scheduler", http).open(EventEnvelope.model_validate(raw))


async def test_the_key_endpoint_refuses_callers_without_a_valid_service_credential(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "keyholder")
    url = f"{suite.url('identity')}{EVENT_KEYS_PATH}/{user.id}"
    memory_secret = suite.config.service_credentials["memory"]
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT) as http:
        assert_problem(await http.get(url), 401)
        wrong = {"x-muninn-service": "memory", "x-muninn-service-credential": "guessed"}
        assert_problem(await http.get(url, headers=wrong), 401)
        # A genuine secret presented in another service's name is no credential at all.
        borrowed = {"x-muninn-service": "scheduler", "x-muninn-service-credential": memory_secret}
        assert_problem(await http.get(url, headers=borrowed), 401)
        unknown = {"x-muninn-service": "gateway", "x-muninn-service-credential": memory_secret}
        assert_problem(await http.get(url, headers=unknown), 401)
        granted = await http.get(
            url,
            headers={"x-muninn-service": "memory", "x-muninn-service-credential": memory_secret},
        )
        assert granted.status_code == 200, granted.text
        assert granted.json()["user_id"] == user.id


async def test_events_wait_for_identity_and_go_out_when_it_returns(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "patient")
    suite.kill("identity")
    try:
        # The request path needs no key: the message is accepted while identity is down.
        await say(client, user, "My neighbour Sigrun plays the cello.")
        assert await user_message_events(suite, user, timeout=6) == [], (
            "nothing can be sealed, so nothing is published while identity is down"
        )
    finally:
        suite.restart("identity")
    [raw] = await user_message_events(suite, user)
    assert "Sigrun" not in json.dumps(raw, ensure_ascii=False)
    assert await searchable(client, user, "Who plays the cello?", "Sigrun"), suite.tails(
        40, names=["conversation", "memory", "identity"]
    )
    mongo: AsyncMongoClient[Doc] = AsyncMongoClient(suite.infra.mongo_uri)
    try:
        for service in ("conversation", "memory", "scheduler"):
            set_aside = await mongo[suite.database(service)]["outbox_dead_letters"].count_documents(
                {}
            )
            assert set_aside == 0, f"{service} set events aside during the outage"
    finally:
        await mongo.close()
    dead = await collect(
        suite.infra.kafka_bootstrap,
        f"{Topic.CONVERSATION_MESSAGES.value}.dlq",
        lambda body: user.id in json.dumps(body),
        timeout=3,
    )
    assert dead == [], "nothing dead-lettered while identity was down"
