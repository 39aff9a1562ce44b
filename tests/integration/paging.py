"""Reading a whole cursor-paged list through the API, the way a client does."""

from __future__ import annotations

from typing import Any

import httpx


async def every_item(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every item of the list at ``path``, page after page until ``next_cursor`` is null
    (each page answered 200)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        answer = await client.get(path, params=query, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        page = answer.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
