"""Cursor pages as iterators: every item of every page, fetched as the iteration reaches it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


def _items(page: BaseModel) -> list[Any]:
    return list(getattr(page, "items", None) or [])


def _next(page: BaseModel) -> str | None:
    cursor = getattr(page, "next_cursor", None)
    return str(cursor) if cursor else None


class Paginator(Generic[T]):
    """``for item in client.memories.list(): ...``; ``.pages()`` for whole pages.

    Nothing is requested before the iteration starts; each page is asked for when the
    previous one is used up, with the cursor the server gave.
    """

    def __init__(self, fetch: Callable[[str | None], BaseModel], cursor: str | None = None):
        self._fetch = fetch
        self._cursor = cursor

    def first_page(self) -> BaseModel:
        return self._fetch(self._cursor)

    def pages(self) -> Iterator[BaseModel]:
        cursor = self._cursor
        seen: set[str] = set()
        while True:
            page = self._fetch(cursor)
            yield page
            cursor = _next(page)
            if cursor is None or cursor in seen:
                return
            seen.add(cursor)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from _items(page)

    def starting_at(self, cursor: str | None) -> Paginator[T]:
        """The same list from a cursor a previous page gave."""
        return Paginator(self._fetch, cursor)


class AsyncPaginator(Generic[T]):
    """``async for item in client.memories.list(): ...``; ``.pages()`` for whole pages."""

    def __init__(
        self, fetch: Callable[[str | None], Awaitable[BaseModel]], cursor: str | None = None
    ):
        self._fetch = fetch
        self._cursor = cursor

    async def first_page(self) -> BaseModel:
        return await self._fetch(self._cursor)

    async def pages(self) -> AsyncIterator[BaseModel]:
        cursor = self._cursor
        seen: set[str] = set()
        while True:
            page = await self._fetch(cursor)
            yield page
            cursor = _next(page)
            if cursor is None or cursor in seen:
                return
            seen.add(cursor)

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in _items(page):
                yield item

    async def to_list(self, limit: int | None = None) -> list[T]:
        """The items (up to ``limit``) in one list."""
        found: list[T] = []
        async for item in self:
            if limit is not None and len(found) >= limit:
                break
            found.append(item)
        return found

    def starting_at(self, cursor: str | None) -> AsyncPaginator[T]:
        return AsyncPaginator(self._fetch, cursor)
