from __future__ import annotations

from muninn_conversation.advisors.catalogue import LISTENER, TRAVEL_PLANNER
from muninn_conversation.advisors.models import Persona
from muninn_conversation.advisors.prompt import (
    MEMORY_PROMPT_CHARS,
    Companion,
    memory_block,
    render_persona,
)


def test_persona_text_carries_identity_voice_principles_and_limits() -> None:
    text = render_persona(LISTENER.persona, role=LISTENER.role_definition)
    assert text.startswith("You are Ava Lindqvist, Supportive Listener.")
    assert "Person-centred".lower() in text.lower()
    assert "Feelings are information, not problems to fix." in text
    assert "Never diagnose." in text
    assert "Do not use emojis." in text
    assert "Not a licensed therapist" in text
    assert "You studied BA in Psychology at Uppsala University." in text
    assert "You are based in Stockholm, Sweden." in text


def test_emoji_preference_and_sign_off_follow_the_persona() -> None:
    text = render_persona(TRAVEL_PLANNER.persona)
    assert "Use emojis sparingly" in text
    assert "Buon viaggio!" in text


def test_a_minimal_persona_renders_without_empty_sections() -> None:
    text = render_persona(Persona(name="Iris", title="Negotiation Coach"))
    assert text.startswith("You are Iris, Negotiation Coach.")
    assert "Background" not in text
    assert "Principles" not in text
    assert "notes" not in text


def test_companions_and_notes_are_included() -> None:
    text = render_persona(
        Persona(name="Iris", title="Coach"),
        memory=[
            ("goal", "Raise to 95k by March"),
            ("constraints", {"relocate": False, "hours": [9, 17]}),
        ],
        companions=[
            Companion(name="Daniel Reyes", title="Financial Planner", handle="financial-planner")
        ],
    )
    assert "Daniel Reyes (Financial Planner, @financial-planner)" in text
    assert "- goal: Raise to 95k by March" in text
    assert '- constraints: {"relocate": false,"hours": [9,17]}' in text


def test_memory_block_is_bounded() -> None:
    notes = [(f"k{i}", "x" * 300) for i in range(100)]
    block = memory_block(notes)
    assert block is not None
    assert len(block) < MEMORY_PROMPT_CHARS + 400
    assert "more notes not shown" in block
    long_value = memory_block([("essay", "y" * 5000)])
    assert long_value is not None
    assert long_value.endswith("…")
    assert memory_block([]) is None
