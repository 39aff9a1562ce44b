"""mem0's filter language (v2: ``AND``/``OR``/``NOT`` over field conditions) as a condition
on Muninn memory records.

Every name and value is checked here: field names come from a fixed list (metadata keys from
a narrow alphabet), values are scalars of bounded size, so a request can never inject a
query operator or reach another field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from muninn_shared.problems import ProblemError
from pydantic import TypeAdapter, ValidationError

from muninn_memory.mem0_compat.models import ENTITY_FIELDS

Doc = dict[str, Any]

MAX_DEPTH = 6
MAX_CONDITIONS = 50
MAX_LIST = 100
MAX_STRING = 256
METADATA_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
WILDCARD = "*"

COMPARISONS = {"eq": "$eq", "ne": "$ne", "gt": "$gt", "gte": "$gte", "lt": "$lt", "lte": "$lte"}
TIME_FIELDS = {"created_at": "created_at", "updated_at": "updated_at", "timestamp": "occurred_at"}
TEXT_FIELDS = {"memory": "content", "keywords": "content"}
SCOPED = {"scope": {"$exists": True, "$ne": {}}}
"""Only memories written through this API: never the account's own (unscoped) memories."""

_moment = TypeAdapter(datetime)
_day = TypeAdapter(date)


def invalid(detail: str) -> ProblemError:
    return ProblemError(400, detail, code="invalid-filters")


def scope_of(values: Mapping[str, str | None]) -> dict[str, str]:
    return {field: value for field, value in values.items() if value and field in ENTITY_FIELDS}


def scoped_condition(filters: Doc) -> Doc:
    """The condition for ``filters``; they must name at least one of mem0's identifiers."""
    if not isinstance(filters, dict):
        raise invalid("filters must be an object.")
    translator = _Translator()
    condition = translator.translate(filters, depth=0)
    if not translator.entity_named:
        raise invalid("filters must name at least one of user_id, agent_id, app_id or run_id.")
    return {"$and": [SCOPED, condition]}


def scope_equals(scope: dict[str, str]) -> Doc:
    """Memories whose identifiers include these values (``*``: any value of that one)."""
    if not scope:
        raise invalid("Give at least one of user_id, agent_id, app_id or run_id.")
    conditions: list[Doc] = [SCOPED]
    for field, value in scope.items():
        conditions.append({f"scope.{field}": _entity_value(value)})
    return {"$and": conditions}


def _entity_value(value: str) -> Any:
    return {"$exists": True, "$ne": None} if value == WILDCARD else value


class _Translator:
    def __init__(self) -> None:
        self.entity_named = False
        self._count = 0

    def translate(self, node: Doc, *, depth: int) -> Doc:
        if depth > MAX_DEPTH:
            raise invalid(f"filters nest deeper than {MAX_DEPTH} levels.")
        if not node:
            raise invalid("An empty filter matches nothing in particular; name a field.")
        parts = [self._entry(key, value, depth) for key, value in node.items()]
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def _entry(self, key: str, value: Any, depth: int) -> Doc:
        self._count += 1
        if self._count > MAX_CONDITIONS:
            raise invalid(f"At most {MAX_CONDITIONS} conditions in filters.")
        logical = key.upper()
        if logical in ("AND", "OR", "NOT"):
            branches = value if isinstance(value, list) else [value]
            if not branches or len(branches) > MAX_LIST:
                raise invalid(f"{key} takes a list of 1 to {MAX_LIST} filters.")
            if not all(isinstance(b, dict) for b in branches):
                raise invalid(f"Each filter under {key} must be an object.")
            translated = [self.translate(b, depth=depth + 1) for b in branches]
            return {{"AND": "$and", "OR": "$or", "NOT": "$nor"}[logical]: translated}
        if key in ENTITY_FIELDS:
            self.entity_named = True
            return self._field(f"scope.{key}", value, allowed={"eq", "ne", "in"}, kind=_text)
        if key in TIME_FIELDS:
            return self._field(TIME_FIELDS[key], value, allowed=set(COMPARISONS), kind=_time)
        if key == "categories":
            return self._field("type", value, allowed={"eq", "ne", "in", "contains"}, kind=_text)
        if key in TEXT_FIELDS:
            return self._field(
                TEXT_FIELDS[key], value, allowed={"contains", "icontains"}, kind=_text
            )
        if key == "metadata":
            return self._metadata(value)
        raise invalid(f"Unsupported filter field {key!r}.")

    def _metadata(self, value: Any) -> Doc:
        if not isinstance(value, dict) or not value:
            raise invalid("metadata takes an object of key: value conditions.")
        parts: list[Doc] = []
        for key, condition in value.items():
            if not METADATA_KEY.match(key):
                raise invalid("Metadata keys are 1-64 letters, digits, '_' or '-'.")
            parts.append(
                self._field(
                    f"metadata.{key}", condition, allowed={"eq", "ne", "in", "contains"}, kind=_any
                )
            )
        return parts[0] if len(parts) == 1 else {"$and": parts}

    def _field(self, path: str, value: Any, *, allowed: set[str], kind: Any) -> Doc:
        if not isinstance(value, dict):
            if value == WILDCARD:
                return {path: {"$exists": True, "$ne": None}}
            if "eq" not in allowed:
                raise invalid(f"{path.split('.')[-1]} takes an operator such as {sorted(allowed)}.")
            return {path: kind(value)}
        if not value:
            raise invalid("An operator object needs an operator.")
        operators: Doc = {}
        extra: list[Doc] = []
        for operator, argument in value.items():
            if operator not in allowed:
                raise invalid(
                    f"Operator {operator!r} is not supported here; use {sorted(allowed)}."
                )
            if operator == "in":
                if not isinstance(argument, list) or not 0 < len(argument) <= MAX_LIST:
                    raise invalid(f"'in' takes a list of 1 to {MAX_LIST} values.")
                operators["$in"] = [kind(a) for a in argument]
            elif operator in ("contains", "icontains"):
                text = _text(argument)
                flags = re.IGNORECASE if operator == "icontains" else 0
                extra.append({path: {"$regex": re.compile(re.escape(text), flags)}})
            else:
                operators[COMPARISONS[operator]] = kind(argument)
        parts = ([{path: operators}] if operators else []) + extra
        return parts[0] if len(parts) == 1 else {"$and": parts}


def _text(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_STRING:
        raise invalid(f"Filter values here are strings of 1 to {MAX_STRING} characters.")
    return value


def _any(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    return _text(value)


def _time(value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise invalid("A Unix time in filters is out of range.") from None
    text = _text(value)
    try:
        return _utc(_moment.validate_python(text))
    except ValidationError:
        pass
    try:
        day = _day.validate_python(text)
    except ValidationError:
        raise invalid(f"{text!r} is not a date or date-time.") from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
