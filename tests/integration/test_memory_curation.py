"""What a user curates in memory, against real MongoDB, Kafka and the hybrid index: tags that
filter search and listing, quarter and year summaries found by search like memories,
entities corrected by hand (rename, merge, split, delete, preferences) with their history,
and typed relations between memories shown in a memory's detail and used in recall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from muninn_memory.settings import MemorySettings

from tests.integration.memory_support import (
    Headers,
    _one_embedding_thread,
    auth,
    client,
    new_user,
    remember,
    search,
    settings,
)

# The fixtures this module takes from memory_support (imported, they are used by name).
__all__ = ["_one_embedding_thread", "client", "settings"]


@pytest.fixture
def me(settings: MemorySettings) -> Headers:
    return auth(settings, new_user())


async def add(client: httpx.AsyncClient, me: Headers, content: str, **fields: Any) -> str:
    """One memory as the client gives it (no extraction), its id."""
    response = await client.post(
        "/v1/memories",
        json={"content": content, "type": "personal_info", "infer": False, **fields},
        params={"wait": "true"},
        headers=me,
    )
    assert response.status_code == 200, response.text
    [memory] = response.json()["memories"]
    return str(memory["id"])


async def listed(client: httpx.AsyncClient, me: Headers, **params: Any) -> list[dict[str, Any]]:
    response = await client.get("/v1/memories", params=params, headers=me)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


# -- tags ---------------------------------------------------------------------------------


async def test_tags_filter_search_and_listing_all_or_any(
    client: httpx.AsyncClient, me: Headers
) -> None:
    lisbon = await add(client, me, "Booked the flat in Lisbon for the trip", tags=["travel"])
    family = await add(
        client, me, "The trip to Lisbon is with my parents", tags=["travel", "family"]
    )
    work = await add(client, me, "The Lisbon trip needs a work laptop", tags=["work"])
    await add(client, me, "Lisbon trip budget is tight")

    def ids(results: list[dict[str, Any]]) -> set[str]:
        return {r["memory"]["id"] for r in results}

    everything = await search(client, me, "Lisbon trip")
    assert len(everything) == 4
    assert ids(await search(client, me, "Lisbon trip", filters={"tags": ["travel"]})) == {
        lisbon,
        family,
    }
    assert ids(await search(client, me, "Lisbon trip", filters={"tags": ["travel", "family"]})) == {
        family
    }
    either = {"tags": ["family", "work"], "tag_match": "any"}
    assert ids(await search(client, me, "Lisbon trip", filters=either)) == {family, work}

    tagged = await listed(client, me, tag=["family", "work"], tag_match="any")
    assert {m["id"] for m in tagged} == {family, work}
    assert [m["id"] for m in await listed(client, me, tag=["family", "work"])] == []
    bad = await client.get("/v1/memories", params={"tag": "x", "tag_match": "some"}, headers=me)
    assert bad.status_code == 422


# -- summaries ----------------------------------------------------------------------------


async def test_quarter_and_year_summaries_are_built_from_months_and_found_by_search(
    client: httpx.AsyncClient, settings: MemorySettings, me: Headers
) -> None:
    april = datetime(2024, 4, 10, 9, 0, tzinfo=UTC)
    await remember(
        client,
        me,
        "I love spicy Thai food.",
        "I'm flying to Rome on Friday for a conference.",
        at=april,
    )
    await remember(client, me, "I love spicy Thai food!", at=april + timedelta(days=30))
    await remember(client, me, "I started learning the cello.", at=april + timedelta(days=35))

    made = await client.post(
        "/v1/memories/summaries", json={"period": "quarter", "date": "2024-05-20"}, headers=me
    )
    assert made.status_code == 200, made.text
    quarter = made.json()
    assert quarter["time_range"] == {
        "start": "2024-04-01T00:00:00Z",
        "end": "2024-07-01T00:00:00Z",
        "period": "quarter",
    }
    months = (
        await client.get("/v1/memories/summaries", params={"period": "month"}, headers=me)
    ).json()["items"]
    assert [m["time_range"]["start"][:7] for m in months] == ["2024-05", "2024-04"]
    assert quarter["built_from"] == [months[1]["id"], months[0]["id"]], "its months, in order"
    assert quarter["original_memory_count"] == sum(m["original_memory_count"] for m in months)
    assert quarter["summary"].startswith("Q2 2024:")
    [thai] = [p for p in quarter["learned_preferences"] if "Thai" in p["preference"]]
    assert thai["memory_ids"]
    assert thai["evidence"]
    assert any("cello" in i for i in quarter["key_insights"])

    year = (
        await client.post(
            "/v1/memories/summaries", json={"period": "year", "date": "2024-12-31"}, headers=me
        )
    ).json()
    assert year["time_range"]["period"] == "year"
    assert year["built_from"] == [quarter["id"]], "the stored quarter is reused"
    empty = await client.post(
        "/v1/memories/summaries", json={"period": "year", "date": "2019-06-01"}, headers=me
    )
    assert empty.status_code == 422

    found = await search(client, me, "cello Thai food Rome", sources=["summaries"])
    assert found, "summaries are searchable"
    assert {r["kind"] for r in found} == {"summary"}
    assert {r["summary"]["id"] for r in found} >= {quarter["id"], year["id"]}
    assert found[0]["provenance"]["source"] == "summary"
    mixed = await search(client, me, "cello", sources=["memories", "summaries"], limit=20)
    assert {r["kind"] for r in mixed} == {"memory", "summary"}
    assert all(r["kind"] == "memory" for r in await search(client, me, "cello Thai food Rome")), (
        "summaries only when asked for"
    )
    stranger = auth(settings, new_user())
    assert await search(client, stranger, "cello Thai food Rome", sources=["summaries"]) == []
