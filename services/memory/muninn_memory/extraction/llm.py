"""LLM extraction through an OpenAI-compatible ``/chat/completions`` endpoint.

The answer is constrained by a JSON schema (``response_format: json_schema``, strict), then
validated again here — servers that ignore the schema exist — and retried with the
validation error fed back. If the model still fails, or says nothing about a message the
offline rules find facts in, the rules' facts are used: extraction is never silently empty.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any, Literal, get_args

import httpx
from muninn_shared.llm import ChatEndpoint, ChatEndpointError
from muninn_shared.logging import get_logger
from muninn_shared.model_calls import ModelCallRecorder
from pydantic import BaseModel, Field, ValidationError

from muninn_memory.extraction.models import (
    ExtractedFact,
    Extraction,
    Extractor,
    FactCategory,
    SourceMessage,
)
from muninn_memory.extraction.rules import RuleExtractor
from muninn_memory.extraction.signals import context_of
from muninn_memory.settings import MemorySettings

log = get_logger(__name__)

CATEGORIES: tuple[str, ...] = get_args(FactCategory)


class ExtractionFailedError(RuntimeError):
    pass


class LLMFact(BaseModel):
    message_index: int = Field(ge=0)
    content: str = Field(min_length=3, max_length=1000)
    category: FactCategory
    slot: str | None = Field(default=None, max_length=120)
    negated: bool = False
    correction: bool = False
    event_date: str | None = None
    importance: int = Field(default=5, ge=1, le=10)
    sentiment: Literal["positive", "negative", "neutral"] = "neutral"
    context: str | None = Field(default=None, max_length=40)


class LLMExtraction(BaseModel):
    facts: list[LLMFact]


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


FACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["facts"],
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "message_index",
                    "content",
                    "category",
                    "slot",
                    "negated",
                    "correction",
                    "event_date",
                    "importance",
                    "sentiment",
                    "context",
                ],
                "properties": {
                    "message_index": {"type": "integer"},
                    "content": {"type": "string"},
                    "category": {"type": "string", "enum": list(CATEGORIES)},
                    "slot": _nullable("string"),
                    "negated": {"type": "boolean"},
                    "correction": {"type": "boolean"},
                    "event_date": _nullable("string"),
                    "importance": {"type": "integer"},
                    "sentiment": {"type": "string", "enum": ["positive", "negative", "neutral"]},
                    "context": _nullable("string"),
                },
            },
        }
    },
}

SYSTEM_PROMPT = """You extract durable facts about people from chat messages for a personal memory.
Return JSON matching the schema. One fact per distinct piece of information, from user messages only.
- content: one short third-person sentence naming the speaker (their name if given, else "User"),
  e.g. "User moved to Lisbon." Keep names, places, numbers and dates.
- category: personal_info (name, age, home, work, studies, health, languages, contact),
  preference (likes, dislikes, favourites), relationship (people and pets in their life),
  plan (something scheduled), goal, experience (something that happened), task (something done),
  statement (any other fact).
- slot: what the fact is about, when it has one current value: "name", "age", "residence",
  "employer", "occupation", "relation:<role>", "preference:<thing>", "favorite:<thing>", else null.
- negated: true when the message takes a fact back ("I no longer work at Acme", "forget that…").
- correction: true when it corrects something said before ("actually…").
- event_date: ISO date (YYYY-MM-DD) of the event the fact is about, resolved against the
  message's created_at; null if none.
