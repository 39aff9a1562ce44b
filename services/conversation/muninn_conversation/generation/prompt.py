"""What the model is told: who it is, who it talks to, what it remembers, and the thread."""

from __future__ import annotations

from muninn_conversation.profiles.client import UserContext
from muninn_conversation.recall.client import RecalledMemory

STYLE_HINTS = {
    "concise": "Answer briefly and to the point.",
    "detailed": "Answer thoroughly, with the details that matter.",
    "casual": "Answer in a relaxed, friendly tone.",
}


def system_prompt(
    user: UserContext,
    memories: list[RecalledMemory],
    *,
    conversation_prompt: str | None,
    persona: str | None = None,
) -> str:
    parts = [
        persona
        or f"You are {user.assistant_name}, a personal assistant who remembers what the user shares and follows up on their life.",
        STYLE_HINTS.get(user.response_style, STYLE_HINTS["concise"]),
        f"Reply in the user's language ({user.language}). The user's time zone is {user.timezone}.",
    ]
    if user.display_name:
        parts.append(f"The user's name is {user.display_name}.")
    if conversation_prompt:
        parts.append(conversation_prompt)
    remembered = [m for m in memories if m.kind == "memory"]
    excerpts = [m for m in memories if m.kind == "document"]
    if remembered:
        lines = [
            f"- {m.content}" + (f" (noted {m.created_at[:10]})" if m.created_at else "")
            for m in remembered
        ]
        parts.append(
            "What you remember about the user (use it when relevant, do not recite it):\n"
            + "\n".join(lines)
        )
    if excerpts:
        lines = [f"- [{m.title or 'document'}] {m.content}" for m in excerpts]
        parts.append(
            "Excerpts from documents the user uploaded (cite the document when you use one):\n"
            + "\n".join(lines)
        )
    return "\n\n".join(parts)


def title_from(text: str, limit: int = 60) -> str:
    """A short title from the first user message: its first sentence, trimmed at a word."""
    first = text.strip().splitlines()[0] if text.strip() else "New conversation"
    for stop in (". ", "? ", "! "):
        if stop in first:
            first = first.split(stop)[0] + stop.strip()
            break
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
