"""How the contact list is ordered and paged (pure): each sort is a key and ``_id`` as a
tie-break, and its cursor carries the sort's name, the last key and the last id.

Keys may be missing (a contact never scored, or with no interaction yet): MongoDB orders
null lowest, so a descending list ends with them and an ascending one starts with them, and
the conditions below follow that order.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from muninn_shared.problems import ProblemError

from muninn_integrations.contacts.models import ContactSort

Doc = dict[str, Any]


@dataclass(frozen=True)
class SortSpec:
    field: str
    direction: int  # 1 ascending, -1 descending

    def mongo(self) -> list[tuple[str, int]]:
        return [(self.field, self.direction), ("_id", self.direction)]


SORTS: dict[str, SortSpec] = {
    "recent": SortSpec("created_at", -1),
    "name": SortSpec("sort_name", 1),
    "strength": SortSpec("relationship_strength", -1),
    "last_interaction": SortSpec("last_interaction_at", -1),
}


def _invalid() -> ProblemError:
    return ProblemError(
        400,
        "The cursor is not valid for this sort; use next_cursor from a previous page of the "
        "same list.",
        code="invalid-cursor",
    )


def _encode_value(value: Any) -> list[Any]:
    if value is None:
        return ["z", None]
    if isinstance(value, datetime):
        return ["d", value.isoformat()]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int | float):
        return ["n", value]
    return ["s", str(value)]


def _decode_value(tagged: Any) -> Any:
    tag, value = tagged
    if tag == "z":
        return None
    if tag == "d":
        return datetime.fromisoformat(value)
    if tag == "n" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if tag == "s" and isinstance(value, str):
        return value
    raise ValueError("unknown cursor value")


def encode_cursor(sort: ContactSort, doc: Doc) -> str:
    spec = SORTS[sort]
    raw = json.dumps(
        [sort, _encode_value(doc.get(spec.field)), str(doc["_id"])], separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(sort: ContactSort, cursor: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        name, tagged, item_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        value = _decode_value(tagged)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise _invalid() from None
    if name != sort or not isinstance(item_id, str):
        raise _invalid()
    return value, item_id


def after(sort: ContactSort, cursor: str) -> Doc:
    """The condition for the contacts that come after ``cursor`` in ``sort`` order."""
    spec = SORTS[sort]
    value, item_id = decode_cursor(sort, cursor)
    field = spec.field
    if spec.direction < 0:
        if value is None:
            return {field: None, "_id": {"$lt": item_id}}
        return {
            "$or": [
                {field: {"$lt": value}},
                {field: value, "_id": {"$lt": item_id}},
                {field: None},
            ]
        }
    if value is None:
        return {"$or": [{field: None, "_id": {"$gt": item_id}}, {field: {"$ne": None}}]}
    return {"$or": [{field: {"$gt": value}}, {field: value, "_id": {"$gt": item_id}}]}
