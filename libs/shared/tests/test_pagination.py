"""Newest-first pages over (created_at, _id) with opaque cursors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from muninn_shared.pagination import (
    after_cursor,
    decode_cursor,
    encode_cursor,
    fetch_page,
    one_page,
)
from muninn_shared.problems import ProblemError

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _docs(count: int) -> list[dict[str, Any]]:
    return [{"_id": f"id{i}", "created_at": AT - timedelta(minutes=i)} for i in range(count)]


def _ident(doc: Mapping[str, Any]) -> str:
    return str(doc["_id"])


def test_without_a_cursor_the_query_is_unchanged() -> None:
    assert after_cursor({"user_id": "u"}, None) == {"user_id": "u"}


def test_a_cursor_narrows_to_older_documents_and_ties_on_id() -> None:
    query = after_cursor({"user_id": "u"}, encode_cursor(AT, "id3"), field="due_at")
    assert query == {
        "$and": [
            {"user_id": "u"},
            {"$or": [{"due_at": {"$lt": AT}}, {"due_at": AT, "_id": {"$lt": "id3"}}]},
        ]
    }


def test_oldest_first_a_cursor_narrows_to_newer_documents() -> None:
    query = after_cursor({"user_id": "u"}, encode_cursor(AT, "id3"), oldest_first=True)
    assert query == {
        "$and": [
            {"user_id": "u"},
            {"$or": [{"created_at": {"$gt": AT}}, {"created_at": AT, "_id": {"$gt": "id3"}}]},
        ]
    }


def test_a_bad_cursor_is_a_400_problem() -> None:
    with pytest.raises(ProblemError) as raised:
        after_cursor({}, "not a cursor")
    assert raised.value.status == 400


def test_a_full_page_carries_a_cursor_to_its_last_item() -> None:
    page, cursor = one_page(_docs(4), 3, _ident)
    assert page == ["id0", "id1", "id2"]
    assert cursor is not None
    assert decode_cursor(cursor) == (AT - timedelta(minutes=2), "id2")


def test_the_last_page_has_no_cursor() -> None:
    assert one_page(_docs(3), 3, _ident) == (["id0", "id1", "id2"], None)
    assert one_page([], 3, _ident) == ([], None)


def test_the_cursor_follows_the_given_field() -> None:
    docs = [{"_id": "a", "due_at": AT}, {"_id": "b", "due_at": AT}]
    _, cursor = one_page(docs, 1, _ident, field="due_at")
    assert cursor is not None
    assert decode_cursor(cursor) == (AT, "a")


class _FakeFind:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs
        self.sorted_by: list[tuple[str, int]] = []

    def sort(self, keys: list[tuple[str, int]]) -> _FakeFind:
        self.sorted_by = keys
        return self

    async def to_list(self, length: int) -> list[dict[str, Any]]:
        return self.docs[:length]


class _FakeCollection:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.found = _FakeFind(docs)
        self.queries: list[dict[str, Any]] = []

    def find(self, query: dict[str, Any], session: object = None) -> _FakeFind:
        self.queries.append(query)
        return self.found


async def test_fetch_page_sorts_newest_first_and_fetches_one_extra() -> None:
    collection = _FakeCollection(_docs(5))
    page, cursor = await fetch_page(
        collection,  # type: ignore[arg-type]
        {"user_id": "u"},
        limit=2,
        cursor=None,
        convert=_ident,
    )
    assert page == ["id0", "id1"]
    assert cursor == encode_cursor(AT - timedelta(minutes=1), "id1")
    assert collection.found.sorted_by == [("created_at", -1), ("_id", -1)]
    assert collection.queries == [{"user_id": "u"}]
