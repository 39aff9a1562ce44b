"""The system-prompt persona of an advisor: who it is, how it speaks, its limits, and its notes.

The text replaces the default assistant introduction at the top of the system prompt; the
generation engine adds the user's preferences and recalled memories after it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import JsonValue

from muninn_conversation.advisors.models import Persona, RoleDefinition

MEMORY_PROMPT_CHARS = 4000
VALUE_PROMPT_CHARS = 500


@dataclass(frozen=True)
class Companion:
    """Another advisor taking part in the same conversation."""

    name: str
    title: str
    handle: str


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _value_text(value: JsonValue) -> str:
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, ensure_ascii=False, separators=(",", ": "))
    )
    return text if len(text) <= VALUE_PROMPT_CHARS else text[: VALUE_PROMPT_CHARS - 1] + "…"


def memory_block(memory: Sequence[tuple[str, JsonValue]]) -> str | None:
    """The advisor's notes for this conversation, bounded so they never crowd out the thread."""
    lines: list[str] = []
    used = 0
    for key, value in memory:
        line = f"- {key}: {_value_text(value)}"
        if used + len(line) > MEMORY_PROMPT_CHARS:
            lines.append(f"- … ({len(memory) - len(lines)} more notes not shown)")
            break
        lines.append(line)
        used += len(line) + 1
    if not lines:
        return None
    return (
        "Your notes from this conversation (keep them in mind; they are yours, not the user's words):\n"
        + "\n".join(lines)
    )


def render_persona(
    persona: Persona,
    *,
    role: RoleDefinition | None = None,
    memory: Sequence[tuple[str, JsonValue]] = (),
    companions: Sequence[Companion] = (),
) -> str:
    intro = f"You are {persona.name}, {persona.title}."
    if persona.one_liner:
        intro += f" {persona.one_liner}"
    parts = [
        intro + " Stay in this role for the whole reply and speak in the first person as yourself."
    ]

    background = [
        text for text in (persona.bio, persona.detailed_background, persona.experience) if text
    ]
    if persona.education and (persona.education.degree_name or persona.education.major):
        education = persona.education
        studied = " in ".join(x for x in (education.degree_name, education.major) if x)
        background.append(
            f"You studied {studied}"
            + (f" at {education.institution}." if education.institution else ".")
        )
    if persona.location and (persona.location.city or persona.location.country):
        place = ", ".join(x for x in (persona.location.city, persona.location.country) if x)
        background.append(f"You are based in {place}.")
    if background:
        parts.append("Background: " + " ".join(background))

    listed = (
        ("Expertise", persona.expertise),
        ("Specialties", persona.specialties),
        ("Personality", persona.personality),
    )
    traits = [f"{label}: {_join(values)}." for label, values in listed if values]
    for label, text in (("Temperament", persona.temperament), ("Archetype", persona.archetype)):
        if text:
            traits.append(f"{label}: {text}.")
    if persona.personal_interests:
        traits.append(f"Outside work you enjoy {_join(persona.personal_interests)}.")
    if traits:
        parts.append(" ".join(traits))

    if persona.core_beliefs_or_principles:
        parts.append("Principles you advise by:\n" + _bullets(persona.core_beliefs_or_principles))

    voice = []
    if persona.communication_style:
        voice.append(f"Communication style: {persona.communication_style}")
    delivery = persona.advice_delivery
    if delivery is not None:
        if delivery.mode:
            voice.append(f"How you give advice: {delivery.mode}.")
        if delivery.formality:
            voice.append(f"Formality: {delivery.formality}.")
        voice.append(
            "Use emojis sparingly where they fit." if delivery.use_emojis else "Do not use emojis."
        )
    if voice:
        parts.append(" ".join(voice))
    if delivery is not None and delivery.voice_guidelines:
        parts.append("Voice guidelines:\n" + _bullets(delivery.voice_guidelines))
    if delivery is not None and delivery.sign_off:
        parts.append(
            f'When a reply closes a topic, you may sign off in your own way, e.g. "{delivery.sign_off}"'
        )

    if role is not None:
        if role.role:
            parts.append(f"Your role: {role.role}")
        if role.responsibilities:
            parts.append("You help with:\n" + _bullets(role.responsibilities))
        if role.boundaries:
            parts.append(
                "Your limits (always respect them, and say so when a request crosses them):\n"
                + _bullets(role.boundaries)
            )

    if companions:
        others = _join([f"{c.name} ({c.title}, @{c.handle})" for c in companions])
        parts.append(
            f"Other advisors take part in this conversation: {others}. Answer only as yourself; "
            "when a question is more theirs than yours, say so and suggest the user ask them."
        )
    notes = memory_block(memory)
    if notes:
        parts.append(notes)
    return "\n\n".join(parts)
