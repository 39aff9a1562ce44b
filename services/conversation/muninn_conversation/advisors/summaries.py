"""Thread summaries: a long conversation condensed, part by part.

Each summary covers the messages of the active branch after the previous summary, up to a
message. The text is either given by the client (a summary it wrote, or one a model wrote
for it) or extracted here without any model: the topics and the first sentence of each
turn, labelled with who said it — plain, deterministic and honest about being extractive.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_shared.problems import ProblemError, not_found

from muninn_conversation.advisors.models import (
    SummaryCreate,
    SummaryMethod,
    ThreadSummaries,
    ThreadSummary,
)
from muninn_conversation.advisors.store import AdvisorStore, SummaryStore
from muninn_conversation.conversations.permissions import Operation
from muninn_conversation.conversations.service import ConversationService
from muninn_conversation.messages.reading import MessageReader

Doc = dict[str, Any]
POINT_CHARS = 160
MAX_POINTS = 24
TOPIC_COUNT = 8
AUTO_SUMMARY_AFTER = 40

_STOPWORD_TEXT = """
    about above after again against also although among another anything around because been before being below
    between both cannot could did does doing down during each either else enough even ever every from further
    have having here hers herself himself however into itself just know last least like make many maybe might
    more most much must myself need never next only other ought ours ourselves over own please quite rather
    really same should since some something still such than that their theirs them themselves then there these
    they thing things think this those though through thus together too under until upon very want well were
    what whatever when where whether which while whom whose will with within without would yeah your yours
    yourself yourselves going get got thanks thank okay sure today tomorrow yesterday
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORDS = re.compile(r"[^\W\d_][\w'-]{3,}", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Turn:
    message_id: str
    speaker: str
    content: str
    from_user: bool


def first_sentence(text: str, limit: int = POINT_CHARS) -> str:
    flat = " ".join(text.split())
    sentence = _SENTENCE_END.split(flat, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    cut = sentence[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def topics(texts: Sequence[str], count: int = TOPIC_COUNT) -> list[str]:
    """The most frequent meaningful words; ties keep first appearance."""
    counter: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for text in texts:
        for word in _WORDS.findall(text.lower()):
            word = word.strip("'-")
            if len(word) < 4 or word in _STOPWORDS:
                continue
            counter[word] += 1
            first_seen.setdefault(word, len(first_seen))
    ranked = sorted(counter, key=lambda w: (-counter[w], first_seen[w]))
    return ranked[:count]


def _spread(items: Sequence[Turn], limit: int) -> list[Turn]:
    """At most ``limit`` items spread evenly over the sequence, keeping first and last."""
    if len(items) <= limit:
        return list(items)
    if limit == 1:
        return [items[-1]]
    step = (len(items) - 1) / (limit - 1)
    return [items[round(i * step)] for i in range(limit)]


def extract_summary(turns: Sequence[Turn], *, max_points: int = MAX_POINTS) -> str:
    """An extractive summary: who took part, the topics, and the gist of each turn."""
    if not turns:
        return ""
    speakers = list(dict.fromkeys(t.speaker for t in turns))
    lines = [f"{len(turns)} messages between {', '.join(speakers)}."]
    subject = topics([t.content for t in turns if t.from_user] or [t.content for t in turns])
    if subject:
        lines.append("Topics: " + ", ".join(subject) + ".")
    points = (
        list(turns)
        if len(turns) <= max_points
        else _spread([t for t in turns if t.from_user], max_points)
    )
    if len(points) < len(turns):
        lines.append(
            f"Key points (the user's side, {len(points)} of {sum(t.from_user for t in turns)} messages):"
        )
    else:
        lines.append("Key points:")
    lines.extend(f"- {t.speaker}: {first_sentence(t.content)}" for t in points)
    return "\n".join(lines)


def active_path(messages: Sequence[Doc], leaf_id: str | None) -> list[Doc]:
    by_id = {d["_id"]: d for d in messages}
    path: list[Doc] = []
    cursor = by_id.get(leaf_id or "")
    while cursor is not None and len(path) <= len(by_id):
        path.append(cursor)
        cursor = by_id.get(cursor.get("parent_id") or "")
    path.reverse()
    return path


def uncovered(path: Sequence[Doc], previous_end_id: str | None) -> list[Doc]:
    """The messages after the previous summary's end — all of them if it is not on this branch."""
    ids = [d["_id"] for d in path]
    if previous_end_id is not None and previous_end_id in ids:
        return list(path[ids.index(previous_end_id) + 1 :])
    return list(path)


def summary_from_doc(doc: Doc) -> ThreadSummary:
    fields = {k: v for k, v in doc.items() if k in ThreadSummary.model_fields and k != "id"}
    return ThreadSummary(id=doc["_id"], **fields)


class ThreadSummaryService:
    def __init__(
        self,
        store: SummaryStore,
        messages: MessageReader,
        advisors: AdvisorStore,
        access: ConversationService,
    ) -> None:
        self._store = store
        self._messages = messages
        self._advisors = advisors
        self._access = access

    async def for_conversation(self, conversation_id: str, user_id: str) -> ThreadSummaries:
        await self._access.authorize(conversation_id, user_id, Operation.READ)
        docs = await self._store.all_in(conversation_id)
        return ThreadSummaries(
            conversation_id=conversation_id, items=[summary_from_doc(d) for d in docs]
        )

    async def create(
        self, conversation_id: str, user_id: str, body: SummaryCreate
    ) -> ThreadSummary:
        conversation, _ = await self._access.authorize(
            conversation_id, user_id, Operation.SUMMARIZE
        )
        return await self._summarize(
            conversation, body.up_to_message_id, body.content, created_by=user_id
        )

    async def summarize_if_long(
        self, conversation_id: str, *, threshold: int = AUTO_SUMMARY_AFTER
    ) -> ThreadSummary | None:
        """Add an extractive summary once ``threshold`` messages are not covered by one (no access check)."""
        conversation = await self._access.find(conversation_id)
        if conversation is None:
            return None
        previous = await self._store.latest(conversation_id)
        path = active_path(
            await self._messages.all_in(conversation_id), conversation.get("active_leaf_id")
        )
        pending = [
            d
            for d in uncovered(path, previous.get("end_message_id") if previous else None)
            if self._countable(d)
        ]
        if len(pending) < threshold:
            return None
        return await self._summarize(conversation, None, None, created_by=None)

    async def context_for(self, conversation_id: str) -> str | None:
        """The latest summary's text, for a prompt that cannot hold the whole thread."""
        latest = await self._store.latest(conversation_id)
        return None if latest is None else str(latest["content"])

    @staticmethod
    def _countable(doc: Doc) -> bool:
        return (
            not doc.get("is_deleted")
            and bool(doc.get("content"))
            and doc.get("role") in ("user", "assistant")
        )

    async def _summarize(
        self, conversation: Doc, up_to: str | None, content: str | None, *, created_by: str | None
    ) -> ThreadSummary:
        conversation_id = conversation["_id"]
        messages = await self._messages.all_in(conversation_id)
        if up_to is not None and not any(d["_id"] == up_to for d in messages):
            raise not_found("Message")
        path = active_path(messages, up_to or conversation.get("active_leaf_id"))
        previous = await self._store.latest(conversation_id)
        covered = [
            d
            for d in uncovered(path, previous.get("end_message_id") if previous else None)
            if self._countable(d)
        ]
        if content is None:
            if not covered:
                raise ProblemError(
                    409,
                    "There are no new messages to summarise since the last summary.",
                    code="nothing-to-summarize",
                )
            content = extract_summary(await self._turns(covered))
            method = SummaryMethod.EXTRACTIVE
        else:
            method = SummaryMethod.PROVIDED
        doc: Doc = {
            "_id": uuid.uuid4().hex,
            "conversation_id": conversation_id,
            "user_id": conversation["user_id"],
            "content": content,
            "method": method.value,
            "start_message_id": covered[0]["_id"] if covered else None,
            "end_message_id": covered[-1]["_id"]
            if covered
            else (path[-1]["_id"] if path else None),
            "message_count": len(covered),
            "created_by": created_by,
            "created_at": datetime.now(UTC),
        }
        await self._store.insert(doc)
        return summary_from_doc(doc)

    async def _turns(self, docs: Sequence[Doc]) -> list[Turn]:
        advisors = await self._advisors.get_many(
            d["advisor_id"] for d in docs if d.get("advisor_id") and d["role"] == "assistant"
        )
        turns = []
        for doc in docs:
            if doc["role"] == "user":
                speaker = "User"
            elif doc.get("advisor_id") in advisors:
                persona = advisors[doc["advisor_id"]]["persona"]
                speaker = f"{persona['name']} ({persona['title']})"
            else:
                speaker = "Assistant"
            turns.append(
                Turn(
                    message_id=doc["_id"],
                    speaker=speaker,
                    content=doc["content"],
                    from_user=doc["role"] == "user",
                )
            )
        return turns
