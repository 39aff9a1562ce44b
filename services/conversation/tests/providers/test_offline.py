"""The offline responder: deterministic, labelled, grounded in memories and the conversation."""

from __future__ import annotations

from typing import Any

import pytest
from muninn_conversation.providers.models import (
    ChatMessage,
    ChatProvider,
    GenerationRequest,
    RecalledMemory,
    TextDelta,
    UserContext,
)
from muninn_conversation.providers.offline import OfflineProvider
from muninn_conversation.providers.offline_reply import MARKER
from muninn_conversation.providers.offline_text import Intent, as_told, classify

DENTIST = RecalledMemory(
    id="m-1",
    content="I have a dentist appointment on Friday at 3pm",
    score=0.81,
    created_at="2025-03-01T10:00:00Z",
)
SISTER = RecalledMemory(id="m-2", content="My sister Anna lives in Lisbon", score=0.62)
PEANUTS = RecalledMemory(id="m-3", content="Allergic to peanuts", score=0.41)


def ask(
    text: str,
    *,
    memories: list[RecalledMemory] | None = None,
    style: str = "concise",
    display_name: str | None = "Sam",
    assistant_name: str = "Muninn",
    history: list[ChatMessage] | None = None,
    max_tokens: int | None = None,
    language: str = "en",
) -> GenerationRequest:
    return GenerationRequest(
        messages=[
            ChatMessage(role="system", content="You are a personal assistant."),
            *(history or []),
            ChatMessage(role="user", content=text),
        ],
        model="muninn-offline-1",
        temperature=None,
        user_id="user-1",
        memories=memories or [],
        user_context=UserContext(
            assistant_name=assistant_name,
            display_name=display_name,
            response_style=style,
            language=language,
        ),
        max_tokens=max_tokens,
    )


async def reply(request: GenerationRequest) -> str:
    """The whole text of the offline provider's reply."""
    stream = OfflineProvider().stream(request)
    return "".join([event.text async for event in stream if isinstance(event, TextDelta)])


def test_it_is_a_chat_provider() -> None:
    provider = OfflineProvider()
    assert isinstance(provider, ChatProvider)
    assert provider.name == "offline"
    assert provider.models == ["muninn-offline-1"]


async def test_same_request_same_reply_and_same_deltas(
    collect: Any,
) -> None:
    request = ask("I'm flying to Lisbon next week to see my sister", memories=[DENTIST, SISTER])
    first = await collect(OfflineProvider(), request)
    second = await collect(OfflineProvider(), request.model_copy(deep=True))
    assert first == second


