"""A synced record's memory and the interaction naming its contact, written at the same time.

The ingestion job reads which contacts are linked to the record while the interaction links
one and tags the record's memories. Under snapshot isolation each can miss the other's
uncommitted write and both commit (write skew): the memory stays untagged for good. The link
document is written by both, so the second writer conflicts and its transaction runs again.
"""

from __future__ import annotations

from typing import Any

import pytest
from muninn_memory.contacts.store import ContactLinkStore
from muninn_shared.storage.routing import MainStoreRouter
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import OperationFailure

Doc = dict[str, Any]


@pytest.mark.parametrize("first", ["ingestion", "interaction"])
async def test_the_two_writers_of_one_record_conflict_instead_of_missing_each_other(
    mongo: AsyncMongoClient[Doc], unique: str, first: str
) -> None:
    links = ContactLinkStore(MainStoreRouter(mongo, f"links{unique}"))
    await mongo[f"links{unique}"].create_collection("contact_record_links")

    async def ingestion(session: AsyncClientSession) -> None:
        assert await links.contacts_for_new_memories("ada", ["mail-1"], session) == {}

    async def interaction(session: AsyncClientSession) -> None:
        assert await links.add("ada", "mail-1", "c-bob", session) == ["c-bob"]

    writers = {"ingestion": ingestion, "interaction": interaction}
    second = "interaction" if first == "ingestion" else "ingestion"
    async with mongo.start_session() as one, mongo.start_session() as other:
        await one.start_transaction()
        await writers[first](one)
        await other.start_transaction()
        with pytest.raises(OperationFailure) as conflict:
            await writers[second](other)
        assert conflict.value.has_error_label("TransientTransactionError")
        await other.abort_transaction()
        await one.commit_transaction()


async def test_a_record_linked_before_its_memory_gives_the_memory_its_contacts(
    mongo: AsyncMongoClient[Doc], unique: str
) -> None:
    links = ContactLinkStore(MainStoreRouter(mongo, f"links{unique}"))
    async with mongo.start_session() as session:
        await session.start_transaction()
        await links.add("ada", "mail-1", "c-bob", session)
        await session.commit_transaction()
        await session.start_transaction()
        found = await links.contacts_for_new_memories("ada", ["mail-1", "mail-2"], session)
        await session.commit_transaction()
    assert found == {"mail-1": ["c-bob"]}
    # Another user's record of the same id is not theirs.
    async with mongo.start_session() as session:
        await session.start_transaction()
        assert await links.contacts_for_new_memories("eve", ["mail-1"], session) == {}
        await session.commit_transaction()
