"""Tags: a user's vocabulary with usage counts; rename and delete cascade to tagged items.

Counts, renames and deletes cover what the user owns: their notes, their snippets and the
conversations they own. Tags on a shared conversation belong to that conversation — any
participant who may post can add or remove them, but one user's rename does not rewrite
another user's conversation. Tasks live in the scheduler service and are not counted here.
"""

from __future__ import annotations

from typing import Any

from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.notes.service import NoteService
from muninn_conversation.owned import new_owned, now
from muninn_conversation.snippets.service import SnippetService
from muninn_conversation.tags.models import (
    MAX_TAGS_PER_ITEM,
    ItemTags,
    Tag,
    TagCounts,
    TagCreate,
    TagPatch,
    normalize_tag,
)
from muninn_conversation.tags.store import TagStore

Doc = dict[str, Any]


def tag_param(value: str) -> str:
    """A tag taken from a URL path or query, normalised; 422 problem if it cannot be a tag."""
    try:
        return normalize_tag(value)
    except ValueError as exc:
        raise ProblemError(
            422,
            f"'{value}' is not a valid tag: {exc}.",
            code="invalid-tag",
            errors=[{"loc": ["tag"], "msg": str(exc), "type": "value_error"}],
        ) from None


def tag_from(name: str, registered: Doc | None, counts: TagCounts) -> Tag:
    return Tag(
        name=name,
        color=registered.get("color") if registered else None,
        counts=counts,
        total=counts.total,
        created_at=registered.get("created_at") if registered else None,
    )


class TagService:
    def __init__(
        self,
        client: AsyncMongoClient[Doc],
        store: TagStore,
        notes: NoteService,
        snippets: SnippetService,
        conversations: ConversationService,
    ) -> None:
        self._client = client
        self._store = store
        self._notes = notes
        self._snippets = snippets
        self._conversations = conversations

    async def list(self, user_id: str) -> list[Tag]:
        registry = {d["name"]: d for d in await self._store.all(user_id)}
        conversations = await self._conversations.tag_counts(user_id)
        notes = await self._notes.tag_counts(user_id)
        snippets = await self._snippets.tag_counts(user_id)
        names = sorted(set(registry) | set(conversations) | set(notes) | set(snippets))
        return [
            tag_from(
                name,
                registry.get(name),
                TagCounts(
                    conversations=conversations.get(name, 0),
                    notes=notes.get(name, 0),
                    snippets=snippets.get(name, 0),
                ),
            )
            for name in names
        ]

    async def _counts(self, user_id: str, name: str) -> TagCounts:
        return TagCounts(
            conversations=await self._conversations.tagged(user_id, name),
            notes=await self._notes.tagged(user_id, name),
            snippets=await self._snippets.tagged(user_id, name),
        )

    async def get(self, user_id: str, name: str) -> Tag:
        registered = await self._store.get(user_id, name)
        counts = await self._counts(user_id, name)
        if registered is None and counts.total == 0:
            raise not_found("Tag")
        return tag_from(name, registered, counts)

    async def create(self, user_id: str, body: TagCreate) -> Tag:
        if await self._store.get(user_id, body.name) is not None:
            raise ProblemError(409, "You already have this tag.", code="tag-exists")
        doc = new_owned(user_id, name=body.name, color=body.color)
        try:
            await self._store.insert(doc)
        except DuplicateKeyError:
            raise ProblemError(409, "You already have this tag.", code="tag-exists") from None
        return tag_from(body.name, doc, await self._counts(user_id, body.name))

    async def update(self, user_id: str, name: str, patch: TagPatch) -> Tag:
        """Recolour and/or rename; renaming onto an existing tag merges the two."""
        await self.get(user_id, name)
        new_name = patch.name if patch.name is not None else name
        changes: Doc = {"updated_at": now()}
        if "color" in patch.model_fields_set:
            changes["color"] = patch.color

        async def work(session: AsyncClientSession) -> None:
            if new_name != name:
                await self._cascade(user_id, name, new_name, session)
                target = await self._store.get(user_id, new_name, session)
                if target is None:
                    await self._store.ensure(user_id, [name], changes["updated_at"], session)
                    await self._store.update(user_id, name, {"name": new_name}, session)
                else:
                    await self._store.delete(user_id, name, session)
            else:
                await self._store.ensure(user_id, [name], changes["updated_at"], session)
            await self._store.update(user_id, new_name, changes, session)

        await in_transaction(self._client, work)
        return await self.get(user_id, new_name)

    async def delete(self, user_id: str, name: str) -> None:
        """Remove the tag from every item of the user, then from the vocabulary."""
        await self.get(user_id, name)

        async def work(session: AsyncClientSession) -> None:
            await self._cascade(user_id, name, None, session)
            await self._store.delete(user_id, name, session)

        await in_transaction(self._client, work)

    async def _cascade(
        self, user_id: str, old: str, new: str | None, session: AsyncClientSession
    ) -> None:
        await self._conversations.retag(user_id, old, new, session)
        await self._notes.retag(user_id, old, new, session)
        await self._snippets.retag(user_id, old, new, session)

    # Tagging items.

    async def tag_conversation(self, user_id: str, conversation_id: str, tag: str) -> ItemTags:
        await self._conversations.authorize(conversation_id, user_id, Operation.TAG)
        tags = await self._conversations.add_tag(conversation_id, tag)
        if tags is None:
            raise ProblemError(
                422, f"An item carries at most {MAX_TAGS_PER_ITEM} tags.", code="too-many-tags"
            )
        await self._store.ensure(user_id, [tag], now())
        return ItemTags(tags=tags)

    async def untag_conversation(self, user_id: str, conversation_id: str, tag: str) -> ItemTags:
        await self._conversations.authorize(conversation_id, user_id, Operation.TAG)
        return ItemTags(tags=await self._conversations.remove_tag(conversation_id, tag))

    async def tag_note(self, user_id: str, note_id: str, tag: str) -> ItemTags:
        return ItemTags(tags=await self._notes.add_tag(user_id, note_id, tag))

    async def untag_note(self, user_id: str, note_id: str, tag: str) -> ItemTags:
        return ItemTags(tags=await self._notes.remove_tag(user_id, note_id, tag))

    async def tag_snippet(self, user_id: str, snippet_id: str, tag: str) -> ItemTags:
        return ItemTags(tags=await self._snippets.add_tag(user_id, snippet_id, tag))

    async def untag_snippet(self, user_id: str, snippet_id: str, tag: str) -> ItemTags:
        return ItemTags(tags=await self._snippets.remove_tag(user_id, snippet_id, tag))
