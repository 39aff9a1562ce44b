"""The service side of tagged, searchable items (notes, snippets): reading, saving, deleting
and listing (newest first, or ranked by a search) work the same on each; a service says which
model its documents become and how they are named in a 404."""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar

from muninn_shared.problems import not_found
from pydantic import BaseModel

from muninn_conversation.notes.models import SearchHit
from muninn_conversation.notes.search import SEARCH_FIELDS, highlight, parse_query
from muninn_conversation.owned import new_owned, now, owned_or_404
from muninn_conversation.tags.searchable import TaggedSearchable
from muninn_conversation.tags.tagging import TaggedItems

Doc = dict[str, Any]
SearchableT = TypeVar("SearchableT", bound=TaggedSearchable)
ItemT = TypeVar("ItemT", bound=BaseModel)


def item_from_doc(model: type[ItemT], doc: Doc, hit: SearchHit | None = None) -> ItemT:
    """The API model of a stored item, without its search index fields."""
    fields = {
        k: v
        for k, v in doc.items()
        if k in model.model_fields and k not in SEARCH_FIELDS and k not in ("id", "search")
    }
    return model(id=doc["_id"], search=hit, **fields)


class Sourced(Protocol):
    """What a new item says besides its own fields: its tags, and the message it came from."""

    tags: list[str]
    conversation_id: str | None
    message_id: str | None


class SearchableItems(TaggedItems[SearchableT], Generic[SearchableT, ItemT]):
    _item: type[ItemT]
    _noun: str
    _indexed: frozenset[str]  # the fields its search index is built from

    def _from_doc(self, doc: Doc, hit: SearchHit | None = None) -> ItemT:
        return item_from_doc(self._item, doc, hit)

    async def get_doc(self, user_id: str, item_id: str) -> Doc:
        return await owned_or_404(self._store, user_id, item_id, self._noun)

    async def get(self, user_id: str, item_id: str) -> ItemT:
        return self._from_doc(await self.get_doc(user_id, item_id))

    async def delete(self, user_id: str, item_id: str) -> None:
        if not await self._store.delete(user_id, item_id):
            raise not_found(self._noun)

    async def _insert(self, user_id: str, body: Sourced, fields: Doc) -> ItemT:
        """Store a new item of ``fields``, indexed for search; its tags join the user's vocabulary."""
        doc = new_owned(
            user_id,
            **fields,
            tags=body.tags,
            conversation_id=body.conversation_id,
            message_id=body.message_id,
        )
        doc.update(self._store.search_fields(doc, body.tags))
        await self._store.insert(doc)
        await self._tags.ensure(user_id, body.tags, doc["created_at"])
        return self._from_doc(doc)

    async def _save(self, current: Doc, changes: Doc, tags: list[str] | None) -> ItemT:
        """Apply ``changes`` to the ``current`` item (stamped now, re-indexed when an indexed
        field changes); tags given in the patch join the vocabulary."""
        user_id, item_id = current["user_id"], current["_id"]
        if self._indexed & set(changes):
            merged = {**current, **changes}
            changes.update(self._store.search_fields(merged, merged.get("tags", [])))
        at = now()
        changes["updated_at"] = at
        doc = await self._store.update(user_id, item_id, changes)
        if doc is None:
            raise not_found(self._noun)
        if tags:
            await self._tags.ensure(user_id, tags, at)
        return self._from_doc(doc)

    async def _page(
        self, query: Doc, q: str | None, *, limit: int, cursor: str | None
    ) -> tuple[list[ItemT], str | None]:
        """A page of items matching ``query``: best matches for ``q`` first, else newest first."""
        if q is not None and q.strip():
            terms = parse_query(q)
            ranked, next_cursor = await self._store.search(query, terms, limit=limit, cursor=cursor)
            items = [
                self._from_doc(
                    doc, SearchHit(score=value, excerpt=highlight(doc["content"], terms))
                )
                for doc, value in ranked
            ]
            return items, next_cursor
        docs, next_cursor = await self._store.newest_page(query, limit=limit, cursor=cursor)
        return [self._from_doc(d) for d in docs], next_cursor
