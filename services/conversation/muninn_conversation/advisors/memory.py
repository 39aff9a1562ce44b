"""Each advisor's own key/value notes in a conversation.

Access goes through the conversation: participants read, collaborators and the owner write.
The notes belong to the conversation, so they carry its owner's ``user_id`` (erased with the
owner, deleted with the conversation) and record who last wrote them.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from muninn_shared.problems import ProblemError, not_found
from pydantic import JsonValue

from muninn_conversation.advisors.models import MEMORY_KEY, AdvisorMemory, MemoryEntry
from muninn_conversation.advisors.service import is_visible
from muninn_conversation.advisors.store import AdvisorStore, MemoryStore
from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService

Doc = dict[str, Any]
MAX_KEYS = 100
MAX_VALUE_BYTES = 8192
MAX_VALUE_DEPTH = 20  # well under MongoDB's nesting limit
_KEY = re.compile(MEMORY_KEY)


def check_key(key: str) -> None:
    if not _KEY.fullmatch(key):
        raise ProblemError(
            422,
            "A memory key is 1-64 letters, digits or _ . : - and starts with a letter or digit.",
            code="invalid-memory-key",
        )


def _depth(value: JsonValue) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _unsafe_field(value: JsonValue) -> str | None:
    """A nested object key MongoDB would misread (operators, dotted paths)."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name.startswith("$") or "." in name or "\x00" in name:
                return name
            found = _unsafe_field(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _unsafe_field(item)
            if found is not None:
                return found
    return None


def check_value(value: JsonValue, *, max_bytes: int = MAX_VALUE_BYTES) -> None:
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > max_bytes:
        raise ProblemError(
            413,
            f"A memory value is at most {max_bytes} bytes of JSON; this one is {size}.",
            code="memory-value-too-large",
        )
    if _depth(value) > MAX_VALUE_DEPTH:
        raise ProblemError(
            422,
            f"A memory value nests at most {MAX_VALUE_DEPTH} levels deep.",
            code="invalid-memory-value",
        )
    unsafe = _unsafe_field(value)
    if unsafe is not None:
        raise ProblemError(
            422,
            f"Object keys in a memory value cannot start with '$' or contain '.': {unsafe!r}.",
            code="invalid-memory-value",
        )


def entry_from_doc(doc: Doc) -> MemoryEntry:
    return MemoryEntry(
        key=doc["key"],
        value=doc.get("value"),
        updated_by=doc.get("updated_by"),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


class AdvisorMemoryService:
    def __init__(
        self,
        store: MemoryStore,
        advisors: AdvisorStore,
        access: ConversationService,
        *,
        max_keys: int = MAX_KEYS,
        max_value_bytes: int = MAX_VALUE_BYTES,
    ) -> None:
        self._store = store
        self._advisors = advisors
        self._access = access
        self._max_keys = max_keys
        self._max_value_bytes = max_value_bytes

    async def _authorize(
        self, conversation_id: str, advisor_id: str, user_id: str, operation: Operation
    ) -> Doc:
        conversation, _ = await self._access.authorize(conversation_id, user_id, operation)
        advisor = await self._advisors.get(advisor_id)
        in_conversation = advisor_id in (conversation.get("advisor_ids") or [])
        if advisor is None or not (in_conversation or is_visible(advisor, user_id)):
            raise not_found("Advisor")
        return conversation

    async def notes(self, conversation_id: str, advisor_id: str, user_id: str) -> AdvisorMemory:
        await self._authorize(conversation_id, advisor_id, user_id, Operation.READ)
        docs = await self._store.entries(conversation_id, advisor_id)
        return AdvisorMemory(
            conversation_id=conversation_id,
            advisor_id=advisor_id,
            items=[entry_from_doc(d) for d in docs],
        )

    async def get(
        self, conversation_id: str, advisor_id: str, key: str, user_id: str
    ) -> MemoryEntry:
        await self._authorize(conversation_id, advisor_id, user_id, Operation.READ)
        doc = await self._store.get(conversation_id, advisor_id, key)
        if doc is None:
            raise not_found("Memory key")
        return entry_from_doc(doc)

    async def remember(
        self, advisor_id: str, conversation_id: str, user_id: str, key: str, value: JsonValue
    ) -> MemoryEntry:
        """Set one note of an advisor in a conversation (creating or replacing it)."""
        check_key(key)
        check_value(value, max_bytes=self._max_value_bytes)
        conversation = await self._authorize(
            conversation_id, advisor_id, user_id, Operation.WRITE_ADVISOR_NOTES
        )
        if (
            await self._store.get(conversation_id, advisor_id, key) is None
            and await self._store.count(conversation_id, advisor_id) >= self._max_keys
        ):
            raise ProblemError(
                409,
                f"This advisor already keeps {self._max_keys} notes in this conversation; delete some first.",
                code="memory-full",
            )
        doc = await self._store.put(
            {
                "_id": uuid.uuid4().hex,
                "conversation_id": conversation_id,
                "advisor_id": advisor_id,
                "user_id": conversation["user_id"],
                "key": key,
                "value": value,
                "updated_by": user_id,
                "updated_at": datetime.now(UTC),
            }
        )
        return entry_from_doc(doc)

    async def forget(self, conversation_id: str, advisor_id: str, key: str, user_id: str) -> None:
        await self._authorize(conversation_id, advisor_id, user_id, Operation.WRITE_ADVISOR_NOTES)
        if not await self._store.delete(conversation_id, advisor_id, key):
            raise not_found("Memory key")

    async def clear(self, conversation_id: str, advisor_id: str, user_id: str) -> int:
        await self._authorize(conversation_id, advisor_id, user_id, Operation.WRITE_ADVISOR_NOTES)
        return await self._store.clear(conversation_id, advisor_id)