async def test_streams_word_by_word_and_reports_an_estimate(
    collect: Any,
) -> None:
    request = ask("Hello!")
    deltas, completion = await collect(OfflineProvider(), request)
    text = "".join(deltas)
    assert len(deltas) > 3
    assert all(len(d.split()) == 1 for d in deltas)
    assert completion.finish_reason == "stop"
    assert completion.model == "muninn-offline-1"
    assert completion.provider == "offline"
    assert completion.usage.estimated is True
    assert completion.usage.output_tokens == -(-len(text) // 4)
    assert completion.usage.input_tokens == sum(-(-len(m.content) // 4) for m in request.messages)


@pytest.mark.parametrize("style", ["concise", "detailed", "casual"])
async def test_every_reply_is_labelled(style: str) -> None:
    for text in ["hi", "what do you remember?", "What is 2+2?", "I got a new bike", ""]:
        assert (
            (await reply(ask(text, style=style, memories=[DENTIST])))
            .splitlines()[-1]
            .startswith(MARKER)
        )


async def test_greeting_uses_both_names_and_brings_up_a_memory() -> None:
    text = await reply(
        ask("Hey there!", memories=[DENTIST], assistant_name="Huginn", display_name="Sam")
    )
    assert text.startswith(("Hello, Sam! I'm Huginn.", "Hi, Sam! I'm Huginn."))
    assert "From what you've told me: you have a dentist appointment on Friday at 3pm." in text


async def test_what_do_you_remember_lists_the_memories_most_relevant_first() -> None:
    text = await reply(
        ask("Do you remember where my sister lives?", memories=[DENTIST, PEANUTS, SISTER])
    )
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert lines == [
        "- your sister Anna lives in Lisbon",
        "- you have a dentist appointment on Friday at 3pm",
        "- Allergic to peanuts",
    ]


async def test_nothing_to_remember_is_said_plainly() -> None:
    text = await reply(ask("What do you know about me?"))
    assert text.startswith("I don't have any memories that match that yet.")


async def test_question_is_echoed_and_answered_from_a_related_memory() -> None:
    text = await reply(ask("When is my dentist appointment?", memories=[PEANUTS, DENTIST]))
    assert "You asked: “When is my dentist appointment?”" in text
    assert "you have a dentist appointment on Friday at 3pm" in text
    assert "peanuts" not in text  # unrelated and weakly recalled


async def test_question_without_related_memory_is_honest() -> None:
    text = await reply(ask("What's the capital of Peru?", memories=[PEANUTS]))
    assert "I can't answer that while I'm offline" in text
    assert "peanuts" not in text


async def test_statement_is_acknowledged_in_the_users_words_and_linked_to_memory() -> None:
    text = await reply(ask("Anna is visiting me in Berlin next month", memories=[SISTER, DENTIST]))
    assert "Sam: “Anna is visiting me in Berlin next month”" in text
    assert "That connects with what you told me before: your sister Anna lives in Lisbon." in text
    assert "dentist" not in text


async def test_detailed_is_fuller_than_concise() -> None:
    history = [
        ChatMessage(role="user", content="I started learning Portuguese"),
        ChatMessage(role="assistant", content="Nice"),
    ]
    concise = await reply(
        ask("I'm going to Lisbon in May", memories=[SISTER, DENTIST], history=history)
    )
    detailed = await reply(
        ask(
            "I'm going to Lisbon in May",
            memories=[SISTER, DENTIST],
            history=history,
            style="detailed",
        )
    )
    assert len(detailed) > len(concise)
    assert "Earlier in this conversation you said “I started learning Portuguese”." in detailed
    assert "Earlier in this conversation" not in concise
    assert "No language model is connected" in detailed


async def test_detailed_memory_list_shows_when_it_was_noted() -> None:
    text = await reply(ask("what did I tell you?", memories=[DENTIST], style="detailed"))
    assert "- you have a dentist appointment on Friday at 3pm (noted 2025-03-01)" in text


async def test_name_question_uses_the_profile_or_a_memory() -> None:
    assert (await reply(ask("What's my name?"))).startswith("You're Sam.")
    remembered = RecalledMemory(id="m-9", content="My name is Robin Hood", score=0.9)
    assert (await reply(ask("who am I?", display_name=None, memories=[remembered]))).startswith(
        "You told me your name is Robin Hood."
    )
    sister = RecalledMemory(id="m-8", content="My sister's name is Anna", score=0.9)
    assert (await reply(ask("what is my name", display_name=None, memories=[sister]))).startswith(
        "I don't know your name yet."
    )


async def test_identity_question_says_what_it_is() -> None:
    text = await reply(ask("Who are you?", assistant_name="Huginn"))
    assert text.startswith("I'm Huginn, your personal assistant.")
    assert "offline responder" in text


async def test_non_english_users_are_told_the_reply_is_english() -> None:
    text = await reply(ask("Hallo!", language="de"))
    assert "(While offline I can only reply in English.)" in text


async def test_max_tokens_cuts_the_reply_and_says_so(
    collect: Any,
) -> None:
    deltas, completion = await collect(
        OfflineProvider(),
        ask("What do you remember?", memories=[DENTIST, SISTER, PEANUTS], max_tokens=8),
    )
    text = "".join(deltas)
    assert completion.finish_reason == "length"
    assert 0 < len(text) <= 32
    assert completion.usage.output_tokens <= 8


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello", Intent.GREETING),
        ("Good morning Muninn!", Intent.GREETING),
        ("hi, what do you remember about my trip?", Intent.MEMORY_QUESTION),
        ("hey how are you?", Intent.SMALL_TALK),
        ("thanks a lot", Intent.THANKS),
        ("bye for now", Intent.FAREWELL),
        ("What can you do?", Intent.HELP),
        ("are you a bot?", Intent.IDENTITY),
        ("should I bring an umbrella", Intent.QUESTION),
        ("My cat is called Miso.", Intent.STATEMENT),
        ("   ", Intent.EMPTY),
    ],
)
def test_intents(text: str, intent: Intent) -> None:
    assert classify(text, "Muninn") is intent


@pytest.mark.parametrize(
    ("memory", "told"),
    [
        ("I'm vegetarian.", "you're vegetarian"),
        ("My brother Tom works at the bakery", "your brother Tom works at the bakery"),
        ("Tom gave me his old guitar", "Tom gave you his old guitar"),
        ("The user's favourite colour is green", "your favourite colour is green"),
        ("Prefers tea over coffee", "Prefers tea over coffee"),
    ],
)
def test_memories_are_said_back_to_the_user(memory: str, told: str) -> None:
    assert as_told(memory) == told


async def test_empty_conversation_still_gets_a_labelled_hello() -> None:
    request: Any = ask("x")
    request.messages = [ChatMessage(role="system", content="prompt")]
    text = await reply(request)
    assert text.startswith(("Hello, Sam! I'm Muninn.", "Hi, Sam! I'm Muninn."))
    assert text.endswith(MARKER)
