"""What the offline responder says: rule-based, grounded in memories and the conversation.

No model is involved, so the reply never pretends to know more than it does: it answers
greetings and small talk, says what it remembers, acknowledges what the user shares (in the
user's own words), points at the recalled memories that relate to a question — and is always
labelled as the offline responder. The same request always gets the same reply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from muninn_conversation.providers.models import GenerationRequest, RecalledMemory, UserContext
from muninn_conversation.providers.offline_text import (
    Intent,
    as_told,
    classify,
    keywords,
    normalise,
    pick,
    quote,
)

MARKER = "(offline responder)"
DETAILED_NOTE = "No language model is connected, so this reply is rule-based and uses only what you have told me."
# Recall scores are cosine similarities; above this a memory is on topic even without shared words.
STRONG_MATCH = 0.75
_NAME_IN_MEMORY = re.compile(
    r"(?i:\b(?:my name is|user's name is|call me|I'm called|I am called)) ([A-Z][\w'-]*(?: [A-Z][\w'-]*)?)"
)


@dataclass(frozen=True)
class _Turn:
    user: UserContext
    text: str
    earlier: str | None
    memories: list[RecalledMemory]
    detailed: bool
    casual: bool

    @property
    def name(self) -> str:
        return f", {self.user.display_name}" if self.user.display_name else ""

    @property
    def quote_limit(self) -> int:
        return 200 if self.detailed else 100

    @property
    def mention_limit(self) -> int:
        return 2 if self.detailed else 1

    def related(self) -> list[RecalledMemory]:
        """Memories that bear on the message: shared words, or a strong recall score."""
        wanted = keywords(self.text)
        related = [m for m in self.memories if wanted & keywords(m.content)]
        if not related:
            related = [m for m in self.memories if m.score >= STRONG_MATCH]
        return related[: self.mention_limit]

    def from_memory(self, memories: list[RecalledMemory] | None = None) -> str:
        """A greeting brings up the best memories unprompted; answers only the related ones."""
        chosen = self.memories[: self.mention_limit] if memories is None else memories
        told = "; ".join(as_told(m.content) for m in chosen)
        return f"From what you've told me: {told}." if told else ""


def rank_memories(memories: list[RecalledMemory], text: str) -> list[RecalledMemory]:
    """Memories sharing words with the message first, then by recall score; duplicates dropped."""
    wanted = keywords(text)
    seen: set[str] = set()
    unique: list[RecalledMemory] = []
    for memory in memories:
        key = normalise(memory.content)
        if key and key not in seen:
            seen.add(key)
            unique.append(memory)
    return sorted(unique, key=lambda m: (-len(wanted & keywords(m.content)), -m.score, m.id))


def compose_reply(request: GenerationRequest) -> str:
    user_turns = [m.content for m in request.messages if m.role == "user" and m.content.strip()]
    text = user_turns[-1] if user_turns else ""
    style = request.user_context.response_style.lower()
    turn = _Turn(
        user=request.user_context,
        text=text,
        earlier=user_turns[-2] if len(user_turns) > 1 else None,
        memories=rank_memories(request.memories, text),
        detailed=style == "detailed",
        casual=style == "casual",
    )
    intent = classify(text, request.user_context.assistant_name)
    paragraphs = [p for p in _BUILDERS[intent](turn) if p]
    if not request.user_context.language.lower().startswith("en"):
        paragraphs.append("(While offline I can only reply in English.)")
    paragraphs.append(f"{MARKER} {DETAILED_NOTE}" if turn.detailed else MARKER)
    return "\n\n".join(paragraphs)


def _hello(turn: _Turn) -> str:
    opener = "Hey" if turn.casual else pick(["Hello", "Hi"], turn.text)
    return f"{opener}{turn.name}! I'm {turn.user.assistant_name}."


def _greeting(turn: _Turn) -> list[str]:
    return [
        f"{_hello(turn)} {turn.from_memory()}".strip(),
        pick(["What's on your mind?", "How can I help today?"], turn.text),
    ]


def _empty(turn: _Turn) -> list[str]:
    return [_hello(turn), "What would you like to talk about?"]


def _small_talk(turn: _Turn) -> list[str]:
    return [
        f"I'm doing well, thanks for asking{turn.name}. {turn.from_memory()}".strip(),
        "How are you?",
    ]


def _memory_question(turn: _Turn) -> list[str]:
    if not turn.memories:
        return [
            "I don't have any memories that match that yet. When you tell me about your plans, "
            "the people in your life and what you like, I can bring it back later."
        ]
    shown = turn.memories[: 5 if turn.detailed else 3]
    lines = []
    for memory in shown:
        noted = f" (noted {memory.created_at[:10]})" if turn.detailed and memory.created_at else ""
        lines.append(f"- {as_told(memory.content)}{noted}")
    return [f"Here's what I remember from what you've told me{turn.name}:\n" + "\n".join(lines)]


def _user_name(turn: _Turn) -> list[str]:
    if turn.user.display_name:
        return [f"You're {turn.user.display_name}."]
    for memory in turn.memories:
        found = _NAME_IN_MEMORY.search(memory.content)
        if found:
            return [f"You told me your name is {found.group(1)}."]
    return ["I don't know your name yet. You can tell me, or set a display name in your profile."]


def _identity(turn: _Turn) -> list[str]:
    return [
        f"I'm {turn.user.assistant_name}, your personal assistant. Right now I'm running as Muninn's offline "
        "responder: no language model is connected, so I reply with simple rules and what I remember about you."
    ]


def _help(turn: _Turn) -> list[str]:
    reply = [
        "I remember what you share with me and bring it back when it matters. No language model is connected "
        "right now, so I can greet you, tell you what I remember and acknowledge what you share — but not answer "
        "open questions."
    ]
    if turn.detailed:
        reply.append(_setup_hint())
    return reply


def _thanks(turn: _Turn) -> list[str]:
    return [
        f"You're welcome{turn.name}!" + (" Anything else on your mind?" if turn.detailed else "")
    ]


def _farewell(turn: _Turn) -> list[str]:
    return [f"Goodbye{turn.name}! I'll be here when you need me."]


def _question(turn: _Turn) -> list[str]:
    reply = [f"You asked: {quote(turn.text, turn.quote_limit)}"]
    related = turn.related()
    if related:
        reply.append(turn.from_memory(related))
        reply.append(
            "That is what I know that may relate to it; a full answer needs a language model, and none is connected."
        )
    else:
        reply.append(
            "I can't answer that while I'm offline: no language model is connected, and nothing you've told me covers it."
        )
    if turn.detailed:
        reply.append(_setup_hint())
    return reply


def _statement(turn: _Turn) -> list[str]:
    opener = pick(["Got it", "Noted", "Thanks for telling me"], turn.text)
    reply = [f"{opener}{turn.name}: {quote(turn.text, turn.quote_limit)}"]
    related = turn.related()
    if related:
        told = "; ".join(as_told(m.content) for m in related)
        reply.append(f"That connects with what you told me before: {told}.")
    if turn.detailed and turn.earlier:
        reply.append(
            f"Earlier in this conversation you said {quote(turn.earlier, turn.quote_limit)}."
        )
    return reply


def _setup_hint() -> str:
    return (
        "For full answers, the operator can connect a model provider (OpenAI, Anthropic, or a local server such as "
        "Ollama) and you can choose it in your preferences."
    )


_BUILDERS: dict[Intent, Callable[[_Turn], list[str]]] = {
    Intent.EMPTY: _empty,
    Intent.GREETING: _greeting,
    Intent.SMALL_TALK: _small_talk,
    Intent.MEMORY_QUESTION: _memory_question,
    Intent.USER_NAME: _user_name,
    Intent.IDENTITY: _identity,
    Intent.HELP: _help,
    Intent.THANKS: _thanks,
    Intent.FAREWELL: _farewell,
    Intent.QUESTION: _question,
    Intent.STATEMENT: _statement,
}
