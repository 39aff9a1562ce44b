"""Resolving mentions to entities (merging aliases), counting mentions, serving entities.

Resolution, in order: a known alias ("Dr. Mary" and "Mary" share the key "mary"); for a
person, the first name of a known full name or the reverse ("Mary" ↔ "Mary Johnson") when
exactly one fits; a bare role ("the dentist") goes to the one entity in that role, or to a
placeholder ("My dentist") that the first named mention in that role takes over.

Resolution follows the user's corrections (``corrections.py``): the keys it matches are
the ones the user left an entity (a merged entity's names belong to the one it was merged
into, a split-off alias to the new entity); an entity the user named keeps that name; and a
deleted entity is not made again from a mention said before it was deleted (a replayed or
re-synced message), while a mention said afterwards makes a new one.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_shared.pagination import decode_cursor, one_page
from muninn_shared.problems import ProblemError, not_found
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.entities.models import (
    Entity,
    EntityChange,
    EntityDetail,
    EntityHistory,
    EntityPage,
    EntityPreference,
    Relationship,
)
from muninn_memory.entities.recognize import EntityMention, Recognition, alias_key, strip_title
from muninn_memory.entities.store import EntityStore
from muninn_memory.extraction.rules import UNIQUE_ROLES

Doc = dict[str, Any]

CLOSE_ROLES = frozenset(
    {
        "self",
        "wife",
        "husband",
        "partner",
        "girlfriend",
        "boyfriend",
        "fiance",
        "fiancee",
        "mom",
        "mother",
        "mum",
        "dad",
        "father",
        "sister",
        "brother",
        "son",
        "daughter",
        "best friend",
        "pet",
        "kid",
        "child",
        "home",
        "employer",
    }
)
TYPED_RELATION_BASE = 5
LOOSE_RELATION_BASE = 2


@dataclass(frozen=True)
class ResolvedEntity:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...]
    contact_ids: tuple[str, ...] = ()


def importance(doc: Mapping[str, Any]) -> int:
    mentions = int(doc.get("mention_count", 1))
    roles = set(doc.get("roles") or [])
    bonus = 2 if roles & CLOSE_ROLES else 1 if roles else 0
    return max(1, min(10, 1 + round(2 * math.log2(1 + mentions)) + bonus))


def relation_strength(relationship: str, mentions: int) -> int:
    base = LOOSE_RELATION_BASE if relationship == "mentioned with" else TYPED_RELATION_BASE
    return max(1, min(10, base + mentions - 1))


def entity_from_doc(doc: Mapping[str, Any]) -> Entity:
    contexts: dict[str, int] = doc.get("context_counts") or {}
    primary = max(contexts, key=lambda c: contexts[c]) if contexts else "personal"
    roles = list(doc.get("roles") or [])
    return Entity(
        id=doc["_id"],
        name=doc["name"],
        type=doc["type"],
        aliases=list(doc.get("aliases") or []),
        role=roles[0] if roles else None,
        roles=roles,
        description=doc.get("description"),
        primary_context=primary,
        contexts=sorted(contexts, key=lambda c: -contexts[c]),
        mention_count=int(doc.get("mention_count", 0)),
        first_mentioned_at=doc["first_mentioned_at"],
        last_mentioned_at=doc["last_mentioned_at"],
        importance=importance(doc),
        contact_ids=list(doc.get("contact_ids") or []),
        preferences=[EntityPreference.model_validate(p) for p in doc.get("preferences") or []],
        corrected=bool(doc.get("corrected")),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def change_from_doc(doc: Mapping[str, Any]) -> EntityChange:
    return EntityChange(
        id=doc["_id"],
        entity_id=doc["entity_id"],
        at=doc["at"],
        operation=doc["operation"],
        reason=doc.get("reason"),
        before=doc.get("before"),
        after=doc.get("after"),
        related_entity_id=doc.get("related_entity_id"),
        memory_ids=list(doc.get("memory_ids") or []),
    )


def _resolved(doc: Doc) -> ResolvedEntity:
    return ResolvedEntity(
        doc["_id"],
        doc["name"],
        doc["type"],
        tuple(doc.get("aliases") or ()),
        tuple(doc.get("contact_ids") or ()),
    )


def keys_for(name: str, aliases: tuple[str, ...], roles: tuple[str, ...], kind: str) -> list[str]:
    """Every key an entity of this name, aliases, roles and type is found by."""
    keys = set(_keys_for(name, aliases, None, kind))
    keys.update(f"role:{role}" for role in roles)
    return sorted(keys)


def _keys_for(name: str, aliases: tuple[str, ...], role: str | None, kind: str) -> list[str]:
    keys = {
        alias_key(a)
        for a in (name, *aliases)
        if alias_key(a) and not alias_key(a).startswith(("my ", "the "))
    }
    if kind == "person":
        full = alias_key(name).split()
        if len(full) > 1:
            keys.add(f"first:{full[0]}")
    if role:
        keys.add(f"role:{role}")
    return sorted(keys)


class EntityService:
    def __init__(self, store: EntityStore) -> None:
        self._store = store

    # -- ingestion ------------------------------------------------------------------------

    async def record(
        self,
        user_id: str,
        recognition: Recognition,
        *,
        at: datetime,
        context: str,
        session: AsyncClientSession | None = None,
    ) -> list[ResolvedEntity | None]:
        """Resolve every mention (creating or merging entities), count it, link co-mentions.

        Returns one entry per mention (None when a bare role is ambiguous).
        """
        resolved: list[ResolvedEntity | None] = []
        counted: set[str] = set()
        for mention in recognition.mentions:
            doc = await self._resolve(
                user_id,
                mention,
                at=at,
                context=context,
                count=True,
                counted=counted,
                session=session,
            )
            resolved.append(
                ResolvedEntity(
                    doc["_id"], doc["name"], doc["type"], tuple(doc.get("aliases") or ())
                )
                if doc
                else None
            )
        for first, second, relationship in recognition.links:
            a, b = resolved[first], resolved[second]
            if a is not None and b is not None and a.id != b.id:
                await self._store.link(
                    user_id, a.id, b.id, relationship, at=at, context=context, session=session
                )
        return resolved

    async def _resolve(
        self,
        user_id: str,
        mention: EntityMention,
        *,
        at: datetime,
        context: str,
        count: bool,
        counted: set[str],
        session: AsyncClientSession | None,
    ) -> Doc | None:
        match, rename = await self._find(user_id, mention, session)
        if match is None and await self._deleted_by_user(user_id, mention, at, session):
            return None
        if match is None and mention.name is None:
            role = mention.role or "contact"
            if role not in UNIQUE_ROLES and await self._store.by_role(user_id, role, session):
                return None  # "my friend" with several friends known: who is meant is unclear
            return await self._create(
                user_id,
                f"My {role}",
                mention,
                at=at,
                context=context,
                placeholder=True,
                session=session,
            )
        if match is None:
            assert mention.name is not None
            return await self._create(
                user_id,
                mention.name,
                mention,
                at=at,
                context=context,
                placeholder=False,
                session=session,
            )
        return await self._touch(
            user_id,
            match,
            mention,
            rename=rename,
            at=at,
            context=context,
            count=match["_id"] not in counted,
            counted=counted,
            session=session,
        )

    async def _deleted_by_user(
        self,
        user_id: str,
        mention: EntityMention,
        at: datetime,
        session: AsyncClientSession | None,
    ) -> bool:
        """A mention said no later than the user deleted the entity it would make again."""
        if mention.name is None:
            keys = [f"role:{mention.role or 'contact'}"]
        else:
            roles = (mention.role,) if mention.role else ()
            keys = keys_for(mention.name, mention.aliases, roles, mention.type)
        return await self._store.deleted_after(user_id, keys, at, session)

    async def _find(
        self, user_id: str, mention: EntityMention, session: AsyncClientSession | None
    ) -> tuple[Doc | None, str | None]:
        """The entity a mention refers to, and a better name for it if the mention brings one."""
        if mention.name is None:
            in_role = await self._store.by_role(user_id, mention.role or "contact", session)
            return (in_role[0], None) if len(in_role) == 1 else (None, None)
        key = alias_key(mention.name)
        compatible = [
            d
            for d in await self._store.by_keys(user_id, [key], session)
            if d["type"] == mention.type or mention.type == "person"
        ]
        if compatible:
            best = max(compatible, key=lambda d: d.get("mention_count", 0))
            return best, None
        if mention.type == "person":
            tokens = key.split()
            if len(tokens) == 1:
                full = [
                    d
                    for d in await self._store.by_keys(user_id, [f"first:{tokens[0]}"], session)
                    if d["type"] == "person"
                ]
                if len(full) == 1:
                    return full[0], None
            else:
                short = [
                    d
                    for d in await self._store.by_keys(user_id, [tokens[0]], session)
                    if d["type"] == "person"
                    and len(alias_key(d["name"]).split()) == 1
                    and not d.get("placeholder")
                ]
                if len(short) == 1:
                    return short[0], strip_title(mention.name) if len(
                        strip_title(mention.name)
                    ) > len(strip_title(short[0]["name"])) else None
        if mention.role and mention.role in UNIQUE_ROLES:
            placeholders = [
                d
                for d in await self._store.by_role(user_id, mention.role, session)
                if d.get("placeholder")
            ]
            if len(placeholders) == 1:
                return placeholders[0], mention.name
        return None, None

    async def _create(
        self,
        user_id: str,
        name: str,
        mention: EntityMention,
        *,
        at: datetime,
        context: str,
        placeholder: bool,
        session: AsyncClientSession | None,
    ) -> Doc:
        now = datetime.now(UTC)
        aliases = tuple(a for a in dict.fromkeys((name, *mention.aliases)) if a)
        doc: Doc = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "name": name,
            "type": mention.type,
            "aliases": list(aliases),
            "keys": _keys_for(name, aliases if not placeholder else (), mention.role, mention.type),
            "roles": [mention.role] if mention.role else [],
            "placeholder": placeholder,
            "description": None,
            "context_counts": {context: 1},
            "mention_count": 1,
            "first_mentioned_at": at,
            "last_mentioned_at": at,
            "created_at": now,
            "updated_at": now,
        }
        await self._store.insert(doc, session)
        return doc

    async def _touch(
        self,
        user_id: str,
        doc: Doc,
        mention: EntityMention,
        *,
        rename: str | None,
        at: datetime,
        context: str,
        count: bool,
        counted: set[str],
        session: AsyncClientSession | None,
    ) -> Doc:
        counted.add(doc["_id"])
        if doc.get("corrected"):
            rename = None  # the user named it: a mention does not rename it
        name = rename or doc["name"]
        new_aliases = [a for a in (mention.name, *mention.aliases) if a]
        keys = _keys_for(name, tuple(a for a in new_aliases), mention.role, doc["type"])
        update: Doc = {
            "$addToSet": {"aliases": {"$each": new_aliases}, "keys": {"$each": keys}},
            "$max": {"last_mentioned_at": at},
            "$min": {"first_mentioned_at": at},
            "$set": {"updated_at": datetime.now(UTC)},
            "$inc": {f"context_counts.{context}": 1, "mention_count": 1 if count else 0},
        }
        if mention.role:
            update["$addToSet"]["roles"] = mention.role
        if rename:
            update["$set"].update({"name": rename, "placeholder": False})
        updated = await self._store.update(user_id, doc["_id"], update, session)
        return updated or doc

    async def resolve_filter(self, user_id: str, names_or_ids: list[str]) -> list[ResolvedEntity]:
        """Entities a search or list filter names, by id, name or alias."""
        found: dict[str, Doc] = {d["_id"]: d for d in await self._store.many(user_id, names_or_ids)}
        keys = [alias_key(n) for n in names_or_ids if alias_key(n)]
        keys += [f"role:{k[3:]}" for k in keys if k.startswith(("my ", "the "))]
        for doc in await self._store.by_keys(user_id, keys):
            found[doc["_id"]] = doc
        return [_resolved(d) for d in found.values()]

    # -- contacts -------------------------------------------------------------------------

    async def link_contact(
        self,
        user_id: str,
        contact_id: str,
        *,
        name: str | None,
        emails: list[str],
        phones: list[str],
        session: AsyncClientSession,
    ) -> str | None:
        """Link a contact to the person entity that is the same person; the entity's id.

        The same person is the one entity that knows one of the contact's e-mail addresses or
        phone numbers, else the one person whose full name is exactly the contact's. A
        contact whose details changed moves to its new match; one without a match is
        unlinked. The entity learns the contact's addresses, so a later rename still matches.
        """
        match = await self._contact_match(user_id, name, emails, phones, session)
        for doc in await self._store.linked_to(user_id, contact_id, session):
            if match is None or doc["_id"] != match["_id"]:
                await self._store.update(
                    user_id, doc["_id"], {"$pull": {"contact_ids": contact_id}}, session
                )
        if match is None:
            return None
        await self._store.update(
            user_id,
            match["_id"],
            {
                "$addToSet": {
                    "contact_ids": contact_id,
                    "emails": {"$each": emails},
                    "phones": {"$each": phones},
                },
                "$set": {"updated_at": datetime.now(UTC)},
            },
            session,
        )
        return str(match["_id"])

    async def _contact_match(
        self,
        user_id: str,
        name: str | None,
        emails: list[str],
        phones: list[str],
        session: AsyncClientSession,
    ) -> Doc | None:
        reached = await self._store.people_reached_at(user_id, emails, phones, session)
        if len(reached) == 1:
            return reached[0]
        if reached or not name or not alias_key(name):
            return None  # two people share an address: no guess
        key = alias_key(name)
        same_name = [
            d
            for d in await self._store.by_keys(user_id, [key], session)
            if d["type"] == "person" and alias_key(d["name"]) == key and not d.get("placeholder")
        ]
        return same_name[0] if len(same_name) == 1 else None

    async def unlink_contact(
        self, user_id: str, contact_id: str, session: AsyncClientSession
    ) -> None:
        for doc in await self._store.linked_to(user_id, contact_id, session):
            await self._store.update(
                user_id, doc["_id"], {"$pull": {"contact_ids": contact_id}}, session
            )

    async def people_named(self, user_id: str, names: list[str]) -> list[ResolvedEntity]:
        """The person entities these names stand for: an exact name or alias, or a first name
        that only one known full name has. One database read for every name and its first-name
        key (a search naming someone waits on it)."""
        keys = [key for key in dict.fromkeys(alias_key(name) for name in names) if key]
        firsts = {key: f"first:{key}" for key in keys if len(key.split()) == 1}
        if not keys:
            return []
        people = [
            d
            for d in await self._store.by_keys(user_id, [*keys, *firsts.values()])
            if d["type"] == "person"
        ]
        found: dict[str, Doc] = {}
        for key in keys:
            exact = [d for d in people if key in d.get("keys", ())]
            if not exact and key in firsts:
                exact = [d for d in people if firsts[key] in d.get("keys", ())]
                exact = exact if len(exact) == 1 else []
            found.update((d["_id"], d) for d in exact)
        return [_resolved(d) for d in found.values()]

    # -- reading --------------------------------------------------------------------------

    async def page(
        self,
        user_id: str,
        *,
        type_: str | None,
        query: str | None,
        role: str | None,
        cursor: str | None,
        limit: int,
    ) -> EntityPage:
        after = decode_cursor(cursor) if cursor else None
        docs = await self._store.page(
            user_id, type_=type_, query=query, role=role, after=after, limit=limit + 1
        )
        items, next_cursor = one_page(docs, limit, entity_from_doc, field="last_mentioned_at")
        return EntityPage(items=items, next_cursor=next_cursor)

    async def get(self, user_id: str, entity_id: str) -> Doc:
        doc = await self._store.get(user_id, entity_id)
        if doc is None:
            merged = await self.merged_into(user_id, entity_id)
            if merged is not None:
                # Gone, with a pointer: its history names the surviving entity too.
                raise ProblemError(
                    404, f"The entity was merged into {merged}.", code="entity-merged"
                )
            raise not_found("Entity")
        return doc

    async def merged_into(self, user_id: str, entity_id: str) -> str | None:
        """Where a merged entity went, following later merges of where it went."""
        seen: set[str] = set()
        current: str | None = None
        at = entity_id
        while at not in seen:
            seen.add(at)
            merges = [
                c for c in await self._store.history_of(user_id, at) if c["operation"] == "merged"
            ]
            if not merges:
                break
            current = at = str(merges[-1]["related_entity_id"])
        return current

    async def history(self, user_id: str, entity_id: str) -> EntityHistory:
        """Every correction of an entity, also once it was merged or deleted."""
        entries = await self._store.history_of(user_id, entity_id)
        doc = await self._store.get(user_id, entity_id)
        if doc is None and not entries:
            raise not_found("Entity")
        merged = await self.merged_into(user_id, entity_id) if doc is None else None
        return EntityHistory(
            entity_id=entity_id,
            entity=entity_from_doc(doc) if doc is not None else None,
            merged_into=merged,
            deleted=doc is None and merged is None,
            changes=[change_from_doc(e) for e in entries],
        )

    async def relationships(self, user_id: str, entity_id: str) -> list[Relationship]:
        rows = await self._store.relationships_of(user_id, entity_id)
        others = {
            d["_id"]: d
            for d in await self._store.many(
                user_id,
                [r["target_id"] if r["source_id"] == entity_id else r["source_id"] for r in rows],
            )
        }
        relationships: list[Relationship] = []
        for row in rows:
            other_id = row["target_id"] if row["source_id"] == entity_id else row["source_id"]
            other = others.get(other_id)
            if other is None:
                continue
            mentions = int(row.get("mentions", 1))
            relationships.append(
                Relationship(
                    entity_id=other_id,
                    name=other["name"],
                    type=other["type"],
                    relationship=row["relationship"],
                    strength=relation_strength(row["relationship"], mentions),
                    mentions=mentions,
                    context=row.get("context"),
                    last_seen_at=row["last_seen_at"],
                )
            )
        return relationships

    async def detail(self, user_id: str, entity_id: str, memories: list[Any]) -> EntityDetail:
        doc = await self.get(user_id, entity_id)
        entity = entity_from_doc(doc)
        return EntityDetail(
            **entity.model_dump(),
            relationships=await self.relationships(user_id, entity_id),
            memories=memories,
        )

    async def docs(self, user_id: str, ids: list[str]) -> list[Doc]:
        """The stored entities among ``ids`` (for hydrating memories and summaries)."""
        return await self._store.many(user_id, ids)

    async def all_docs(self, user_id: str) -> list[Doc]:
        """Every stored entity of the user, as an export carries them."""
        return await self._store.all_for(user_id)

    async def all_changes(self, user_id: str) -> list[Doc]:
        """Every correction of the user's entities, as an export carries them."""
        return [
            change_from_doc(d).model_dump(mode="json")
            for d in await self._store.all_history(user_id)
        ]

    async def relationships_since(self, user_id: str, start: datetime, end: datetime) -> list[Doc]:
        """Relationships first seen in ``[start, end)``, most mentioned first."""
        return await self._store.relationships_since(user_id, start, end)

    # -- retention ------------------------------------------------------------------------

    async def delete_stale(
        self, user_id: str, cutoff: datetime, session: AsyncClientSession | None = None
    ) -> int:
        """Entities last mentioned before ``cutoff``, and relationships last seen before it."""
        return await self._store.delete_stale(user_id, cutoff, session)
