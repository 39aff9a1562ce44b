"""The gateway refuses "$" keys before forwarding, however the body spells or labels them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

Problem = Callable[[httpx.Response, int], dict[str, Any]]
Bearer = Callable[..., dict[str, str]]


async def test_escaped_and_unlabelled_operator_keys_never_reach_a_service(
    client: httpx.AsyncClient, bearer: Bearer, problem_of: Problem
) -> None:
    for body, content_type in (
        (rb'{"metadata": {"\u0024gt": ""}}', "application/json"),
        (rb'{"metadata": {"$gt": ""}}', None),
        (rb'{"metadata": {"\u0024gt": ""}}', None),
    ):
        headers = bearer()
        if content_type is not None:
            headers["Content-Type"] = content_type
        response = await client.post("/v1/memories/search", content=body, headers=headers)
        assert problem_of(response, 422)["type"].endswith("invalid-text"), body

    plain = await client.post(
        "/v1/memories/search",
        content=b'{"query": "costs $5"}',
        headers={**bearer(), "Content-Type": "application/json"},
    )
    assert plain.status_code == 200, plain.text
    assert plain.json()["body"] == '{"query": "costs $5"}'
