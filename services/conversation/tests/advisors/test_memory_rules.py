from __future__ import annotations

from typing import Any

import pytest
from muninn_conversation.advisors.memory import check_key, check_value
from muninn_shared.problems import ProblemError


@pytest.mark.parametrize("key", ["goal", "salary.target", "plan:week-1", "A1_b", "x" * 64])
def test_good_keys(key: str) -> None:
    check_key(key)


@pytest.mark.parametrize("key", ["", "-lead", ".dot", "has space", "x" * 65, "slash/key", "$set"])
def test_bad_keys_are_422(key: str) -> None:
    with pytest.raises(ProblemError) as raised:
        check_key(key)
    assert raised.value.status == 422


@pytest.mark.parametrize("value", [{"$where": 1}, {"a.b": 1}, [{"ok": {"$inc": 1}}]])
def test_values_that_mongo_would_misread_are_422(value: Any) -> None:
    with pytest.raises(ProblemError) as raised:
        check_value(value)
    assert raised.value.status == 422


def test_oversized_values_are_413() -> None:
    with pytest.raises(ProblemError) as raised:
        check_value("é" * 5000, max_bytes=8192)
    assert raised.value.status == 413
    check_value("e" * 8000, max_bytes=8192)


def test_values_nested_too_deep_are_422() -> None:
    deep: Any = "leaf"
    for _ in range(25):
        deep = {"level": deep}
    with pytest.raises(ProblemError) as raised:
        check_value(deep)
    assert raised.value.status == 422
    shallow: Any = "leaf"
    for _ in range(10):
        shallow = [shallow]
    check_value(shallow)
