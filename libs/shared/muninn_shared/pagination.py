"""Opaque cursors and newest-first pages of lists ordered by (timestamp, id)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from muninn_shared.problems import ProblemError

T = TypeVar("T")

# The query parameters of a paged list: how many items, and where the previous page ended.
PageLimit = Annotated[int, Query(ge=1, le=100)]
PageCursor = Annotated[str | None, Query(max_length=512)]


class CursorPage(BaseModel, Generic[T]):
    """One page of a list and the cursor of the next, if there is more.

    Each list subclasses it for its item (``class NotePage(CursorPage[Note])``), so the API
    names the page after what it holds.
    """

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(at: datetime, item_id: str) -> str:
    raw = json.dumps([at.isoformat(), item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, item_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(at), str(item_id)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ProblemError(
            400,
            "The cursor is not valid; use next_cursor from a previous page.",
            code="invalid-cursor",
        ) from None


def after_cursor(
    query: Mapping[str, Any],
    cursor: str | None,
    *,
    field: str = "created_at",
    oldest_first: bool = False,
) -> dict[str, Any]:
    """``query`` narrowed to the documents after ``cursor`` in newest-first (field, _id) order,
    or oldest-first with ``oldest_first``.

    A cursor that does not decode is the caller's mistake: a 400 problem.
    """
    if cursor is None:
        return dict(query)
    at, item_id = decode_cursor(cursor)
    beyond = "$gt" if oldest_first else "$lt"
    return {
        "$and": [
            dict(query),
            {"$or": [{field: {beyond: at}}, {field: at, "_id": {beyond: item_id}}]},
        ]
    }


def one_page(
    docs: Sequence[Mapping[str, Any]],
    limit: int,
    convert: Callable[[Mapping[str, Any]], T],
    *,
    field: str = "created_at",
) -> tuple[list[T], str | None]:
    """``docs`` were fetched with ``limit + 1``: the page, and a cursor when there is more."""
    page = list(docs[:limit])
    more = len(docs) > limit and bool(page)
    cursor = encode_cursor(page[-1][field], str(page[-1]["_id"])) if more else None
    return [convert(doc) for doc in page], cursor


async def fetch_page(
    collection: AsyncCollection[Any],
    query: Mapping[str, Any],
    *,
    limit: int,
    cursor: str | None,
    convert: Callable[[Mapping[str, Any]], T],
    field: str = "created_at",
    session: AsyncClientSession | None = None,
) -> tuple[list[T], str | None]:
    """One newest-first page of ``collection`` matching ``query``, and the next cursor."""
    found = collection.find(after_cursor(query, cursor, field=field), session=session)
    docs = await found.sort([(field, -1), ("_id", -1)]).to_list(limit + 1)
    return one_page(docs, limit, convert, field=field)
