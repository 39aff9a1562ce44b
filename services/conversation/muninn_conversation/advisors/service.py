"""Advisors: the marketplace, custom personas, the advisory board, team templates, and who answers a turn.

Visibility: a user sees built-in advisors, public ones and their own. Another user's private
advisor answers 404 (its existence is not revealed); a visible advisor that is not yours
answers 403 to a change. Inside a conversation, every advisor on it is usable by every
participant — the owner chose them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from muninn_shared.logging import get_logger
from muninn_shared.pagination import decode_cursor, encode_cursor
from muninn_shared.problems import ProblemError, not_found
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_conversation.advisors.catalogue import ADVISORS, TEAMS, CatalogueAdvisor, CatalogueTeam
from muninn_conversation.advisors.mentions import MentionTarget, find_mentions, slugify
from muninn_conversation.advisors.models import (
    PERSONA_SCHEMA_VERSION,
    Advisor,
    AdvisorCreate,
    AdvisorPage,
    AdvisorPatch,
    AdvisorStatus,
    Board,
    BoardEntry,
    BoardSelect,
    BoardSource,
    ConversationAdvisors,
    Persona,
    RoleDefinition,
    TeamTemplate,
    TemplateApplied,
)
from muninn_conversation.advisors.prompt import Companion, render_persona
from muninn_conversation.advisors.store import AdvisorStore, MemoryStore
from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService

log = get_logger(__name__)

Doc = dict[str, Any]
BOARD_LIMIT = 50
CONVERSATION_ADVISOR_LIMIT = 12  # the conversation model's own bound on advisor_ids


@dataclass(frozen=True)
class TurnAdvisor:
    """Who answers a user's message, and the persona text the model is given for it."""

    advisor_id: str
    name: str
    persona: str
    reason: Literal["explicit", "mention", "sole"]
    mentions: list[str] = field(default_factory=list)


def catalogue_advisor_doc(entry: CatalogueAdvisor) -> Doc:
    return {
        "_id": entry.id,
        "user_id": None,
        "handle": entry.handle,
        "persona": entry.persona.model_dump(mode="json"),
        "role_definition": entry.role_definition.model_dump(mode="json"),
        "category": entry.category,
        "tags": list(entry.tags),
        "is_public": True,
        "featured": entry.featured,
        "status": AdvisorStatus.ACTIVE.value,
        "localization": entry.localization.model_dump(mode="json"),
        "model_hint": None,
        "image_url": entry.persona.image,
        "schema_version": PERSONA_SCHEMA_VERSION,
    }


def catalogue_team_doc(entry: CatalogueTeam) -> Doc:
    return {
        "_id": entry.id,
        "user_id": None,
        "name": entry.name,
        "description": entry.description,
        "category": entry.category,
        "advisor_ids": list(entry.advisor_ids),
        "icon": entry.icon,
        "featured": entry.featured,
        "sort_order": entry.sort_order,
    }


def is_visible(doc: Doc, user_id: str) -> bool:
    return doc.get("user_id") is None or doc.get("user_id") == user_id or bool(doc.get("is_public"))


def advisor_from_doc(
    doc: Doc, user_id: str, board_ids: set[str] | frozenset[str] = frozenset()
) -> Advisor:
    fields = {
        k: v
        for k, v in doc.items()
        if k in Advisor.model_fields and k not in ("id", "built_in", "is_mine", "on_board")
    }
    return Advisor(
        id=doc["_id"],
        built_in=doc.get("user_id") is None,
        is_mine=doc.get("user_id") == user_id,
        on_board=doc["_id"] in board_ids,
        **fields,
    )


def default_handle(name: str) -> str:
    handle = slugify(name)
    return handle if len(handle) >= 2 else f"advisor-{uuid.uuid4().hex[:6]}"


