"""What every generated resource class stands on: a transport and the call helpers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel

from muninn_client._convert import parse
from muninn_client.pagination import AsyncPaginator, Paginator

if TYPE_CHECKING:
    from muninn_client._transport import AsyncTransport, SyncTransport

T = TypeVar("T")


def _segment(value: str) -> str:
    """A path parameter, percent-encoded whole: an id can never add or climb a segment."""
    text = str(value)
    if text in ("", ".", ".."):
        raise ValueError(f"{text!r} is not a valid path parameter")
    return quote(text, safe="")


class SyncResource:
    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: BaseModel | Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        answer: Any = None,
    ) -> Any:
        response = self._transport.request(
            method, path, params=params, json=json, content=content, headers=headers
        )
        return parse(response, answer)

    def _paginate(
        self,
        method: str,
        path: str,
        *,
        page: type[BaseModel],
        params: Mapping[str, Any] | None = None,
    ) -> Paginator[Any]:
        def fetch(cursor: str | None) -> BaseModel:
            query = {**(params or {}), "cursor": cursor}
            return parse(self._transport.request(method, path, params=query), page)  # type: ignore[no-any-return]

        return Paginator(fetch)


class AsyncResource:
    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: BaseModel | Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        answer: Any = None,
    ) -> Any:
        response = await self._transport.request(
            method, path, params=params, json=json, content=content, headers=headers
        )
        return parse(response, answer)

    def _paginate(
        self,
        method: str,
        path: str,
        *,
        page: type[BaseModel],
        params: Mapping[str, Any] | None = None,
    ) -> AsyncPaginator[Any]:
        async def fetch(cursor: str | None) -> BaseModel:
            query = {**(params or {}), "cursor": cursor}
            return parse(await self._transport.request(method, path, params=query), page)  # type: ignore[no-any-return]

        return AsyncPaginator(fetch)
