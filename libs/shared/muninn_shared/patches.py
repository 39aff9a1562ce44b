"""Checks every PATCH body shares: it changes something, and it does not null a field that must
keep a value (null elsewhere clears an optional field). Call them from a model validator."""

from __future__ import annotations

from pydantic import BaseModel


def require_change(patch: BaseModel) -> None:
    """A patch names at least one field."""
    if not patch.model_fields_set:
        raise ValueError("give at least one field to change")


def refuse_null(patch: BaseModel, *names: str) -> None:
    """None of ``names`` is set to null by the patch."""
    for name in names:
        if name in patch.model_fields_set and getattr(patch, name) is None:
            raise ValueError(f"{name} cannot be null")