- importance 1-10; sentiment; context: work, personal or family.
Questions, greetings and requests to the assistant hold no facts. Never invent facts."""


class ChatCompletionsClient(ChatEndpoint):
    """The minimal OpenAI-compatible chat client extraction needs."""

    async def complete_json(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        *,
        name: str = "memory_facts",
        feature: str = "memory_extraction",
    ) -> str:
        body = {
            "messages": messages,
            "temperature": 0,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            },
        }
        try:
            return await self.complete(body, feature=feature)
        except ChatEndpointError as exc:
            raise ExtractionFailedError(str(exc)) from exc


def _strip_fences(text: str) -> str:
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text.strip()


def _event_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return (
            datetime.fromisoformat(value).astimezone(UTC)
            if "T" in value
            else datetime.combine(date.fromisoformat(value), time(), UTC)
        )
    except ValueError:
        return None


class LLMExtractor:
    """Schema-constrained extraction with validation and retries, the rules as a safety net."""

    def __init__(
        self,
        client: ChatCompletionsClient,
        *,
        max_attempts: int = 3,
        fallback: RuleExtractor | None = None,
    ) -> None:
        self._client = client
        self._attempts = max_attempts
        self._rules = fallback or RuleExtractor()

    @property
    def name(self) -> str:
        return f"llm:{self._client.model}"

    async def extract(self, messages: list[SourceMessage]) -> Extraction:
        rules = await self._rules.extract(messages)
        if not any(m.role == "user" for m in messages):
            return rules
        try:
            parsed = await self._ask(messages)
        except (ExtractionFailedError, httpx.HTTPError) as exc:
            log.warning("LLM extraction failed; using the offline rules", error=str(exc))
            rules.notes.append(f"LLM extraction failed ({type(exc).__name__}); offline rules used")
            return rules
        facts = [self._fact(f, messages) for f in parsed.facts]
        notes: list[str] = []
        covered = {f.message_index for f in facts}
        # A model that says nothing about a message the rules find facts in is not trusted on it.
        for fact in rules.facts:
            if fact.message_index not in covered:
                facts.append(fact)
                notes.append(
                    f"message {fact.message_index}: the LLM found nothing; offline rules used"
                )
        return Extraction(
            facts=facts,
            extractor=self.name,
            notes=notes + [n for n in rules.notes if "no fact" in n and not facts],
        )

    async def _ask(self, messages: list[SourceMessage]) -> LLMExtraction:
        payload = [
            {
                "index": i,
                "role": m.role,
                "speaker": m.speaker,
                "created_at": m.created_at.isoformat(),
                "content": m.content,
            }
            for i, m in enumerate(messages)
        ]
        conversation: list[dict[str, str]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": json.dumps({"messages": payload}, ensure_ascii=False)},
        ]
        last_error = "no answer"
        for attempt in range(1, self._attempts + 1):
            raw = await self._client.complete_json(conversation, FACT_SCHEMA)
            try:
                parsed = LLMExtraction.model_validate_json(_strip_fences(raw))
                bad = [f.message_index for f in parsed.facts if f.message_index >= len(messages)]
                if bad:
                    raise ValueError(f"message_index out of range: {bad}")
                return parsed
            except (ValidationError, ValueError) as exc:
                last_error = str(exc)[:1000]
                log.info(
                    "LLM extraction invalid; retrying", attempt=attempt, error=last_error[:200]
                )
                conversation += [
                    {"role": "assistant", "content": raw[:4000]},
                    {
                        "role": "user",
                        "content": f"That answer is invalid: {last_error}. Answer again with JSON that matches the schema exactly.",
                    },
                ]
        raise ExtractionFailedError(
            f"no valid answer after {self._attempts} attempts: {last_error}"
        )

    @staticmethod
    def _fact(fact: LLMFact, messages: list[SourceMessage]) -> ExtractedFact:
        source = messages[fact.message_index]
        return ExtractedFact(
            content=fact.content.strip(),
            category=fact.category,
            sentence=source.content[:1000],
            message_index=fact.message_index,
            slot=fact.slot.strip().lower() if fact.slot else None,
            negated=fact.negated,
            correction=fact.correction,
            event_at=_event_at(fact.event_date),
            stated_at=source.created_at,
            importance=fact.importance,
            sentiment=fact.sentiment,
            confidence=0.85,
            context=fact.context or context_of(source.content),
        )


def create_chat_client(
    settings: MemorySettings,
    http: httpx.AsyncClient,
    recorder: ModelCallRecorder | None = None,
) -> ChatCompletionsClient | None:
    """The LLM client when ``MUNINN_MEMORY_LLM_*`` is configured, else None (offline);
    ``recorder`` records its calls as the usage of the user being served."""
    if (
        not settings.llm_configured
        or not settings.memory_llm_base_url
        or not settings.memory_llm_model
    ):
        return None
    return ChatCompletionsClient(
        http,
        base_url=settings.memory_llm_base_url,
        model=settings.memory_llm_model,
        api_key=settings.memory_llm_api_key.get_secret_value()
        if settings.memory_llm_api_key
        else None,
        timeout=settings.memory_llm_timeout_seconds,
        recorder=recorder,
        feature="memory_extraction",
    )


def create_extractor(
    settings: MemorySettings,
    http: httpx.AsyncClient,
    recorder: ModelCallRecorder | None = None,
) -> Extractor:
    """The LLM extractor when ``MUNINN_MEMORY_LLM_*`` is configured, else the offline rules."""
    rules = RuleExtractor(
        budget_seconds=settings.extraction_budget_seconds,
        max_facts_per_message=settings.extraction_max_facts_per_message,
    )
    client = create_chat_client(settings, http, recorder)
    if client is None:
        return rules
    return LLMExtractor(client, max_attempts=settings.memory_llm_max_attempts, fallback=rules)
