"""Expenses and lists end to end, every call through the gateway: a chat message records an
expense, confirmed in the conversation with an undo that removes it; a list is filled,
merged, ticked off and cleared by chat; a second user collaborates on it; a stranger's ids
are 404; the export holds the records and erasure takes them away."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.integration.e2e import Doc, User, assert_problem, register
from tests.integration.end_to_end.pim import erase
from tests.integration.end_to_end.test_conversation import new_conversation
from tests.integration.suite import Suite

SETTLE_TIMEOUT = 30.0
TIMES = "\u00d7"  # replies write quantities with the multiplication sign


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json() if response.content else None


class Chat:
    """A conversation with the assistant, through the gateway; the scheduler's replies
    arrive in it as assistant messages of their own kind."""

    def __init__(self, client: httpx.AsyncClient, user: User, conversation_id: str) -> None:
        self.client, self.user, self.id = client, user, conversation_id

    async def said(self, kind: str) -> list[Doc]:
        thread = await ok(
            await self.client.get(
                f"/v1/conversations/{self.id}/messages", headers=self.user.headers
            )
        )
        return [m for m in thread["items"] if m["metadata"].get("proactive_type") == kind]

    async def say(self, text: str, kind: str) -> Doc:
        """Post ``text``; the scheduler's reply of ``kind`` to it."""
        before = len(await self.said(kind))
        await ok(
            await self.client.post(
                f"/v1/conversations/{self.id}/messages",
                json={"content": text},
                headers=self.user.headers,
            ),
            201,
        )
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while time.monotonic() < deadline:
            replies = await self.said(kind)
            if len(replies) > before:
                return replies[-1]
            await asyncio.sleep(0.2)
        raise AssertionError(f"no {kind} reply to {text!r}")


async def test_expenses_and_lists_by_chat_shared_and_erased(
    client: httpx.AsyncClient, suite: Suite, mongo: AsyncMongoClient[Doc]
) -> None:
    owner, collaborator, stranger = (
        await register(client, "spender"),
        await register(client, "partner"),
        await register(client, "stranger"),
    )
    chat = Chat(client, owner, await new_conversation(client, owner))

    # -- an expense from chat, confirmed with an undo that takes it back
    confirmation = await chat.say(
        "I spent 45 euros on groceries at Lidl today", "expense_confirmation"
    )
    assert "€45.00" in confirmation["content"]
    assert "undo" in confirmation["content"]
    (expense,) = (await ok(await client.get("/v1/expenses", headers=owner.headers)))["items"]
    assert (expense["amount"], expense["currency"], expense["category"]) == (
        "45.00",
        "EUR",
        "groceries",
    )
    assert expense["id"] == confirmation["metadata"]["reference_id"]
    undone = await chat.say("undo", "plan_undone")
    assert "Groceries at Lidl" in undone["content"]
    assert (await ok(await client.get("/v1/expenses", headers=owner.headers)))["items"] == []

    # -- a list filled, merged, ticked off and cleared by chat
    added = await chat.say("Add milk and two dozen eggs to the shopping list", "list_confirmation")
    assert f"eggs {TIMES} 24" in added["content"]
    list_id = added["metadata"]["reference_id"]
    merged = await chat.say("add milk to my list", "list_confirmation")
    assert f"milk {TIMES} 2 (now)" in merged["content"]
    shown = await chat.say("what's on my list?", "records_answer")
    assert shown["content"] == f"On Groceries:\n• eggs {TIMES} 24\n• milk {TIMES} 2"
    await chat.say("got the eggs", "list_confirmation")
    cleared = await chat.say("clear the completed items", "list_confirmation")
    assert "Cleared 1 ticked-off item from Groceries" in cleared["content"]
    items = (await ok(await client.get(f"/v1/lists/{list_id}/items", headers=owner.headers)))[
        "items"
    ]
    assert [(i["name"], i["quantity"], i["completed"]) for i in items] == [("milk", 2, False)]

    # -- a second user collaborates: they add and tick off, but the list is the owner's
    await ok(
        await client.post(
            f"/v1/lists/{list_id}/members", json={"user_id": collaborator.id}, headers=owner.headers
        )
    )
    await ok(
        await client.post(f"/v1/lists/invitations/{list_id}/accept", headers=collaborator.headers)
    )
    (shared,) = (await ok(await client.get("/v1/lists", headers=collaborator.headers)))["items"]
    assert (shared["id"], shared["my_role"], shared["owner_id"]) == (
        list_id,
        "collaborator",
        owner.id,
    )
    bread = await ok(
        await client.post(
            f"/v1/lists/{list_id}/items", json={"name": "bread"}, headers=collaborator.headers
        ),
        201,
    )
    assert bread["added_by"] == collaborator.id
    assert_problem(await client.delete(f"/v1/lists/{list_id}", headers=collaborator.headers), 403)

    # -- a stranger meets 404 on every id
    kept = await ok(
        await client.post(
            "/v1/expenses",
            json={"description": "Taxi", "amount": "12.50", "currency": "EUR"},
            headers=owner.headers,
        ),
        201,
    )
    for path in (
        f"/v1/expenses/{kept['id']}",
        f"/v1/lists/{list_id}",
        f"/v1/lists/{list_id}/items",
        f"/v1/lists/{list_id}/items/{bread['id']}",
        f"/v1/lists/{list_id}/members",
    ):
        assert_problem(await client.get(path, headers=stranger.headers), 404)

    # -- the export holds the records; erasure takes them away, the collaborator's view too
    exported = await ok(await client.post("/v1/me/export", headers=owner.headers))
    part = exported["services"]["scheduler"]
    assert [e["amount"] for e in part["expenses"]] == ["12.50"]
    assert [entry["name"] for entry in part["lists"]] == ["Groceries"]
    assert sorted(i["name"] for i in part["list_items"]) == ["bread", "milk"]
    await erase(client, owner)
    db = mongo[suite.database("scheduler")]
    for name in ("expenses", "lists", "list_items", "list_members"):
        assert await db[name].count_documents({"user_id": owner.id}) == 0, name
    assert await db["list_members"].count_documents({"list_id": list_id}) == 0
    assert (await ok(await client.get("/v1/lists", headers=collaborator.headers)))["items"] == []
