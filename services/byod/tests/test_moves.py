"""The data mover's decisions that need no server: which documents are a user's, which
collections move under which names, and how document hashes combine into a checksum."""

from __future__ import annotations

from typing import Any

import bson
import pytest
from muninn_byod.moves.copier import (
    CHECKSUM_MODULUS,
    as_checksum,
    combine,
    document_hash,
    user_filter,
)
from muninn_byod.moves.models import MoveDirection
from muninn_byod.moves.mover import content_collections, move_pairs
from muninn_shared.content_schema import (
    SCHEMAS,
    ContentService,
    Tenancy,
    user_database_collections,
)
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase


def spec_of(service: ContentService, name: str) -> Any:
    return SCHEMAS[service].collection(name)


def test_a_user_id_field_collection_selects_by_user_id() -> None:
    messages = spec_of(ContentService.CONVERSATION, "messages")
    assert user_filter(messages, "ana") == {"user_id": "ana"}


def test_shared_rows_are_not_selected() -> None:
    advisors = spec_of(ContentService.CONVERSATION, "advisors")
    assert advisors.tenancy is Tenancy.USER_OR_SHARED
    # Equality with the user's id: a shared row (user_id null) does not match.
    assert user_filter(advisors, "ana") == {"user_id": "ana"}


def test_a_collection_keyed_by_user_selects_by_id() -> None:
    limits = spec_of(ContentService.CONVERSATION, "usage_limits")
    assert user_filter(limits, "ana") == {"_id": "ana"}


def test_a_collection_of_no_user_refuses_a_filter() -> None:
    outbox = next(s for s in user_database_collections() if s.tenancy is Tenancy.NO_USER_DATA)
    with pytest.raises(ValueError, match="no user's data"):
        user_filter(outbox, "ana")


def test_everything_naming_a_user_moves_and_no_delivery_bookkeeping() -> None:
    moved = content_collections()
    names = {s.stored_as for s in moved}
    assert {"messages", "conversations", "memories", "advisors", "usage_limits"} <= names
    # The state that keeps content moving on goes with it: a reminder's timer, sync cursors.
    assert {"timers", "sync_states", "sync_jobs", "interaction_series"} <= names
    assert all(s.tenancy is not Tenancy.NO_USER_DATA for s in moved)
    assert not names & {"conversation_outbox", "memory_processed_events", "scheduler_outbox"}
    assert {s.service for s in moved} == set(ContentService)
    assert len(names) == len(moved)  # one name per collection in the user's database


Sides = tuple[dict[ContentService, AsyncDatabase[Any]], AsyncDatabase[Any]]


@pytest.fixture
def databases() -> Sides:
    """Database handles only: nothing here connects to a server."""
    client: AsyncMongoClient[Any] = AsyncMongoClient("mongodb://127.0.0.1:9", connect=False)
    hosted = {s: client[f"muninn_{s.value}"] for s in ContentService}
    return hosted, client["own"]


def test_a_move_pairs_each_hosted_collection_with_its_name_in_the_users_database(
    databases: Sides,
) -> None:
    hosted, own = databases
    to_own = move_pairs(hosted, own, MoveDirection.TO_OWN)
    back = move_pairs(hosted, own, MoveDirection.TO_HOSTED)
    memories = next(p for p in to_own if p.name == "memories")
    assert memories.source.full_name == "muninn_memory.memories"
    assert memories.target.full_name == "own.memories"
    returning = next(p for p in back if p.name == "memories")
    assert (returning.source.full_name, returning.target.full_name) == (
        "own.memories",
        "muninn_memory.memories",
    )
    assert len(to_own) == len(back) == len(content_collections())


def test_a_move_refuses_to_leave_a_service_behind(
    databases: Sides,
) -> None:
    hosted, own = databases
    del hosted[ContentService.SCHEDULER]
    with pytest.raises(ValueError, match="scheduler"):
        move_pairs(hosted, own, MoveDirection.TO_OWN)


def hashes(*documents: dict[str, Any]) -> list[int]:
    return [document_hash(bson.encode(d)) for d in documents]


def test_the_checksum_does_not_depend_on_order() -> None:
    found = hashes({"_id": 1, "a": "x"}, {"_id": 2, "a": "y"}, {"_id": 3, "a": "z"})
    assert combine(found) == combine(reversed(found))


def test_equal_documents_do_not_cancel_out() -> None:
    # With XOR, two equal hashes would give the checksum of an empty slice.
    twice = hashes({"_id": 1}, {"_id": 1})
    assert combine(twice) != combine([])
    assert combine(twice) != combine(twice[:1])


def test_any_change_to_a_document_changes_the_checksum() -> None:
    base = hashes({"_id": 1, "n": 1}, {"_id": 2, "n": 2, "m": {"a": 1, "b": 2}})
    for changed in (
        {"_id": 2, "n": 3, "m": {"a": 1, "b": 2}},
        {"_id": 2, "n": bson.Int64(2), "m": {"a": 1, "b": 2}},  # same number, another type
        {"_id": 2, "n": 2, "m": {"b": 2, "a": 1}},  # another order: MongoDB tells them apart
        {"_id": 2, "n": 2, "m": {"a": 1}},
    ):
        assert combine([base[0], *hashes(changed)]) != combine(base)


def test_the_checksum_wraps_at_128_bits_and_prints_at_a_fixed_width() -> None:
    assert combine([CHECKSUM_MODULUS - 1, 2]) == 1
    assert as_checksum(1) == "0" * 31 + "1"
    assert len(as_checksum(combine(hashes({"_id": 1})))) == 32
