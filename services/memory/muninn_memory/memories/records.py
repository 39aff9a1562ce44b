"""How a memory is laid out in MongoDB, and how it becomes an API model or an index entry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from muninn_memory.extraction.text import normalized
from muninn_memory.indexing.models import PENDING
from muninn_memory.memories.models import EntityRef, Memory, MemoryStatus, Provenance
from muninn_memory.retrieval.port import IndexedMemory

Doc = dict[str, Any]

_CAPTION_KEYS = ("caption", "image_caption", "blip_caption")


def new_memory_doc(
    *,
    user_id: str,
    content: str,
    type_: str,
    context: str,
    importance: int,
    sentiment: str,
    occurred_at: datetime,
    provenance: Provenance,
    slot: str | None = None,
    event_at: datetime | None = None,
    entity_ids: list[str] | None = None,
    entity_names: list[str] | None = None,
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    expires_at: datetime | None = None,
    status: MemoryStatus = MemoryStatus.ACTIVE,
    valid_to: datetime | None = None,
    supersedes: str | None = None,
    superseded_by: str | None = None,
    lineage_id: str | None = None,
    version: int = 1,
    embedding_model: str | None = None,
    memory_id: str | None = None,
    contact_id: str | None = None,
    contact_ids: list[str] | None = None,
) -> Doc:
    now = datetime.now(UTC)
    memory_id = memory_id or uuid.uuid4().hex
    return {
        "_id": memory_id,
        "user_id": user_id,
        "content": content,
        "normalized": normalized(content),
        "type": type_,
        "context": context,
        "importance": max(1, min(10, importance)),
        "sentiment": sentiment,
        "slot": slot,
        "entity_ids": entity_ids or [],
        "entity_names": entity_names or [],
        "tags": tags or [],
        "metadata": metadata or {},
        "contact_id": contact_id,
        "contact_ids": sorted({*(contact_ids or []), *([contact_id] if contact_id else [])}),
        "status": status.value,
        "version": version,
        "lineage_id": lineage_id or memory_id,
        "occurred_at": occurred_at,
        "event_at": event_at,
        "valid_from": occurred_at,
        "valid_to": valid_to,
        "supersedes": supersedes,
        "superseded_by": superseded_by,
        "expires_at": expires_at,
        "embedding_model": embedding_model,
        "provenance": provenance.model_dump(mode="python"),
        "index_state": PENDING,
        "index_rev": 1,
        "created_at": now,
        "updated_at": now,
    }


def memory_from_doc(doc: Doc, entities: dict[str, Doc] | None = None) -> Memory:
    refs: list[EntityRef] = []
    names = list(doc.get("entity_names") or [])
    for position, entity_id in enumerate(doc.get("entity_ids") or []):
        entity = (entities or {}).get(entity_id)
        if entity is not None:
            refs.append(EntityRef(id=entity_id, name=entity["name"], type=entity["type"]))
        elif position < len(names):
            refs.append(EntityRef(id=entity_id, name=names[position], type="unknown"))
    return Memory(
        id=doc["_id"],
        content=doc["content"],
        type=doc["type"],
        context=doc.get("context") or "personal",
        importance=doc.get("importance", 5),
        sentiment=doc.get("sentiment", "neutral"),
        entities=refs,
        tags=list(doc.get("tags") or []),
        metadata=dict(doc.get("metadata") or {}),
        scope={str(k): str(v) for k, v in (doc.get("scope") or {}).items()},
        contact_id=doc.get("contact_id"),
        contact_ids=list(doc.get("contact_ids") or []),
        status=doc["status"],
        version=doc.get("version", 1),
        occurred_at=doc["occurred_at"],
        event_at=doc.get("event_at"),
        valid_from=doc.get("valid_from") or doc["occurred_at"],
        valid_to=doc.get("valid_to"),
        supersedes=doc.get("supersedes"),
        superseded_by=doc.get("superseded_by"),
        outdated_by=doc.get("outdated_by"),
        expires_at=doc.get("expires_at"),
        reinforcements=int(doc.get("reinforcements") or 0),
        last_reinforced_at=doc.get("last_reinforced_at"),
        decay_factor=float(doc.get("decay_factor", 1.0)),
        embedding_model=doc.get("embedding_model"),
        provenance=Provenance.model_validate(doc["provenance"]),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def index_text(doc: Doc) -> str:
    """What the index embeds and matches: the content, with the speaker for a raw message.

    "Caroline: I went to the support group" is findable by "Caroline"; an extracted fact
    already names its subject.
    """
    text = str(doc["content"])
    messages = doc.get("provenance", {}).get("messages") or []
    if doc.get("type") == "conversation" and messages:
        first = messages[0]
        speaker = first.get("speaker")
        if speaker:
            text = f"{speaker}: {text}"
        meta = first.get("metadata") or {}
        for key in _CAPTION_KEYS:
            caption = meta.get(key)
            if isinstance(caption, str) and caption.strip():
                text = f"{text} [shares a photo: {caption.strip()}]"
                break
    return text


def searchable(doc: Doc) -> bool:
    """Current and not contradicted by a later correction."""
    return doc["status"] == MemoryStatus.ACTIVE.value and not doc.get("outdated_by")


ANSWERS_KEY = "in_reply_to"
"""Metadata of a chat message's memory: the question it answers ("Caroline: What are their
names?"), when the messages sent with it asked one."""


ANSWERS_MAX_CHARS = 500
"""What of a stored question is indexed: metadata is the client's to write, and the question
is embedded and keyword-indexed with the message on every re-index."""


def answered_question(doc: Doc) -> str | None:
    if doc.get("type") != "conversation":
        return None
    asked = (doc.get("metadata") or {}).get(ANSWERS_KEY)
    if not isinstance(asked, str) or not asked.strip():
        return None
    return asked.strip()[:ANSWERS_MAX_CHARS]


def indexed_from_doc(doc: Doc) -> IndexedMemory:
    return IndexedMemory(
        memory_id=doc["_id"],
        user_id=doc["user_id"],
        text=index_text(doc),
        type=doc["type"],
        context=doc.get("context"),
        importance=int(doc.get("importance", 5)),
        occurred_at=doc.get("occurred_at"),
        entities=tuple(dict.fromkeys(doc.get("entity_names") or [])),
        source=(doc.get("provenance") or {}).get("source"),
        contact_ids=tuple(doc.get("contact_ids") or ()),
        speaker=message_speaker(doc),
        answers=answered_question(doc),
    )


def message_speaker(doc: Doc) -> str | None:
    """Who said the message a memory comes from: the raw message's speaker, and for a fact
    extracted from it the same person, so the fact and the message it was drawn from weigh
    alike for a question naming them."""
    messages = doc.get("provenance", {}).get("messages") or []
    if not messages:
        return None
    speaker = messages[0].get("speaker")
    return speaker if isinstance(speaker, str) and speaker.strip() else None
