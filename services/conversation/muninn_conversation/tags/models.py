"""Tags: one vocabulary per user, shared by conversations, notes and snippets."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated

from muninn_shared.patches import require_change
from muninn_shared.strict import Strict
from pydantic import AfterValidator, BaseModel, Field, model_validator

MAX_TAG_LENGTH = 40
MAX_TAGS_PER_ITEM = 50

_SPACES = re.compile(r"\s+")


def normalize_tag(name: str) -> str:
    """The stored form of a tag: trimmed, single-spaced, lowercase, 1-40 characters.

    Commas are refused because clients join tag lists with them; slashes because a tag is a
    URL path segment (``/v1/notes/{id}/tags/{tag}``).
    """
    cleaned = _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip().lower()
    if not cleaned:
        raise ValueError("a tag needs at least one visible character")
    if len(cleaned) > MAX_TAG_LENGTH:
        raise ValueError(f"a tag has at most {MAX_TAG_LENGTH} characters")
    if "," in cleaned or "/" in cleaned:
        raise ValueError("a tag cannot contain commas or slashes")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise ValueError("a tag cannot contain control characters")
    return cleaned


def normalize_tags(names: list[str]) -> list[str]:
    """Normalised, duplicates dropped, first occurrence's position kept."""
    return list(dict.fromkeys(normalize_tag(name) for name in names))


def replace_tag(tags: list[str], old: str, new: str | None) -> list[str]:
    """``old`` swapped for ``new`` in place (or dropped), without creating a duplicate."""
    out: list[str] = []
    for tag in tags:
        value = new if tag == old else tag
        if value is not None and value not in out:
            out.append(value)
    return out


TagName = Annotated[str, AfterValidator(normalize_tag)]
TagList = Annotated[list[str], Field(max_length=MAX_TAGS_PER_ITEM), AfterValidator(normalize_tags)]
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="Hex colour, #RRGGBB.")]


class TagCreate(Strict):
    name: TagName
    color: Color | None = None


class TagPatch(Strict):
    name: TagName | None = Field(
        default=None, description="Rename; merges into the tag of that name if it exists."
    )
    color: Color | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> TagPatch:
        require_change(self)
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("a tag's name cannot be removed")
        return self


class TagCounts(BaseModel):
    conversations: int = 0
    notes: int = 0
    snippets: int = 0

    @property
    def total(self) -> int:
        return self.conversations + self.notes + self.snippets


class Tag(BaseModel):
    name: str
    color: str | None = None
    counts: TagCounts = Field(default_factory=TagCounts)
    total: int = 0
    created_at: datetime | None = None


class ItemTags(BaseModel):
    """The tags an item carries after a change."""

    tags: list[str]
