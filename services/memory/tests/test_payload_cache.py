from __future__ import annotations

from muninn_memory.vectors.payload_cache import PayloadCache


def test_a_read_that_overlapped_a_write_is_not_kept() -> None:
    cache = PayloadCache()
    before_write = cache.generation
    cache.invalidate(["p1"])  # a write finished while the read was running
    cache.fill({"p1": {"text": "what the read saw"}}, before_write)
    assert cache.get("p1") is None

    cache.fill({"p1": {"text": "current"}}, cache.generation)
    assert cache.get("p1") == {"text": "current"}


def test_writes_drop_what_they_touched() -> None:
    cache = PayloadCache()
    cache.fill({"p1": {"text": "a"}, "p2": {"text": "b"}}, cache.generation)
    cache.invalidate(["p1"])
    assert cache.get("p1") is None
    assert cache.get("p2") == {"text": "b"}
    cache.clear()
    assert len(cache) == 0


def test_the_cache_stays_within_its_limit() -> None:
    cache = PayloadCache(limit=3)
    cache.fill({"a": {}, "b": {}, "c": {}}, cache.generation)
    cache.fill({"d": {}}, cache.generation)
    assert len(cache) <= 3
    assert cache.get("d") == {}
