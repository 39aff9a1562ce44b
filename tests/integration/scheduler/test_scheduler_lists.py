"""Lists over real MongoDB and Kafka: items that merge, ticking off and clearing, sharing with
a collaborator and what each role may do, 404 for strangers; and the same from conversation,
with undo; erasure and export."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from muninn_scheduler.clock import ManualClock
from muninn_scheduler.settings import SchedulerSettings
from muninn_shared.events import Topic

from tests.integration.events import erasure_requested
from tests.integration.infra import Infra
from tests.integration.kafka_tools import collect
from tests.integration.scheduler.harness import (
    LisbonUser,
    alice_and_bob,
    assert_not_found,
    auth,
    eventually,
    proactive_about,
    say,
)

Headers = dict[str, str]
TIMES = "\u00d7"  # how replies write a quantity, the multiplication sign


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def items_of(client: httpx.AsyncClient, list_id: str, me: Headers, **query: Any) -> list[Any]:
    page = await ok(await client.get(f"/v1/lists/{list_id}/items", params=query, headers=me))
    return sorted(page["items"], key=lambda i: i["name"])


async def test_items_merge_tick_off_and_clear(lisbon: LisbonUser) -> None:
    client, _, _, me = lisbon
    groceries = await ok(
        await client.post("/v1/lists", json={"name": "Groceries"}, headers=me), 201
    )
    assert (groceries["is_default"], groceries["my_role"]) == (True, "owner"), "the first list"
    hardware = await ok(
        await client.post("/v1/lists", json={"name": "Hardware store"}, headers=me), 201
    )
    assert hardware["is_default"] is False
    base = f"/v1/lists/{groceries['id']}/items"
    first = await ok(await client.post(base, json={"name": "Milk"}, headers=me), 201)
    assert (first["category"], first["quantity"], first["unit"]) == ("dairy", 1, None)
    merged = await ok(await client.post(base, json={"name": "milk"}, headers=me), 200)
    assert (merged["id"], merged["quantity"], merged["name"]) == (first["id"], 2, "Milk")
    by_unit = await ok(
        await client.post(
            base, json={"name": "milk", "quantity": 1.5, "unit": "Litres"}, headers=me
        ),
        201,
    )
    assert (by_unit["quantity"], by_unit["unit"]) == (1.5, "l"), "another unit: another item"
    eggs = await ok(await client.post(base, json={"name": "Eggs", "quantity": 24}, headers=me), 201)
    done = await ok(
        await client.patch(f"{base}/{eggs['id']}", json={"completed": True}, headers=me)
    )
    assert done["completed"] is True
    assert done["completed_at"] is not None
    again = await ok(await client.post(base, json={"name": "egg"}, headers=me), 201)
    assert again["id"] != eggs["id"], "a ticked-off item is not merged into"
    assert [i["name"] for i in await items_of(client, groceries["id"], me, completed=True)] == [
        "Eggs"
    ]
    shown = await ok(await client.get(f"/v1/lists/{groceries['id']}", headers=me))
    assert (shown["item_count"], shown["open_count"]) == (4, 3)
    cleared = await ok(await client.post(f"{base}/clear-completed", headers=me))
    assert cleared == {"cleared": 1}
    assert sorted(i["name"] for i in await items_of(client, groceries["id"], me)) == [
        "Milk",
        "egg",
        "milk",
    ]
    made_default = await ok(
        await client.patch(f"/v1/lists/{hardware['id']}", json={"is_default": True}, headers=me)
    )
    assert made_default["is_default"] is True
    lists = (await ok(await client.get("/v1/lists", headers=me)))["items"]
    assert {item["name"]: item["is_default"] for item in lists} == {
        "Groceries": False,
        "Hardware store": True,
    }
    await refused(await client.post("/v1/lists", json={"name": "groceries"}, headers=me), 409)
    await refused(await client.post(base, json={"name": "Milk", "quantity": 0}, headers=me), 422)


async def test_sharing_roles_and_strangers(lisbon: LisbonUser, settings: SchedulerSettings) -> None:
    client, _, owner_id, owner = lisbon
    collaborator_id = "u-" + uuid.uuid4().hex
    collaborator = auth(settings, collaborator_id)
    _, stranger = alice_and_bob(settings)
    family = await ok(await client.post("/v1/lists", json={"name": "Family"}, headers=owner), 201)
    list_id = family["id"]
    milk = await ok(
        await client.post(f"/v1/lists/{list_id}/items", json={"name": "milk"}, headers=owner), 201
    )
    members = await ok(
        await client.post(
            f"/v1/lists/{list_id}/members", json={"user_id": collaborator_id}, headers=owner
        )
    )
    assert [(m["user_id"], m["role"], m["status"]) for m in members] == [
        (owner_id, "owner", "active"),
        (collaborator_id, "collaborator", "invited"),
    ]
    # Invited is not yet in: the list is as unknown to them as to a stranger.
    await refused(await client.get(f"/v1/lists/{list_id}", headers=collaborator), 404)
    invitations = await ok(await client.get("/v1/lists/invitations", headers=collaborator))
    assert [(i["list_id"], i["name"], i["owner_id"]) for i in invitations] == [
        (list_id, "Family", owner_id)
    ]
    accepted = await ok(
        await client.post(f"/v1/lists/invitations/{list_id}/accept", headers=collaborator)
    )
    assert (accepted["my_role"], accepted["is_default"]) == ("collaborator", False)
    theirs = (await ok(await client.get("/v1/lists", headers=collaborator)))["items"]
    assert [(item["id"], item["my_role"]) for item in theirs] == [(list_id, "collaborator")]

    # A collaborator takes part in the items …
    bread = await ok(
        await client.post(
            f"/v1/lists/{list_id}/items", json={"name": "bread"}, headers=collaborator
        ),
        201,
    )
    assert bread["added_by"] == collaborator_id
    ticked = await ok(
        await client.patch(
            f"/v1/lists/{list_id}/items/{milk['id']}",
            json={"completed": True},
            headers=collaborator,
        )
    )
    assert ticked["completed_by"] == collaborator_id
    assert (
        await ok(
            await client.post(f"/v1/lists/{list_id}/items/clear-completed", headers=collaborator)
        )
    )["cleared"] == 1
    # … but the list itself is the owner's.
    await refused(await client.delete(f"/v1/lists/{list_id}", headers=collaborator), 403)
    await refused(
        await client.patch(f"/v1/lists/{list_id}", json={"name": "Mine"}, headers=collaborator),
        403,
    )
    await refused(
        await client.post(
            f"/v1/lists/{list_id}/members", json={"user_id": "u-someone"}, headers=collaborator
        ),
        403,
    )
    await refused(
        await client.delete(f"/v1/lists/{list_id}/members/{owner_id}", headers=collaborator), 403
    )

    item = f"/v1/lists/{list_id}/items/{bread['id']}"
    await assert_not_found(
        client,
        [
            ("GET", f"/v1/lists/{list_id}", None),
            ("PATCH", f"/v1/lists/{list_id}", {"name": "Stolen"}),
            ("DELETE", f"/v1/lists/{list_id}", None),
            ("GET", f"/v1/lists/{list_id}/items", None),
            ("POST", f"/v1/lists/{list_id}/items", {"name": "x"}),
            ("POST", f"/v1/lists/{list_id}/items/clear-completed", None),
            ("GET", item, None),
            ("PATCH", item, {"completed": True}),
            ("DELETE", item, None),
            ("GET", f"/v1/lists/{list_id}/members", None),
            ("POST", f"/v1/lists/{list_id}/members", {"user_id": "u-x"}),
            ("DELETE", f"/v1/lists/{list_id}/members/{collaborator_id}", None),
            ("POST", f"/v1/lists/invitations/{list_id}/accept", None),
            ("POST", f"/v1/lists/invitations/{list_id}/decline", None),
        ],
        stranger,
    )
    assert (await ok(await client.get("/v1/lists", headers=stranger)))["items"] == []
    # An item id of another list is no item of this one.
    other = await ok(await client.post("/v1/lists", json={"name": "Other"}, headers=owner), 201)
    await refused(
        await client.get(f"/v1/lists/{other['id']}/items/{bread['id']}", headers=owner), 404
    )

    # Leaving takes the list off the collaborator's; the owner's stays whole.
    assert (
        await client.delete(f"/v1/lists/{list_id}/members/{collaborator_id}", headers=collaborator)
    ).status_code == 204
    assert (await ok(await client.get("/v1/lists", headers=collaborator)))["items"] == []
    assert [i["name"] for i in await items_of(client, list_id, owner)] == ["bread"]
    assert (await client.delete(f"/v1/lists/{list_id}", headers=owner)).status_code == 204
    await refused(await client.get(f"/v1/lists/{list_id}/items", headers=owner), 404)


class Chat:
    """One conversation of a user with the scheduler: each message said gets one reply,
    and replies to one user arrive in order (their events share a partition)."""

    def __init__(self, lisbon: LisbonUser, infra: Infra, clock: ManualClock) -> None:
        self._lisbon, self._infra, self._clock = lisbon, infra, clock
        self._conversation = "conv-" + uuid.uuid4().hex
        self._replies = 0

    async def say(self, text: str, kind: str = "list_confirmation") -> dict[str, Any]:
        """Say ``text``; the reply, which must be of ``kind``."""
        _, app, user_id, _ = self._lisbon
        # A moment apart, as messages are: "undo" takes back the latest change.
        self._clock.advance(timedelta(seconds=5))
        await say(app, user_id, self._conversation, text, self._clock.now())
        self._replies += 1
        heard = await collect(
            self._infra.kafka_bootstrap,
            Topic.SCHEDULER_PROACTIVE.value,
            lambda b: b.get("subject") == user_id,
            count=self._replies,
        )
        assert len(heard) == self._replies, f"no reply to {text!r}"
        reply: dict[str, Any] = heard[-1]["data"]
        assert reply["kind"] == kind, (text, reply)
        return reply


async def test_lists_from_conversation_with_undo(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    client, _, _, me = lisbon
    chat = Chat(lisbon, infra, clock)

    added = await chat.say("Add milk and two dozen eggs to the shopping list")
    assert f"Added to Groceries: milk and eggs {TIMES} 24" in added["text"]
    (groceries,) = (await ok(await client.get("/v1/lists", headers=me)))["items"]
    assert (groceries["name"], groceries["is_default"], groceries["id"]) == (
        "Groceries",
        True,
        added["reference_id"],
    )
    merged = await chat.say("add milk to my list")
    assert f"milk {TIMES} 2 (now)" in merged["text"]
    assert {(i["name"], i["quantity"]) for i in await items_of(client, groceries["id"], me)} == {
        ("milk", 2),
        ("eggs", 24),
    }
    shown = await chat.say("what's on my list?", "records_answer")
    assert shown["text"] == f"On Groceries:\n• eggs {TIMES} 24\n• milk {TIMES} 2", "by aisle, name"

    ticked = await chat.say("got the eggs")
    assert "Ticked off eggs on Groceries" in ticked["text"]
    eggs = next(i for i in await items_of(client, groceries["id"], me) if i["name"] == "eggs")
    assert eggs["completed"] is True
    await chat.say("undo", "plan_undone")
    eggs = next(i for i in await items_of(client, groceries["id"], me) if i["name"] == "eggs")
    assert eggs["completed"] is False, "undo put them back on the list"

    await chat.say("got the eggs")
    cleared = await chat.say("clear the completed items")
    assert "Cleared 1 ticked-off item from Groceries" in cleared["text"]
    assert [i["name"] for i in await items_of(client, groceries["id"], me)] == ["milk"]
    await chat.say("undo", "plan_undone")
    assert [i["name"] for i in await items_of(client, groceries["id"], me)] == ["eggs", "milk"]
    for _ in range(3):  # the tick before it, the second milk, the first add
        await chat.say("undo", "plan_undone")
    assert (await ok(await client.get("/v1/lists", headers=me)))["items"] == [], (
        "undoing the first add takes the list it made with it"
    )


async def test_got_something_not_on_a_list_says_nothing(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    _, app, user_id, _ = lisbon
    conversation = "conv-" + uuid.uuid4().hex
    await say(app, user_id, conversation, "add bread to my list", clock.now())
    await say(app, user_id, conversation, "I got the job!", clock.now())
    await say(app, user_id, conversation, "what's on my list?", clock.now())
    answers = await collect(
        infra.kafka_bootstrap,
        Topic.SCHEDULER_PROACTIVE.value,
        lambda b: b.get("subject") == user_id,
        count=2,
    )
    assert [a["data"]["kind"] for a in answers] == ["list_confirmation", "records_answer"]
    assert answers[-1]["data"]["text"] == "On Groceries:\n• bread", "the bread is not ticked"


async def test_a_collaborator_adds_to_a_shared_list_by_name_in_conversation(
    lisbon: LisbonUser, settings: SchedulerSettings, clock: ManualClock, infra: Infra
) -> None:
    client, app, _, owner = lisbon
    collaborator_id = "u-" + uuid.uuid4().hex
    collaborator = auth(settings, collaborator_id)
    family = await ok(await client.post("/v1/lists", json={"name": "Family"}, headers=owner), 201)
    await ok(
        await client.post(
            f"/v1/lists/{family['id']}/members", json={"user_id": collaborator_id}, headers=owner
        )
    )
    await ok(
        await client.post(f"/v1/lists/invitations/{family['id']}/accept", headers=collaborator)
    )
    conversation = "conv-" + uuid.uuid4().hex
    await say(app, collaborator_id, conversation, "add apples to the family list", clock.now())
    (confirmation,) = await proactive_about(
        infra, collaborator_id, "list_confirmation", family["id"]
    )
    assert "Added to Family: apples" in confirmation["data"]["text"]
    (apples,) = await items_of(client, family["id"], owner)
    assert (apples["name"], apples["added_by"], apples["category"]) == (
        "apples",
        collaborator_id,
        "produce",
    )


async def test_erasure_and_export_cover_lists_items_and_memberships(
    lisbon: LisbonUser, settings: SchedulerSettings, clock: ManualClock
) -> None:
    client, app, owner_id, owner = lisbon
    collaborator_id = "u-" + uuid.uuid4().hex
    collaborator = auth(settings, collaborator_id)
    mine = await ok(await client.post("/v1/lists", json={"name": "Mine"}, headers=owner), 201)
    await ok(
        await client.post(f"/v1/lists/{mine['id']}/items", json={"name": "tea"}, headers=owner), 201
    )
    await ok(
        await client.post(
            f"/v1/lists/{mine['id']}/members", json={"user_id": collaborator_id}, headers=owner
        )
    )
    await ok(await client.post(f"/v1/lists/invitations/{mine['id']}/accept", headers=collaborator))
    theirs = await ok(
        await client.post("/v1/lists", json={"name": "Theirs"}, headers=collaborator), 201
    )
    await ok(
        await client.post(
            f"/v1/lists/{theirs['id']}/members", json={"user_id": owner_id}, headers=collaborator
        )
    )
    await ok(await client.post(f"/v1/lists/invitations/{theirs['id']}/accept", headers=owner))
    added = await ok(
        await client.post(
            f"/v1/lists/{theirs['id']}/items", json={"name": "coffee"}, headers=owner
        ),
        201,
    )

    # The collaborator takes the owner's tea off by chat: their plan keeps what undo needs.
    await ok(
        await client.post(f"/v1/lists/{mine['id']}/items", json={"name": "jam"}, headers=owner), 201
    )
    await say(
        app,
        collaborator_id,
        "conv-" + uuid.uuid4().hex,
        "remove tea from the mine list",
        clock.now(),
    )

    async def tea_gone() -> bool:
        return [i["name"] for i in await items_of(client, mine["id"], owner)] == ["jam"]

    await eventually(tea_gone, "the removal")

    exported = (await ok(await client.get("/internal/privacy/export", headers=owner)))[
        "collections"
    ]
    assert [d["name"] for d in exported["lists"]] == ["Mine"]
    assert [d["name"] for d in exported["list_items"]] == ["jam"]
    assert [d["list_id"] for d in exported["list_members"]] == [theirs["id"]]

    await app.state.runtime.publish(
        Topic.IDENTITY_USERS.value, erasure_requested(owner_id, "scheduler")
    )
    db = app.state.runtime.db

    async def erased() -> bool:
        for name in ("lists", "list_items", "list_members"):
            if await db[name].count_documents({"user_id": owner_id}):
                return False
        return await db["list_members"].count_documents({"list_id": mine["id"]}) == 0

    await eventually(erased, "the erasure")
    coffee = await ok(
        await client.get(f"/v1/lists/{theirs['id']}/items/{added['id']}", headers=collaborator)
    )
    assert coffee["added_by"] is None, "the erased user's name comes off what they added"
    assert (await ok(await client.get("/v1/lists", headers=collaborator)))["items"][0][
        "id"
    ] == theirs["id"]
    assert len((await ok(await client.get("/v1/lists", headers=collaborator)))["items"]) == 1
    left = [str(d) async for d in db["plans"].find({"user_id": collaborator_id})]
    assert left, "the collaborator's plan stays: it is theirs"
    assert not [d for d in left if owner_id in d], "and names no one else"


async def test_named_lists_and_answers_about_what_is_not_there(
    lisbon: LisbonUser, clock: ManualClock, infra: Infra
) -> None:
    chat = Chat(lisbon, infra, clock)
    none_yet = await chat.say("what lists do I have?", "records_answer")
    assert none_yet["text"].startswith("You have no lists yet")
    started = await chat.say("add nails and a tin of paint to the hardware store list")
    assert started["text"].startswith("I started a new list, “Hardware store”. Added to")
    assert "paint 1 can" in started["text"]
    listed_now = await chat.say("what lists do I have?", "records_answer")
    assert listed_now["text"] == "Your lists: Hardware store (2 to get)."
    empty = await chat.say("what's on my list?", "records_answer")
    assert empty["text"] == "Your shopping list is empty.", "a named list is not the default"
    missing = await chat.say("remove screws from the hardware store list", "records_answer")
    assert missing["text"] == "Screws: not on Hardware store."
    unknown = await chat.say("what's on the garden list?", "records_answer")
    assert unknown["text"] == "You have no list called “Garden”."
    cleared = await chat.say("clear the hardware store list")
    assert "Cleared 2 items from Hardware store" in cleared["text"]
    nothing = await chat.say(
        "clear the completed items from the hardware store list", "records_answer"
    )
    assert nothing["text"] == "Nothing is ticked off on Hardware store."
