"""One behavioural suite for both vector store adapters: Qdrant Edge and qdrant-client local mode."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from muninn_memory.retrieval.lexical import SparseEncoder
from muninn_memory.retrieval.port import IndexedMemory
from muninn_memory.vectors.edge import EdgeBackend
from muninn_memory.vectors.port import (
    SearchFilters,
    StoredPoint,
    VectorBackend,
    VectorQuery,
    VectorStore,
)
from muninn_memory.vectors.schema import collection_name, parse_collection_name
from muninn_memory.vectors.server import QdrantBackend
from qdrant_client import AsyncQdrantClient

DIM = 8
encoder = SparseEncoder()


def unit(*xs: float) -> list[float]:
    v = list(xs) + [0.0] * (DIM - len(xs))
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def point(
    user: str,
    mid: str,
    text: str,
    dense: list[float] | None,
    *,
    type_: str = "fact",
    context: str | None = None,
    importance: int = 5,
    day: int = 1,
    entities: tuple[str, ...] = (),
    source: str | None = None,
) -> StoredPoint:
    memory = IndexedMemory(
        memory_id=mid,
        user_id=user,
        text=text,
        type=type_,
        context=context,
        importance=importance,
        occurred_at=datetime(2024, 3, day, 12, tzinfo=UTC),
        entities=entities,
        source=source,
    )
    return StoredPoint(memory, dense, encoder.document(text))


@pytest.fixture(params=["edge", "qdrant-local"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[VectorBackend]:
    made: VectorBackend
    if request.param == "edge":
        made = EdgeBackend(tmp_path / "edge")
    else:
        made = QdrantBackend(AsyncQdrantClient(location=":memory:"))
    yield made
    await made.close()


@pytest.fixture
async def store(backend: VectorBackend) -> VectorStore:
    s = backend.store(collection_name("test-model", DIM), DIM)
    await s.open()
    await s.open()  # idempotent
    return s


async def dense_ids(
    store: VectorStore, user: str, vector: list[float], filters: SearchFilters | None = None
) -> list[str]:
    [hits] = await store.query(user, [VectorQuery("dense", vector, 10)], filters)
    return [h.key for h in hits]


async def test_dense_and_sparse_queries_only_see_the_users_points(store: VectorStore) -> None:
    await store.upsert(
        [
            point("alice", "a1", "I moved to Lisbon in spring", unit(1, 0)),
            point("alice", "a2", "My dog is called Rex", unit(0, 1)),
            point("bob", "b1", "I moved to Lisbon in spring", unit(1, 0)),
            point("bob", "b2", "Bob's secret recipe for Lisbon cake", unit(1, 0.1)),
        ]
    )
    assert await dense_ids(store, "alice", unit(1, 0)) == ["a1", "a2"]
    dense, sparse = await store.query(
        "bob",
        [VectorQuery("dense", unit(1, 0), 10), VectorQuery("sparse", encoder.query("Lisbon"), 10)],
        None,
    )
    assert {c.key for c in dense} == {"b1", "b2"}
    assert {c.key for c in sparse} == {"b1", "b2"}
    assert all(c.payload["user_id"] == "bob" for c in dense + sparse)
    assert sparse[0].payload["text"]
    assert await store.count("alice") == 2
    assert await store.count("carol") == 0
    assert await dense_ids(store, "carol", unit(1, 0)) == []


async def test_sparse_idf_is_computed_over_the_users_memories_only(store: VectorStore) -> None:
    # "guitar" is everywhere for bob; for alice it is as rare as "piano", so both of her
    # one-term matches must score the same whatever bob stores.
    await store.upsert(
        [
            point("alice", "a1", "guitar lessons", unit(1)),
            point("alice", "a2", "piano lessons", unit(1)),
        ]
        + [point("alice", f"ax{i}", f"filler note {i}", unit(1)) for i in range(4)]
        + [point("bob", f"b{i}", f"guitar guitar {i}", unit(1)) for i in range(30)]
    )
    [guitar] = await store.query("alice", [VectorQuery("sparse", encoder.query("guitar"), 5)], None)
    [piano] = await store.query("alice", [VectorQuery("sparse", encoder.query("piano"), 5)], None)
    assert [c.key for c in guitar] == ["a1"]
    assert [c.key for c in piano] == ["a2"]
    assert guitar[0].score == pytest.approx(piano[0].score, rel=1e-4)


async def test_filters(store: VectorStore) -> None:
    await store.upsert(
        [
            point(
                "u",
                "m1",
                "one",
                unit(1),
                type_="fact",
                context="work",
                importance=2,
                day=1,
                entities=("Mary",),
            ),
            point(
                "u",
                "m2",
                "two",
                unit(1),
                type_="preference",
                context="home",
                importance=8,
                day=5,
                source="chat",
            ),
            point(
                "u",
                "m3",
                "three",
                unit(1),
                type_="event",
                context="work",
                importance=9,
                day=9,
                entities=("Mary", "Dr. Who"),
            ),
        ]
    )
    v = unit(1)

    async def ids(**kw: object) -> set[str]:
        return set(await dense_ids(store, "u", v, SearchFilters(**kw)))  # type: ignore[arg-type]

    assert await ids(types=("fact", "event")) == {"m1", "m3"}
    assert await ids(context="work") == {"m1", "m3"}
    assert await ids(min_importance=8) == {"m2", "m3"}
    assert await ids(max_importance=8) == {"m1", "m2"}
    assert await ids(occurred_after=datetime(2024, 3, 4, tzinfo=UTC)) == {"m2", "m3"}
    assert await ids(occurred_before=datetime(2024, 3, 5, 12, tzinfo=UTC)) == {"m1", "m2"}
    assert await ids(entities=("mary",)) == {"m1", "m3"}
    assert await ids(entities=("MARY", "dr.  who")) == {"m3"}
    assert await ids(source="chat") == {"m2"}
    assert await ids(types=("fact",), context="home") == set()


async def test_delete_and_delete_user_stay_in_the_tenant(store: VectorStore) -> None:
    await store.upsert(
        [
            point("alice", "same", "x", unit(1)),
            point("bob", "same", "x", unit(1)),
            point("bob", "b2", "y", unit(1)),
        ]
    )
    await store.delete("alice", ["same"])
    assert await store.count("alice") == 0
    assert await store.count("bob") == 2
    await store.delete_user("bob")
    assert await store.count("bob") == 0
    with pytest.raises(ValueError, match="user_id"):
        await store.delete_user("")
    with pytest.raises(ValueError, match="user_id"):
        await store.query("", [VectorQuery("dense", unit(1), 3)], None)


async def test_upsert_overwrites_by_memory_id(store: VectorStore) -> None:
    await store.upsert([point("u", "m", "old text", unit(1))])
    await store.upsert([point("u", "m", "new text", unit(0, 1))])
    [hits] = await store.query("u", [VectorQuery("dense", unit(0, 1), 5)], None)
    assert [(h.key, h.payload["text"]) for h in hits] == [("m", "new text")]


async def test_a_query_after_a_write_sees_the_write(store: VectorStore) -> None:
    """Edge keeps queried payloads in RAM: every write must show through it."""
    await store.upsert([point("u", "m", "old text", unit(1), entities=("mary",))])
    [hits] = await store.query("u", [VectorQuery("dense", unit(1), 5)], None)
    assert [h.payload["text"] for h in hits] == ["old text"]

    await store.upsert([point("u", "m", "new text", unit(1), entities=("lisbon",))])
    [hits] = await store.query("u", [VectorQuery("dense", unit(1), 5)], None)
    assert [(h.payload["text"], h.payload["entities"]) for h in hits] == [("new text", ["lisbon"])]

    await store.upsert([point("u", "other", "another text", unit(1))])
    await store.delete("u", ["m"])
    [hits] = await store.query("u", [VectorQuery("dense", unit(1), 5)], None)
    assert [h.key for h in hits] == ["other"]

    await store.delete_user("u")
    await store.upsert([point("u", "other", "written again", unit(1))])
    [hits] = await store.query("u", [VectorQuery("dense", unit(1), 5)], None)
    assert [h.payload["text"] for h in hits] == ["written again"]


async def test_scan_present_insert_missing_and_meta(store: VectorStore) -> None:
    await store.write_meta({"state": "complete", "model_id": "test-model"})
    await store.upsert([point(f"u{i % 3}", f"m{i}", f"text {i}", unit(1, i)) for i in range(25)])
    assert await store.size() == 25
    seen: list[tuple[str, str, str]] = []
    offset: str | None = None
    while True:
        page = await store.scan(offset, 10)
        seen.extend((m.user_id, m.memory_id, m.text) for m in page.memories)
        offset = page.next_offset
        if offset is None:
            break
    assert len(seen) == 25  # the record point is not a memory
    assert ("u1", "m1", "text 1") in seen
    assert await store.present([("u1", "m1"), ("u2", "m1"), ("u0", "nope")]) == {("u1", "m1")}
    await store.insert_missing(
        [point("u1", "m1", "stale copy", unit(1)), point("u1", "new", "fresh", None)]
    )
    [hits] = await store.query(
        "u1", [VectorQuery("sparse", encoder.query("stale copy fresh text"), 30)], None
    )
    texts = {h.key: h.payload["text"] for h in hits}
    assert texts["m1"] == "text 1"
    assert texts["new"] == "fresh"  # a point without a dense vector is still found by keywords
    assert (await store.read_meta() or {})["state"] == "complete"
    await store.write_meta({"state": "retired"})
    assert await store.read_meta() == {"state": "retired"}


async def test_backend_lists_and_drops_collections(backend: VectorBackend) -> None:
    names = [collection_name("model-a", DIM), collection_name("model-b", 4)]
    for name in names:
        s = backend.store(name, parse_collection_name(name)[1])  # type: ignore[index]
        await s.open()
        await s.upsert([point("u", "m", "t", unit(1)[: parse_collection_name(name)[1]])])  # type: ignore[index]
    assert await backend.collections() == sorted(names)
    await backend.drop(names[0])
    assert await backend.collections() == [names[1]]


async def test_edge_persists_on_disk(tmp_path: Path) -> None:
    name = collection_name("test-model", DIM)
    first = EdgeBackend(tmp_path)
    s = first.store(name, DIM)
    await s.open()
    await s.upsert([point("u", "m1", "kept on disk", unit(1))])
    await first.close()
    second = EdgeBackend(tmp_path)
    s2 = second.store(name, DIM)
    await s2.open()
    assert await dense_ids(s2, "u", unit(1)) == ["m1"]
    await second.close()


async def test_contact_filters(store: VectorStore) -> None:
    def about(mid: str, *contacts: str) -> StoredPoint:
        base = point("u", mid, mid, unit(1))
        return StoredPoint(replace(base.memory, contact_ids=contacts), base.dense, base.sparse)

    other = point("v", "theirs", "theirs", unit(1))
    await store.upsert(
        [
            about("card", "c1"),
            about("mail", "c1", "c2"),
            about("plain"),
            StoredPoint(replace(other.memory, contact_ids=("c1",)), other.dense, other.sparse),
        ]
    )
    v = unit(1)
    assert set(await dense_ids(store, "u", v, SearchFilters(any_contact=True))) == {"card", "mail"}
    assert set(await dense_ids(store, "u", v, SearchFilters(contact_ids=("c2",)))) == {"mail"}
    assert set(await dense_ids(store, "v", v, SearchFilters(contact_ids=("c1",)))) == {"theirs"}


async def test_sentence_parts_are_points_of_their_own_counted_and_deleted_with_their_memory(
    store: VectorStore,
) -> None:
    whole = point("u", "m", "Kickboxing was tiring. The weather was lovely.", unit(1))
    parts = [
        StoredPoint(replace(whole.memory, text=text, part=n), unit(*vector), encoder.document(text))
        for n, (text, vector) in enumerate(
            [("Kickboxing was tiring.", (0, 1)), ("The weather was lovely.", (0, 0, 1))], start=1
        )
    ]
    await store.upsert([whole, *parts, point("u", "other", "other memory", unit(1, 1))])

    assert await store.count("u") == 2, "parts are not memories of their own"
    [hits] = await store.query("u", [VectorQuery("dense", unit(0, 1), 1)], None)
    assert [(h.key, h.payload["memory_id"], h.payload["part"]) for h in hits] == [
        ("m\x1f1", "m", 1)
    ]
    assert await store.present([("u", "m")]) == {("u", "m")}
    page = await store.scan(None, 50)
    scanned = sorted((m.memory_id, m.part, m.text) for m in page.memories)
    assert ("m", 1, "Kickboxing was tiring.") in scanned
    assert ("m", 2, "The weather was lovely.") in scanned

    await store.delete_parts("u", [("m", 2)])
    [hits] = await store.query("u", [VectorQuery("dense", unit(0, 0, 1), 10)], None)
    assert "m\x1f2" not in {h.key for h in hits}
    assert "m\x1f1" in {h.key for h in hits}

    await store.delete("u", ["m"])
    [hits] = await store.query("u", [VectorQuery("dense", unit(0, 1), 10)], None)
    assert {h.payload["memory_id"] for h in hits} == {"other"}
    assert await store.count("u") == 1
