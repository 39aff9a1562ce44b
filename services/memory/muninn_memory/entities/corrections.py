"""The user's corrections of entities: edit (rename, type, aliases, roles, preferences),
merge, split and delete.

Each correction commits in one transaction with the memories it relinks, the relationships
it moves and its history entries (before and after, who, when); bad input raises before
anything is written. Memories keep their entities' names beside the ids because the index
filters by name, so a correction that renames or relinks marks them for reindexing, and the
index follows after the commit.

What recognition does afterwards follows from what the correction leaves behind (see
``service.py``): the keys of a merged entity live on in the one it was merged into, an alias
split off belongs to the new entity, an edited entity keeps the name the user gave it, and a
deleted entity's keys are kept in its history so an older message does not make it again.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_shared.problems import ProblemError, invalid_field
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.entities.models import Entity, EntityMerge, EntityPatch, EntitySplit
from muninn_memory.entities.recognize import alias_key
from muninn_memory.entities.service import EntityService, entity_from_doc, keys_for
from muninn_memory.entities.store import EntityStore
from muninn_memory.memories.ledger import MemoryLedger

Doc = dict[str, Any]
EDITABLE = ("name", "type", "aliases", "roles", "description", "preferences")


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(v for v in values if v))


def _snapshot(doc: Doc) -> Doc:
    """What an entry records of an entity: the fields a user may correct."""
    return {field: doc.get(field) for field in EDITABLE}


def _changed(before: Doc, after: Doc) -> tuple[Doc, Doc]:
    fields = [f for f in EDITABLE if before.get(f) != after.get(f)]
    return {f: before.get(f) for f in fields}, {f: after.get(f) for f in fields}


def _entry(
    user_id: str,
    entity_id: str,
    operation: str,
    at: datetime,
    *,
    reason: str | None,
    before: Doc | None = None,
    after: Doc | None = None,
    related: str | None = None,
    memory_ids: list[str] | None = None,
    keys: list[str] | None = None,
) -> Doc:
    entry: Doc = {
        "_id": uuid.uuid4().hex,
        "user_id": user_id,
        "entity_id": entity_id,
        "at": at,
        "operation": operation,
        "actor": "user",
        "reason": reason,
        "before": before,
        "after": after,
        "related_entity_id": related,
        "memory_ids": memory_ids or [],
    }
    if keys is not None:
        entry["keys"] = keys  # recognition reads them: see EntityStore.deleted_after
    return entry


def _relinked(
    memory: Doc, replace: dict[str, str | None], names: dict[str, str]
) -> tuple[list[str], list[str]]:
    """A memory's entity ids and names once ``replace`` (old id → new id, or None to unlink)
    is applied, the names of ``names`` given to those ids."""
    ids: list[str] = []
    kept_names: list[str] = []
    old_names = list(memory.get("entity_names") or [])
    for position, entity_id in enumerate(memory.get("entity_ids") or []):
        new_id = replace.get(entity_id, entity_id)
        if new_id is None or new_id in ids:
            continue
        ids.append(new_id)
        old = old_names[position] if position < len(old_names) else ""
        kept_names.append(names.get(new_id, old))
    return ids, kept_names


@dataclass(kw_only=True, eq=False)
class EntityCorrections:
    client: AsyncMongoClient[Doc]
    entities: EntityService
    store: EntityStore
    memories: MemoryLedger

    async def edit(self, user_id: str, entity_id: str, patch: EntityPatch) -> Entity:
        fields = patch.model_dump(exclude_unset=True, exclude={"reason"}, mode="python")
        touched: list[str] = []

        async def work(session: AsyncClientSession) -> Doc:
            doc = await self._current(user_id, entity_id, session)
            name = str(fields["name"] if "name" in fields else doc["name"])
            aliases = (
                _unique([name, *fields["aliases"]])
                if "aliases" in fields
                else _unique([*(doc.get("aliases") or []), name])
            )
            roles = _unique(fields["roles"] if "roles" in fields else doc.get("roles") or [])
            kind = str(fields["type"] if "type" in fields else doc["type"])
            updated = {
                **doc,
                "name": name,
                "type": kind,
                "aliases": aliases,
                "roles": roles,
                "description": fields.get("description", doc.get("description")),
                "preferences": fields.get("preferences", doc.get("preferences") or []),
                "keys": keys_for(name, tuple(aliases), tuple(roles), kind),
            }
            before, after = _changed(doc, updated)
            if not after:
                return doc
            now = datetime.now(UTC)
            if name != doc["name"]:
                updated["placeholder"] = False
            updated.update(corrected=True, updated_at=now)
            await self.store.replace(updated, session)
            if name != doc["name"]:
                touched.extend(
                    await self._relink(user_id, [entity_id], {}, {entity_id: name}, session)
                )
            await self.store.add_history(
                user_id,
                [
                    _entry(
                        user_id,
                        entity_id,
                        "edited",
                        now,
                        reason=patch.reason,
                        before=before,
                        after=after,
                    )
                ],
                session,
            )
            return updated

        doc = await in_transaction(self.client, work)
        await self.memories.reindex(user_id, touched)
        return entity_from_doc(doc)

    async def merge(self, user_id: str, entity_id: str, request: EntityMerge) -> Entity:
        """``entity_id`` into ``request.into``: the surviving entity, with both's names,
        memories, relationships and contacts."""
        if request.into == entity_id:
            raise invalid_field(
                "An entity cannot be merged into itself.",
                loc=("body", "into"),
                msg="is the entity being merged",
            )
        touched: list[str] = []

        async def work(session: AsyncClientSession) -> Doc:
            source = await self._current(user_id, entity_id, session)
            target = await self._current(user_id, request.into, session)
            now = datetime.now(UTC)
            # A placeholder ("My dentist") merged with a named entity takes its name.
            renamed = target.get("placeholder") and not source.get("placeholder")
            name = source["name"] if renamed else target["name"]
            counts: Counter[str] = Counter(target.get("context_counts") or {})
            counts.update(source.get("context_counts") or {})
            aliases = _unique(
                [
                    name,
                    *(target.get("aliases") or []),
                    source["name"],
                    *(source.get("aliases") or []),
                ]
            )
            roles = _unique([*(target.get("roles") or []), *(source.get("roles") or [])])
            known = {alias_key(p["preference"]) for p in target.get("preferences") or []}
            merged = {
                **target,
                "name": name,
                "aliases": aliases,
                "roles": roles,
                "keys": sorted({*(target.get("keys") or []), *(source.get("keys") or [])}),
                "placeholder": bool(target.get("placeholder") and source.get("placeholder")),
                "description": target.get("description") or source.get("description"),
                "preferences": [
                    *(target.get("preferences") or []),
                    *(
                        p
                        for p in source.get("preferences") or []
                        if alias_key(p["preference"]) not in known
                    ),
                ],
                "context_counts": dict(counts),
                "mention_count": int(target.get("mention_count", 0))
                + int(source.get("mention_count", 0)),
                "first_mentioned_at": min(
                    target["first_mentioned_at"], source["first_mentioned_at"]
                ),
                "last_mentioned_at": max(target["last_mentioned_at"], source["last_mentioned_at"]),
                "corrected": True,
                "updated_at": now,
            }
            for field in ("contact_ids", "emails", "phones"):
                values = _unique([*(target.get(field) or []), *(source.get(field) or [])])
                if values:
                    merged[field] = values
            await self.store.replace(merged, session)
            moved = await self._relink(
                user_id,
                [entity_id],
                {entity_id: target["_id"]},
                {target["_id"]: name},
                session,
            )
            touched.extend(moved)
            if renamed:
                touched.extend(
                    await self._relink(user_id, [target["_id"]], {}, {target["_id"]: name}, session)
                )
            await self.store.move_relationships(user_id, entity_id, target["_id"], session)
            await self.store.delete(user_id, entity_id, session)
            before, after = _changed(target, merged)
            await self.store.add_history(
                user_id,
                [
                    _entry(
                        user_id,
                        entity_id,
                        "merged",
                        now,
                        reason=request.reason,
                        before=_snapshot(source),
                        related=target["_id"],
                        memory_ids=moved,
                    ),
                    _entry(
                        user_id,
                        target["_id"],
                        "absorbed",
                        now,
                        reason=request.reason,
                        before=before,
                        after=after,
                        related=entity_id,
                        memory_ids=moved,
                    ),
                ],
                session,
            )
            return merged

        doc = await in_transaction(self.client, work)
        await self.memories.reindex(user_id, touched)
        return entity_from_doc(doc)

    async def split(self, user_id: str, entity_id: str, request: EntitySplit) -> Entity:
        """A new entity from some of ``entity_id``'s memories (and aliases and roles)."""
        wanted = _unique(request.memory_ids)
        moved_ids: list[str] = []

        async def work(session: AsyncClientSession) -> Doc:
            original = await self._current(user_id, entity_id, session)
            linked = {
                m["_id"]: m
                for m in await self.memories.linked_to_entity(user_id, entity_id, session)
            }
            strangers = [m for m in wanted if m not in linked]
            if strangers:
                raise invalid_field(
                    "Only memories of this entity can be split off.",
                    loc=("body", "memory_ids"),
                    msg=f"not memories of this entity: {', '.join(strangers[:5])}",
                )
            taken = {alias_key(a) for a in request.aliases}
            if alias_key(original["name"]) in taken:
                raise invalid_field(
                    "The original's own name cannot move; rename it first.",
                    loc=("body", "aliases"),
                    msg=f"is the name of the entity split: {original['name']}",
                )
            now = datetime.now(UTC)
            moving = [linked[m] for m in wanted]
            kind = request.type or original["type"]
            aliases = _unique([request.name, *request.aliases])
            roles = _unique(request.roles)
            contexts = Counter(str(m.get("context") or "personal") for m in moving)
            new: Doc = {
                "_id": uuid.uuid4().hex,
                "user_id": user_id,
                "name": request.name,
                "type": kind,
                "aliases": aliases,
                "keys": keys_for(request.name, tuple(aliases), tuple(roles), kind),
                "roles": roles,
                "placeholder": False,
                "corrected": True,
                "description": None,
                "preferences": [],
                "context_counts": dict(contexts),
                "mention_count": len(moving),
                "first_mentioned_at": min(m["occurred_at"] for m in moving),
                "last_mentioned_at": max(m["occurred_at"] for m in moving),
                "created_at": now,
                "updated_at": now,
            }
            kept_aliases = [a for a in original.get("aliases") or [] if alias_key(a) not in taken]
            kept_roles = [r for r in original.get("roles") or [] if r not in roles]
            left: Counter[str] = Counter(original.get("context_counts") or {})
            left.subtract(contexts)
            rest = {
                **original,
                "aliases": kept_aliases,
                "roles": kept_roles,
                "keys": keys_for(
                    original["name"], tuple(kept_aliases), tuple(kept_roles), original["type"]
                ),
                "context_counts": {c: n for c, n in left.items() if n > 0},
                "mention_count": max(0, int(original.get("mention_count", 0)) - len(moving)),
                "corrected": True,
                "updated_at": now,
            }
            await self.store.insert(new, session)
            await self.store.replace(rest, session)
            for memory in moving:
                ids, names = _relinked(memory, {entity_id: new["_id"]}, {new["_id"]: request.name})
                await self.memories.set_entities(user_id, memory["_id"], ids, names, session)
            moved_ids.extend(wanted)
            before, after = _changed(original, rest)
            await self.store.add_history(
                user_id,
                [
                    _entry(
                        user_id,
                        entity_id,
                        "split",
                        now,
                        reason=request.reason,
                        before=before or None,
                        after=after or None,
                        related=new["_id"],
                        memory_ids=wanted,
                    ),
                    _entry(
                        user_id,
                        new["_id"],
                        "created",
                        now,
                        reason=request.reason,
                        after=_snapshot(new),
                        related=entity_id,
                        memory_ids=wanted,
                    ),
                ],
                session,
            )
            return new

        doc = await in_transaction(self.client, work)
        await self.memories.reindex(user_id, moved_ids)
        return entity_from_doc(doc)

    async def delete(self, user_id: str, entity_id: str, reason: str | None) -> None:
        """The entity goes, unlinked from its memories (which stay) and relationships."""
        touched: list[str] = []

        async def work(session: AsyncClientSession) -> None:
            doc = await self._current(user_id, entity_id, session)
            now = datetime.now(UTC)
            touched.extend(await self._relink(user_id, [entity_id], {entity_id: None}, {}, session))
            await self.store.delete_relationships(user_id, entity_id, session)
            await self.store.delete(user_id, entity_id, session)
            await self.store.add_history(
                user_id,
                [
                    _entry(
                        user_id,
                        entity_id,
                        "deleted",
                        now,
                        reason=reason,
                        before=_snapshot(doc),
                        memory_ids=list(touched),
                        keys=list(doc.get("keys") or []),
                    )
                ],
                session,
            )

        await in_transaction(self.client, work)
        await self.memories.reindex(user_id, touched)

    # -- helpers ---------------------------------------------------------------------------

    async def _current(self, user_id: str, entity_id: str, session: AsyncClientSession) -> Doc:
        doc = await self.store.get(user_id, entity_id, session)
        if doc is None:
            await self.entities.get(user_id, entity_id)  # the 404, with a merged one's pointer
            raise ProblemError(
                409, "The entity changed meanwhile; try again.", code="entity-changed"
            )
        return doc

    async def _relink(
        self,
        user_id: str,
        of: list[str],
        replace: dict[str, str | None],
        names: dict[str, str],
        session: AsyncClientSession,
    ) -> list[str]:
        """Relink the memories of the entities ``of``; the ids of the memories changed."""
        changed: list[str] = []
        for entity_id in of:
            for memory in await self.memories.linked_to_entity(user_id, entity_id, session):
                ids, kept = _relinked(memory, replace, names)
                if ids == list(memory.get("entity_ids") or []) and kept == list(
                    memory.get("entity_names") or []
                ):
                    continue
                await self.memories.set_entities(user_id, memory["_id"], ids, kept, session)
                changed.append(memory["_id"])
        return changed
