"""mem0's official client (``mem0ai``'s MemoryClient) against the gateway with a Muninn API key.

The client is synchronous (httpx): each test drives it in a worker thread. Its telemetry is
off and its config directory is a temporary one, so it reaches nothing but the gateway.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Callable
from typing import Any, TypeVar

os.environ["MEM0_TELEMETRY"] = "False"
os.environ.setdefault("MEM0_DIR", tempfile.mkdtemp(prefix="mem0-client-"))

import httpx
import pytest
from mem0 import MemoryClient
from mem0.exceptions import MemoryNotFoundError, ValidationError

from tests.integration.e2e import User, register
from tests.integration.suite import Suite

T = TypeVar("T")


async def api_key(client: httpx.AsyncClient, user: User) -> str:
    created = await client.post(
        "/v1/me/api-keys", json={"name": "mem0", "scopes": ["read", "write"]}, headers=user.headers
    )
    assert created.status_code == 201, created.text
    key: str = created.json()["key"]
    return key


async def mem0_client(suite: Suite, key: str) -> MemoryClient:
    """What an app switching from mem0 writes: the same client, Muninn's host and key."""
    return await asyncio.to_thread(MemoryClient, api_key=key, host=f"{suite.gateway_url}/mem0")


async def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(function, *args, **kwargs)


def texts(found: dict[str, Any]) -> list[str]:
    return [memory["memory"] for memory in found["results"]]


