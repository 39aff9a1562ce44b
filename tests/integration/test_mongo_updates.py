"""``update_one_and_read`` answers what ``find_one_and_update(AFTER)`` answers, without it.

The stores use it instead of findAndModify, which the embedded MongoDB-protocol server runs
as a walk over the whole collection; ``bench/mongo_updates.py`` shows the cost per size.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable
from typing import Any

import pytest
from muninn_shared.storage.mongo import in_transaction, update_one_and_read
from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError

Doc = dict[str, Any]

SEED = [
    {"_id": f"d{i}", "user_id": f"u{i % 3}", "name": f"n{i}", "status": "open", "n": i, "tags": []}
    for i in range(12)
]


def random_operation(rng: random.Random) -> tuple[Doc, Doc, bool]:
    """A query, an update and whether to upsert, drawn from the shapes the stores use."""
    doc_id = f"d{rng.randrange(15)}"  # a few ids that do not exist yet
    user = f"u{rng.randrange(3)}"
    name = f"n{rng.randrange(15)}"
    query = rng.choice(
        [
            {"_id": doc_id},
            {"_id": doc_id, "user_id": user},
            {"_id": doc_id, "status": {"$in": ["open", "held"]}},
            {"_id": doc_id, "$or": [{"tags": "a"}, {"tags.1": {"$exists": False}}]},
            {"user_id": user, "name": name},
            {"user_id": user, "name": name, "status": "open"},
        ]
    )
    update = rng.choice(
        [
            {"$set": {"status": rng.choice(["open", "held", "closed"])}, "$inc": {"n": 1}},
            {"$set": {"name": f"n{rng.randrange(15)}"}},  # changes a field the query matched on
            {"$addToSet": {"tags": rng.choice("abc")}},
            {"$pull": {"tags": rng.choice("abc")}},
        ]
    )
    upsert = rng.random() < 0.2 and "$or" not in query and "status" not in query
    return query, update, upsert


async def outcome(operation: Awaitable[Doc | None]) -> Doc | type[Exception] | None:
    """The document an operation returned, or the kind of error it raised."""
    try:
        return await operation
    except PyMongoError as error:
        return type(error)


async def seeded(client: AsyncMongoClient[Doc], db: str, name: str) -> AsyncCollection[Doc]:
    collection = client[db][name]
    await collection.insert_many([dict(doc) for doc in SEED])
    return collection


async def test_it_answers_as_find_one_and_update_over_random_operations(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    reference = await seeded(mongo, f"upd{unique}", "reference")
    ours = await seeded(mongo, f"upd{unique}", "ours")
    rng = random.Random(7)
    for _ in range(300):
        query, update, upsert = random_operation(rng)
        if upsert and "_id" not in query:
            # An upserted document's _id is generated: give both sides the same one.
            update = {**update, "$setOnInsert": {"_id": f"new{rng.randrange(10**9)}"}}
        expected = await outcome(
            reference.find_one_and_update(
                query, update, upsert=upsert, return_document=ReturnDocument.AFTER
            )
        )
        got = await outcome(update_one_and_read(ours, query, update, upsert=upsert))
        assert got == expected, (query, update, upsert)
    assert (
        await ours.find({}).sort("_id").to_list() == await reference.find({}).sort("_id").to_list()
    )


async def test_a_matched_field_the_update_changes_is_still_read_back(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    tags = await seeded(mongo, f"upd{unique}", "tags")
    renamed = await update_one_and_read(
        tags, {"user_id": "u1", "name": "n1"}, {"$set": {"name": "renamed"}}
    )
    assert renamed is not None
    assert (renamed["_id"], renamed["name"]) == ("d1", "renamed")
    assert (
        await update_one_and_read(tags, {"user_id": "u1", "name": "n1"}, {"$set": {"n": 0}}) is None
    )


async def test_a_condition_that_no_longer_holds_changes_nothing(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    docs = await seeded(mongo, f"upd{unique}", "docs")
    closed = {"$set": {"status": "closed"}}
    assert await update_one_and_read(docs, {"_id": "d2", "status": "open"}, closed) is not None
    assert (
        await update_one_and_read(docs, {"_id": "d2", "status": "open"}, {"$inc": {"n": 5}}) is None
    )
    stored = await docs.find_one({"_id": "d2"})
    assert stored is not None
    assert (stored["status"], stored["n"]) == ("closed", 2)


async def test_the_projection_is_honoured(mongo: AsyncMongoClient[Doc], unique: str) -> None:
    docs = await seeded(mongo, f"upd{unique}", "docs")
    got = await update_one_and_read(
        docs, {"_id": "d3"}, {"$addToSet": {"tags": "x"}}, projection={"tags": 1}
    )
    assert got == {"_id": "d3", "tags": ["x"]}


async def test_a_lease_held_by_another_owner_is_refused_as_with_find_one_and_update(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    leases = mongo[f"upd{unique}"]["leases"]

    def take(owner: str) -> Doc:
        return {"$set": {"owner": owner}}

    held = {"_id": "relay", "$or": [{"owner": "a"}, {"until": {"$lt": 0}}]}
    assert await update_one_and_read(leases, held, take("a"), upsert=True) == {
        "_id": "relay",
        "owner": "a",
    }
    stolen = {"_id": "relay", "$or": [{"owner": "b"}, {"until": {"$lt": 0}}]}
    with pytest.raises(DuplicateKeyError):
        await update_one_and_read(leases, stolen, take("b"), upsert=True)
    with pytest.raises(DuplicateKeyError):
        await leases.find_one_and_update(stolen, take("b"), upsert=True)


async def test_inside_a_transaction_it_reads_its_own_write_and_rolls_back_with_it(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    docs = await seeded(mongo, f"upd{unique}", "docs")

    async def close_then_fail(session: AsyncClientSession) -> None:
        got = await update_one_and_read(
            docs, {"_id": "d4"}, {"$set": {"status": "closed"}}, session=session
        )
        assert got is not None
        assert got["status"] == "closed"
        raise LookupError("abort")

    with pytest.raises(LookupError):
        await in_transaction(mongo, close_then_fail)
    stored = await docs.find_one({"_id": "d4"})
    assert stored is not None
    assert stored["status"] == "open"
