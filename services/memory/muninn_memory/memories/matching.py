"""Evaluates the queries :func:`~muninn_memory.memories.store.filter_query` builds, in Python.

Search hydrates candidates by id. ``{"_id": {"$in": ids}}`` alone rides the primary index on
any MongoDB-protocol server, while the same ids combined with other fields were planned as a
full collection scan by the embedded server (seconds at 100,000 memories). So hydration asks
by id and applies the rest of the query here, with MongoDB's semantics for the operators
``filter_query`` uses (array fields match when any element does; missing equals ``None``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Doc = dict[str, Any]


def _path(doc: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # BSON datetimes are UTC
    return value


def _candidates(value: Any) -> list[Any]:
    """The values a condition is tried against: the field, or each element of an array field."""
    return [*value, value] if isinstance(value, list) else [value]


def _equals(value: Any, wanted: Any) -> bool:
    return any(_comparable(v) == _comparable(wanted) for v in _candidates(value))


def _compare(check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def apply(value: Any, bound: Any) -> bool:
        for candidate in _candidates(value):
            left, right = _comparable(candidate), _comparable(bound)
            try:
                if left is not None and check(left, right):
                    return True
            except TypeError:  # MongoDB compares only within a type class
                continue
        return False

    return apply


def _in(value: Any, options: Any) -> bool:
    return any(_equals(value, option) for option in options)


def _all(value: Any, required: Any) -> bool:
    present = value if isinstance(value, list) else [value]
    return all(any(_comparable(p) == _comparable(r) for p in present) for r in required)


def _exists(value: Any, wanted: Any) -> bool:
    return (value is not None) == bool(wanted)


def _regex(value: Any, pattern: Any) -> bool:
    """A pattern compiled by the caller (``re.Pattern``), as PyMongo sends one to the server."""
    return any(isinstance(v, str) and pattern.search(v) is not None for v in _candidates(value))


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": _equals,
    "$ne": lambda value, wanted: not _equals(value, wanted),
    "$in": _in,
    "$nin": lambda value, options: not _in(value, options),
    "$exists": _exists,
    "$regex": _regex,
    "$all": _all,
    "$gte": _compare(lambda a, b: a >= b),
    "$gt": _compare(lambda a, b: a > b),
    "$lte": _compare(lambda a, b: a <= b),
    "$lt": _compare(lambda a, b: a < b),
}


def matches(doc: Doc, query: Doc) -> bool:
    """Whether ``doc`` satisfies ``query`` (implicit AND of field conditions)."""
    for path, condition in query.items():
        if path == "$or":
            if not any(matches(doc, option) for option in condition):
                return False
            continue
        if path == "$and":
            if not all(matches(doc, option) for option in condition):
                return False
            continue
        if path == "$nor":
            if any(matches(doc, option) for option in condition):
                return False
            continue
        value = _path(doc, path)
        if isinstance(condition, dict) and condition and all(k.startswith("$") for k in condition):
            for operator, argument in condition.items():
                check = _OPERATORS.get(operator)
                if check is None:
                    raise ValueError(f"operator {operator} is not evaluated in Python")
                if not check(value, argument):
                    return False
        elif not _equals(value, condition):
            return False
    return True
