"""Newest-first cursor pagination over ``(created_at, _id)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from muninn_shared.pagination import encode_cursor
from muninn_shared.storage.mongo import Document

T = TypeVar("T")


def before_cursor(query: Document, before: tuple[datetime, str] | None) -> Document:
    """``query`` narrowed to the documents after a cursor (in newest-first order)."""
    if before is None:
        return query
    at, item_id = before
    return {
        "$and": [
            query,
            {"$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": item_id}}]},
        ]
    }


def one_page(
    docs: Sequence[Document], limit: int, convert: Callable[[Document], T]
) -> tuple[list[T], str | None]:
    """``docs`` was fetched with ``limit + 1``: the page, and a cursor when there is more."""
    more = len(docs) > limit
    page = list(docs[:limit])
    cursor = encode_cursor(page[-1]["created_at"], page[-1]["_id"]) if more and page else None
    return [convert(d) for d in page], cursor
