"""Tagging a searchable item (a note, a snippet): what their services need of the tags feature."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from muninn_shared.problems import ProblemError
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.owned import now
from muninn_conversation.tags.models import MAX_TAGS_PER_ITEM
from muninn_conversation.tags.store import TagStore

Doc = dict[str, Any]


class TagVocabulary:
    """The user's tag registry as tagged items see it: a tag an item is given joins it."""

    def __init__(self, store: TagStore) -> None:
        self._store = store

    async def ensure(self, user_id: str, names: list[str], at: datetime) -> None:
        """Register tags an item was given, keeping existing colours."""
        await self._store.ensure(user_id, names, at)


async def change_item_tags(
    load: Callable[[], Awaitable[Doc]],
    replace_if_unchanged: Callable[[Doc, list[str]], Awaitable[Doc | None]],
    tag: str,
    *,
    add: bool,
) -> tuple[list[str], bool]:
    """Add or remove one tag on a searchable item; returns its tags and whether they changed.

    Compare-and-set on the tags list: the list and the item's search index must change
    together, and a plain ``$addToSet`` could not re-index.
    """
    for _ in range(5):
        doc = await load()
        tags: list[str] = list(doc.get("tags", []))
        if add == (tag in tags):
            return tags, False
        if add and len(tags) >= MAX_TAGS_PER_ITEM:
            raise ProblemError(
                422, f"An item carries at most {MAX_TAGS_PER_ITEM} tags.", code="too-many-tags"
            )
        tags = [*tags, tag] if add else [t for t in tags if t != tag]
        if await replace_if_unchanged(doc, tags) is not None:
            return tags, True
    raise ProblemError(409, "The item's tags changed concurrently; try again.", code="conflict")


async def add_item_tag(
    vocabulary: TagVocabulary,
    user_id: str,
    tag: str,
    load: Callable[[], Awaitable[Doc]],
    replace_if_unchanged: Callable[[Doc, list[str]], Awaitable[Doc | None]],
) -> list[str]:
    """Tag an item; a tag new to the item joins the user's vocabulary."""
    tags, changed = await change_item_tags(load, replace_if_unchanged, tag, add=True)
    if changed:
        await vocabulary.ensure(user_id, [tag], now())
    return tags


async def remove_item_tag(
    tag: str,
    load: Callable[[], Awaitable[Doc]],
    replace_if_unchanged: Callable[[Doc, list[str]], Awaitable[Doc | None]],
) -> list[str]:
    """Untag an item; the tag stays in the user's vocabulary."""
    tags, _ = await change_item_tags(load, replace_if_unchanged, tag, add=False)
    return tags


class TaggedItemStore(Protocol):
    async def replace_tags_if_unchanged(self, doc: Doc, tags: list[str]) -> Doc | None: ...

    async def tag_counts(self, user_id: str) -> dict[str, int]: ...

    async def tagged(self, user_id: str, tag: str) -> int: ...

    async def retag(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> int: ...


StoreT = TypeVar("StoreT", bound=TaggedItemStore)


class TaggedItems(ABC, Generic[StoreT]):
    """What every taggable item's service offers: tagging one item, and what the tags
    feature counts and renames across the user's items."""

    _store: StoreT
    _tags: TagVocabulary

    @abstractmethod
    async def get_doc(self, user_id: str, item_id: str) -> Doc:
        """The user's item (404 when it is not theirs)."""

    async def add_tag(self, user_id: str, item_id: str, tag: str) -> list[str]:
        return await add_item_tag(
            self._tags,
            user_id,
            tag,
            lambda: self.get_doc(user_id, item_id),
            self._store.replace_tags_if_unchanged,
        )

    async def remove_tag(self, user_id: str, item_id: str, tag: str) -> list[str]:
        return await remove_item_tag(
            tag, lambda: self.get_doc(user_id, item_id), self._store.replace_tags_if_unchanged
        )

    async def tag_counts(self, user_id: str) -> dict[str, int]:
        return await self._store.tag_counts(user_id)

    async def tagged(self, user_id: str, tag: str) -> int:
        return await self._store.tagged(user_id, tag)

    async def retag(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> int:
        """Rename or drop a tag on every item of the user, re-indexing each for search."""
        return await self._store.retag(user_id, old, new, session)