async def test_mem0_client_adds_searches_lists_updates_and_deletes(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    user = await register(client, "mem0app")
    mem0 = await mem0_client(suite, await api_key(client, user))

    stored = await call(
        mem0.add,
        [{"role": "user", "content": "I love hiking in the Alps every summer."}],
        user_id="alice",
        metadata={"source": "onboarding"},
        infer=False,
    )
    assert stored["status"] == "SUCCEEDED"
    assert [e["event"] for e in stored["results"]] == ["ADD"]
    hiking_id = stored["results"][0]["id"]

    learned = await call(
        mem0.add,
        [{"role": "user", "content": "My sister Ingrid lives in Bergen."}],
        filters={"user_id": "alice", "agent_id": "travel"},
    )
    assert learned["status"] == "SUCCEEDED"
    assert any("Bergen" in (e["memory"] or "") for e in learned["results"])
    await call(
        mem0.add, [{"role": "user", "content": "Bob drinks green tea."}], user_id="bob", infer=False
    )

    found = await call(mem0.search, "where does my sister live?", filters={"user_id": "alice"})
    assert found["results"], found
    assert any("Bergen" in text for text in texts(found))
    assert {hit["user_id"] for hit in found["results"]} == {"alice"}
    assert all(isinstance(hit["score"], float) for hit in found["results"])

    travel = await call(
        mem0.search,
        "where does my sister live?",
        filters={"AND": [{"user_id": "alice"}, {"agent_id": "travel"}]},
        top_k=5,
    )
    assert travel["results"]
    assert {hit["agent_id"] for hit in travel["results"]} == {"travel"}
    either = await call(
        mem0.search, "tea", filters={"OR": [{"user_id": "bob"}, {"agent_id": {"in": ["x"]}}]}
    )
    assert texts(either) == ["Bob drinks green tea."]

    # Facts reconcile within their own mem0 user: Bob's move does not move Alice.
    await call(mem0.add, [{"role": "user", "content": "I live in Berlin."}], user_id="alice")
    await call(mem0.add, [{"role": "user", "content": "I live in Lisbon."}], user_id="bob")
    alice_facts = await call(
        mem0.get_all,
        filters={"AND": [{"user_id": "alice"}, {"categories": {"ne": "conversation"}}]},
    )
    assert any("Berlin" in text for text in texts(alice_facts)), alice_facts
    assert not any("Lisbon" in text for text in texts(alice_facts))

    first = await call(mem0.get_all, filters={"user_id": "alice"}, page=1, page_size=1)
    assert first["count"] >= 2
    assert len(first["results"]) == 1
    assert first["next"] is not None
    assert first["previous"] is None
    every = await call(mem0.get_all, filters={"user_id": "alice"}, page=1, page_size=100)
    assert len(every["results"]) == first["count"]
    assert {m["user_id"] for m in every["results"]} == {"alice"}
    by_source = await call(
        mem0.get_all, filters={"AND": [{"user_id": "*"}, {"metadata": {"source": "onboarding"}}]}
    )
    assert [m["id"] for m in by_source["results"]] == [hiking_id]

    memory = await call(mem0.get, hiking_id)
    assert memory["memory"] == "I love hiking in the Alps every summer."
    assert memory["user_id"] == "alice"
    assert memory["metadata"]["source"] == "onboarding"
    updated = await call(
        mem0.update, hiking_id, text="I love hiking in the Dolomites.", metadata={"source": "edit"}
    )
    assert updated["memory"] == "I love hiking in the Dolomites."
    assert updated["metadata"] == {"source": "edit"}
    history = await call(mem0.history, hiking_id)
    assert [h["event"] for h in history] == ["ADD", "UPDATE"]
    assert history[1]["old_memory"] == "I love hiking in the Alps every summer."
    assert history[1]["new_memory"] == "I love hiking in the Dolomites."

    # Muninn's own API shows the same record, with mem0's identifiers as its scope.
    native = await client.get(f"/v1/memories/{hiking_id}", headers=user.headers)
    assert native.status_code == 200, native.text
    assert native.json()["scope"] == {"user_id": "alice"}
    # ...while the account's own memories are not mem0's to read or change.
    own = await client.post(
        "/v1/memories",
        json={"content": "My passport expires in May.", "wait": True},
        headers=user.headers,
    )
    assert own.status_code == 200, own.text
    own_id = own.json()["memories"][0]["id"]
    with pytest.raises(MemoryNotFoundError):
        await call(mem0.get, own_id)
    with pytest.raises(MemoryNotFoundError):
        await call(mem0.delete, own_id)

    assert "deleted" in (await call(mem0.delete, hiking_id))["message"]
    with pytest.raises(MemoryNotFoundError):
        await call(mem0.get, hiking_id)
    await call(mem0.delete_all, user_id="bob")
    assert (await call(mem0.get_all, filters={"user_id": "bob"}))["count"] == 0
    assert (await call(mem0.get_all, filters={"user_id": "alice"}))["count"] >= 1

    with pytest.raises(ValidationError):  # mem0 too refuses a search naming nobody
        await call(mem0.search, "anything", filters={"categories": {"in": ["x"]}})
    with pytest.raises(ValidationError):
        await call(mem0.search, "anything", filters={"user_id": {"$where": "1"}})


async def test_the_same_mem0_user_in_two_accounts_sees_only_its_own(
    suite: Suite, client: httpx.AsyncClient
) -> None:
    first_user, second_user = await register(client, "mem0a"), await register(client, "mem0b")
    first = await mem0_client(suite, await api_key(client, first_user))
    second = await mem0_client(suite, await api_key(client, second_user))
    mine = await call(
        first.add,
        [{"role": "user", "content": "My locker code is 4711."}],
        user_id="alice",
        expiration_date="2099-12-31",
    )
    theirs = await call(
        second.add, [{"role": "user", "content": "My locker code is 9000."}], user_id="alice"
    )
    mine_id, theirs_id = mine["results"][0]["id"], theirs["results"][0]["id"]

    found = await call(first.search, "locker code", filters={"user_id": "alice"})
    assert texts(found)
    assert all("4711" in text for text in texts(found))
    listed = await call(first.get_all, filters={"user_id": "*"})
    assert "9000" not in " ".join(texts(listed))
    assert (await call(first.get, mine_id))["expiration_date"] == "2099-12-31"
    with pytest.raises(MemoryNotFoundError):
        await call(first.get, theirs_id)
    with pytest.raises(MemoryNotFoundError):
        await call(first.update, theirs_id, text="taken over")
    await call(first.delete_all, user_id="alice")
    assert (await call(second.get, theirs_id))["memory"] == "My locker code is 9000."
    with pytest.raises(MemoryNotFoundError):
        await call(first.get, mine_id)


async def test_only_api_keys_pass_as_mem0_tokens(suite: Suite, client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="API key"):
        await mem0_client(suite, "mk_not-a-key")
    user = await register(client, "mem0token")
    key = await api_key(client, user)
    ping = await client.get("/mem0/v1/ping/", headers={"Authorization": f"Token {key}"})
    assert ping.status_code == 200, ping.text
    # A JWT is a bearer token, never a mem0 token; and the Token scheme stays on /mem0.
    as_token = await client.get(
        "/mem0/v1/ping/", headers={"Authorization": f"Token {user.access_token}"}
    )
    assert as_token.status_code == 401
    outside = await client.get("/v1/memories", headers={"Authorization": f"Token {key}"})
    assert outside.status_code == 401
