"""Bodies out (models → JSON) and answers in (JSON → the operation's type)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import httpx
from pydantic import BaseModel, TypeAdapter


def dump_body(body: BaseModel | Mapping[str, Any]) -> Any:
    """A model as JSON, only the fields that were set: a PATCH changes only what it names."""
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return TypeAdapter(Any).dump_python(dict(body), mode="json")


def query_params(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Query parameters without the unset ones; a list repeats its parameter."""
    pairs: list[tuple[str, str]] = []
    for name, value in (params or {}).items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((name, _text(item)))
    return pairs


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


@lru_cache(maxsize=512)
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def parse(response: httpx.Response, answer: Any) -> Any:
    """The answer as ``answer`` (a model, a list of them, a union …); None for no content."""
    if answer is None or response.status_code == 204 or not response.content:
        return None
    if isinstance(answer, type) and issubclass(answer, BaseModel):
        return answer.model_validate_json(response.content)
    return _adapter(answer).validate_json(response.content)