class AdvisorService:
    def __init__(
        self,
        client: AsyncMongoClient[Doc],
        store: AdvisorStore,
        memories: MemoryStore,
        access: ConversationService,
        *,
        board_limit: int = BOARD_LIMIT,
    ) -> None:
        self._client = client
        self._store = store
        self._memories = memories
        self._access = access
        self._board_limit = board_limit

    async def seed_catalogue(self) -> None:
        await self._store.seed(
            [catalogue_advisor_doc(a) for a in ADVISORS],
            [catalogue_team_doc(t) for t in TEAMS],
            now=datetime.now(UTC),
        )
        log.info("advisor catalogue seeded", advisors=len(ADVISORS), team_templates=len(TEAMS))

    async def visible_doc(self, advisor_id: str, user_id: str) -> Doc:
        doc = await self._store.get(advisor_id)
        if doc is None or not is_visible(doc, user_id):
            raise not_found("Advisor")
        return doc

    # -- the marketplace -------------------------------------------------------------------

    async def browse(
        self,
        user_id: str,
        *,
        limit: int,
        cursor: str | None,
        category: str | None = None,
        tag: str | None = None,
        featured: bool | None = None,
        q: str | None = None,
        mine: bool = False,
    ) -> AdvisorPage:
        clauses: list[Doc] = [
            {"user_id": user_id}
            if mine
            else {
                "$or": [
                    {"user_id": user_id},
                    {"is_public": True, "status": AdvisorStatus.ACTIVE.value},
                ]
            }
        ]
        if category is not None:
            clauses.append({"category": category})
        if tag is not None:
            clauses.append({"tags": tag.lower()})
        if featured is not None:
            clauses.append({"featured": True} if featured else {"featured": {"$ne": True}})
        if q and q.strip():
            pattern = {"$regex": re.escape(q.strip()), "$options": "i"}
            clauses.append(
                {
                    "$or": [
                        {"persona.name": pattern},
                        {"persona.title": pattern},
                        {"persona.expertise": pattern},
                        {"persona.specialties": pattern},
                        {"handle": pattern},
                        {"tags": pattern},
                    ]
                }
            )
        query = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        docs = await self._store.page(
            query, limit=limit + 1, before=decode_cursor(cursor) if cursor else None
        )
        board_ids = await self._store.board_ids(user_id)
        items = [advisor_from_doc(d, user_id, board_ids) for d in docs[:limit]]
        next_cursor = (
            encode_cursor(docs[limit - 1]["created_at"], docs[limit - 1]["_id"])
            if len(docs) > limit
            else None
        )
        return AdvisorPage(items=items, next_cursor=next_cursor)

    async def get(self, advisor_id: str, user_id: str) -> Advisor:
        doc = await self.visible_doc(advisor_id, user_id)
        return advisor_from_doc(doc, user_id, await self._store.board_ids(user_id))

    # -- custom advisors -------------------------------------------------------------------

    async def create(self, user_id: str, body: AdvisorCreate) -> Advisor:
        now = datetime.now(UTC)
        doc: Doc = {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "handle": body.handle or default_handle(body.persona.name),
            "persona": body.persona.model_dump(mode="json"),
            "role_definition": body.role_definition.model_dump(mode="json")
            if body.role_definition
            else None,
            "category": body.category,
            "tags": body.tags,
            "is_public": body.is_public,
            "featured": False,
            "status": AdvisorStatus.ACTIVE.value,
            "localization": body.localization.model_dump(mode="json")
            if body.localization
            else None,
            "model_hint": body.model_hint,
            "image_url": body.image_url or body.persona.image,
            "schema_version": PERSONA_SCHEMA_VERSION,
            "created_at": now,
            "updated_at": now,
        }
        await self._store.insert(doc)
        return advisor_from_doc(doc, user_id)

    async def _owned_doc(self, advisor_id: str, user_id: str) -> Doc:
        doc = await self.visible_doc(advisor_id, user_id)
        if doc.get("user_id") is None:
            raise ProblemError(
                403,
                "Built-in advisors cannot be changed; create your own advisor instead.",
                code="built-in-advisor",
            )
        if doc["user_id"] != user_id:
            raise ProblemError(
                403, "Only the advisor's creator can change it.", code="not-advisor-creator"
            )
        return doc

    async def update(self, advisor_id: str, user_id: str, patch: AdvisorPatch) -> Advisor:
        await self._owned_doc(advisor_id, user_id)
        changes = patch.model_dump(exclude_unset=True, mode="json")
        changes["updated_at"] = datetime.now(UTC)
        doc = await self._store.update(advisor_id, user_id, changes)
        if doc is None:
            raise not_found("Advisor")
        return advisor_from_doc(doc, user_id, await self._store.board_ids(user_id))

    async def delete(self, advisor_id: str, user_id: str) -> None:
        await self._owned_doc(advisor_id, user_id)

        async def work(session: AsyncClientSession) -> bool:
            return await self._store.delete(advisor_id, user_id, session)

        if not await in_transaction(self._client, work):
            raise not_found("Advisor")

    # -- the advisory board ----------------------------------------------------------------

    async def board(self, user_id: str) -> Board:
        entries = await self._store.board(user_id)
        advisors = await self._store.get_many(e["advisor_id"] for e in entries)
        board_ids = {e["advisor_id"] for e in entries}
        items = []
        for entry in entries:
            doc = advisors.get(entry["advisor_id"])
            # An advisor its creator has since made private is no longer theirs to offer.
            if doc is None or not is_visible(doc, user_id):
                continue
            items.append(
                BoardEntry(
                    advisor=advisor_from_doc(doc, user_id, board_ids),
                    source=BoardSource(entry["source"]),
                    team_id=entry.get("team_id"),
                    selected_at=entry["selected_at"],
                )
            )
        return Board(items=items)

    def _usable(self, doc: Doc) -> None:
        if doc.get("status") != AdvisorStatus.ACTIVE.value:
            raise ProblemError(
                409,
                f"The advisor is {doc.get('status')} and cannot be used now.",
                code="advisor-inactive",
            )

    async def select(self, user_id: str, advisor_id: str, body: BoardSelect) -> BoardEntry:
        doc = await self.visible_doc(advisor_id, user_id)
        self._usable(doc)
        if body.team_id is not None:
            template = await self._store.template(body.team_id)
            if template is None or advisor_id not in template["advisor_ids"]:
                raise ProblemError(
                    422,
                    "team_id must name a team template that includes this advisor.",
                    code="unknown-team",
                )
        board_ids = await self._store.board_ids(user_id)
        if advisor_id not in board_ids and len(board_ids) >= self._board_limit:
            raise ProblemError(
                409,
                f"Your board already has {self._board_limit} advisors; remove one first.",
                code="board-full",
            )
        entry = await self._store.select(
            {
                "_id": uuid.uuid4().hex,
                "user_id": user_id,
                "advisor_id": advisor_id,
                "source": body.source.value,
                "team_id": body.team_id,
                "selected_at": datetime.now(UTC),
            }
        )
        return BoardEntry(
            advisor=advisor_from_doc(doc, user_id, board_ids | {advisor_id}),
            source=BoardSource(entry["source"]),
            team_id=entry.get("team_id"),
            selected_at=entry["selected_at"],
        )

    async def deselect(self, user_id: str, advisor_id: str) -> None:
        if not await self._store.deselect(user_id, advisor_id):
            raise not_found("Advisor on your board")

    # -- team templates --------------------------------------------------------------------

    async def _template_model(
        self, doc: Doc, advisors: dict[str, Doc], user_id: str, board_ids: set[str]
    ) -> TeamTemplate:
        members = [
            advisors[i]
            for i in doc["advisor_ids"]
            if i in advisors and is_visible(advisors[i], user_id)
        ]
        fields = {
            k: v
            for k, v in doc.items()
            if k in TeamTemplate.model_fields and k not in ("id", "advisors")
        }
        return TeamTemplate(
            id=doc["_id"],
            advisors=[advisor_from_doc(a, user_id, board_ids) for a in members],
            **fields,
        )

    async def templates(
        self, user_id: str, *, category: str | None = None, featured: bool | None = None
    ) -> list[TeamTemplate]:
        docs = [
            d
            for d in await self._store.templates()
            if (category is None or d.get("category") == category)
            and (featured is None or bool(d.get("featured")) == featured)
        ]
        advisors = await self._store.get_many(i for d in docs for i in d["advisor_ids"])
        board_ids = await self._store.board_ids(user_id)
        return [await self._template_model(d, advisors, user_id, board_ids) for d in docs]

    async def apply_template(self, user_id: str, template_id: str) -> TemplateApplied:
        template = await self._store.template(template_id)
        if template is None:
            raise not_found("Team template")
        advisors = await self._store.get_many(template["advisor_ids"])
        members = [
            i
            for i in template["advisor_ids"]
            if i in advisors
            and is_visible(advisors[i], user_id)
            and advisors[i].get("status") == AdvisorStatus.ACTIVE.value
        ]
        board_ids = await self._store.board_ids(user_id)
        new = [i for i in members if i not in board_ids]
        if len(board_ids) + len(new) > self._board_limit:
            raise ProblemError(
                409,
                f"Adding this team would put more than {self._board_limit} advisors on your board; remove some first.",
                code="board-full",
            )
        added: list[str] = []
        now = datetime.now(UTC)
        for position, advisor_id in enumerate(new):
            entry = {
                "_id": uuid.uuid4().hex,
                "user_id": user_id,
                "advisor_id": advisor_id,
                "source": BoardSource.TEMPLATE.value,
                "team_id": template_id,
                # A millisecond apart (MongoDB's resolution), so the board keeps the team's order.
                "selected_at": now + timedelta(milliseconds=position),
            }
            if await self._store.add_if_absent(entry):
                added.append(advisor_id)
        return TemplateApplied(
            template_id=template_id,
            added=added,
            already_on_board=[i for i in members if i not in added],
            board=await self.board(user_id),
        )

    # -- advisors in a conversation ----------------------------------------------------------

    async def _conversation_listing(self, conversation: Doc, user_id: str) -> ConversationAdvisors:
        ids = conversation.get("advisor_ids") or []
        docs = await self._store.get_many(ids)
        board_ids = await self._store.board_ids(user_id)
        return ConversationAdvisors(
            conversation_id=conversation["_id"],
            items=[advisor_from_doc(docs[i], user_id, board_ids) for i in ids if i in docs],
        )

    async def conversation_advisors(
        self, conversation_id: str, user_id: str
    ) -> ConversationAdvisors:
        conversation, _ = await self._access.authorize(conversation_id, user_id, Operation.READ)
        return await self._conversation_listing(conversation, user_id)

    async def add_to_conversation(
        self, conversation_id: str, user_id: str, advisor_id: str
    ) -> ConversationAdvisors:
        conversation, _ = await self._access.authorize(
            conversation_id, user_id, Operation.CHANGE_SETTINGS
        )
        doc = await self.visible_doc(advisor_id, user_id)
        self._usable(doc)
        ids = conversation.get("advisor_ids") or []
        if advisor_id not in ids:
            if len(ids) >= CONVERSATION_ADVISOR_LIMIT:
                raise ProblemError(
                    409,
                    f"A conversation has at most {CONVERSATION_ADVISOR_LIMIT} advisors.",
                    code="too-many-advisors",
                )
            updated = await self._access.add_advisor(conversation_id, advisor_id, datetime.now(UTC))
            if updated is None:
                raise not_found("Conversation")
            conversation = updated
        return await self._conversation_listing(conversation, user_id)

    async def remove_from_conversation(
        self, conversation_id: str, user_id: str, advisor_id: str
    ) -> None:
        conversation, _ = await self._access.authorize(
            conversation_id, user_id, Operation.CHANGE_SETTINGS
        )
        if advisor_id not in (conversation.get("advisor_ids") or []):
            raise not_found("Advisor in this conversation")
        await self._access.remove_advisor(conversation_id, advisor_id, datetime.now(UTC))

    # -- who answers a turn ----------------------------------------------------------------

    async def for_turn(
        self, conversation: Doc, user_id: str, content: str, explicit_advisor_id: str | None
    ) -> TurnAdvisor | None:
        """An explicit advisor wins; else the first @mentioned advisor of the conversation; else its only advisor."""
        on_conversation = list(dict.fromkeys(conversation.get("advisor_ids") or []))
        docs = await self._store.get_many(
            [*on_conversation, *([explicit_advisor_id] if explicit_advisor_id else [])]
        )
        members = [
            docs[i]
            for i in on_conversation
            if i in docs and docs[i].get("status") == AdvisorStatus.ACTIVE.value
        ]
        targets = [MentionTarget(d["_id"], d["handle"], d["persona"]["name"]) for d in members]
        mentions = find_mentions(content, targets)

        chosen: Doc | None = None
        reason: Literal["explicit", "mention", "sole"]
        if explicit_advisor_id is not None:
            chosen = docs.get(explicit_advisor_id)
            if chosen is None or (
                explicit_advisor_id not in on_conversation and not is_visible(chosen, user_id)
            ):
                raise not_found("Advisor")
            self._usable(chosen)
            reason = "explicit"
        elif mentions:
            chosen, reason = docs[mentions[0]], "mention"
        elif len(members) == 1:
            chosen, reason = members[0], "sole"
        if chosen is None:
            return None
        companions = [
            Companion(name=d["persona"]["name"], title=d["persona"]["title"], handle=d["handle"])
            for d in members
            if d["_id"] != chosen["_id"]
        ]
        persona = await self.persona_text(chosen, conversation["_id"], companions)
        return TurnAdvisor(
            advisor_id=chosen["_id"],
            name=chosen["persona"]["name"],
            persona=persona,
            reason=reason,
            mentions=mentions,
        )

    async def persona_text(
        self, doc: Doc, conversation_id: str, companions: list[Companion]
    ) -> str:
        notes = [
            (m["key"], m["value"])
            for m in await self._memories.entries(conversation_id, doc["_id"])
        ]
        role = (
            RoleDefinition.model_validate(doc["role_definition"])
            if doc.get("role_definition")
            else None
        )
        return render_persona(
            Persona.model_validate(doc["persona"]), role=role, memory=notes, companions=companions
        )
