"""With an LLM configured, it writes the summary's prose and insights from the rules' draft
(for a quarter or a year, from the summaries of its parts).

The model sees only the period's memories and the rules' draft, answers JSON constrained by
a schema, and is validated; on any failure the rules' draft stands. Preferences, context
shares, entities and counts stay computed: they are data, not prose.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx
from muninn_shared.logging import get_logger
from pydantic import BaseModel, Field, ValidationError

from muninn_memory.extraction.llm import ChatCompletionsClient, ExtractionFailedError
from muninn_memory.extraction.text import truncate
from muninn_memory.summaries.periods import label
from muninn_memory.summaries.rollup import original_chars
from muninn_memory.summaries.rules import Draft

log = get_logger(__name__)

Doc = dict[str, Any]
MAX_MEMORIES = 300

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["summary", "key_insights", "important_events"],
    "properties": {
        "summary": {"type": "string"},
        "key_insights": {"type": "array", "items": {"type": "string"}},
        "important_events": {"type": "array", "items": {"type": "string"}},
    },
}

PROMPT = """You summarise one period of a person's memories for their personal assistant.
You get the memories (each with date, type, importance) and a draft made by rules.
Answer JSON: "summary" (at most 120 words, third person, only facts from the memories),
"key_insights" (at most 8 short patterns or important facts), "important_events" (at most 10,
each starting with its date YYYY-MM-DD). Never invent anything."""

ROLLUP_PROMPT = """You summarise a quarter or a year of a person's life for their personal
assistant. You get the summaries of its months (or quarters), in order, and a draft made by
rules. Answer JSON: "summary" (at most 150 words, third person, only facts from the
summaries; say what changed over the period), "key_insights" (at most 8 patterns or
important facts across the parts), "important_events" (at most 10, each starting with its
date YYYY-MM-DD, taken from the parts' events). Never invent anything."""


class _Answer(BaseModel):
    summary: str = Field(min_length=1, max_length=3000)
    key_insights: list[str] = Field(max_length=8)
    important_events: list[str] = Field(max_length=10)


class LLMSummariser:
    def __init__(self, client: ChatCompletionsClient, *, max_attempts: int = 2) -> None:
        self._client = client
        self._attempts = max_attempts

    async def improve(self, draft: Draft, docs: list[Doc]) -> Draft:
        """A week's or month's draft rewritten from its memories."""
        memories = [
            {
                "date": d["occurred_at"].date().isoformat(),
                "type": d["type"],
                "importance": d.get("importance", 5),
                "content": truncate(d["content"], 400),
            }
            for d in sorted(docs, key=lambda d: -int(d.get("importance", 5)))[:MAX_MEMORIES]
        ]
        original = sum(len(d["content"]) for d in docs)
        return await self._rewrite(draft, {"memories": memories}, PROMPT, original)

    async def improve_rollup(self, draft: Draft, parts: list[Doc]) -> Draft:
        """A quarter's or year's draft rewritten from the summaries of its parts."""
        material = [
            {
                "period": label(p["period"], p["start"], p["end"]),
                "summary": truncate(str(p["summary"]), 2000),
                "key_insights": list(p.get("key_insights") or [])[:8],
                "important_events": list(p.get("important_events") or [])[:10],
            }
            for p in parts
        ]
        original = sum(original_chars(p) for p in parts)
        return await self._rewrite(draft, {"parts": material}, ROLLUP_PROMPT, original)

    async def _rewrite(
        self, draft: Draft, material: dict[str, Any], prompt: str, original: int
    ) -> Draft:
        conversation = [
            {"role": "system", "content": prompt},
            {
                "role": "user",
                "content": json.dumps(
                    {
                        **material,
                        "draft": {
                            "summary": draft.summary,
                            "key_insights": draft.key_insights,
                            "important_events": draft.important_events,
                        },
                    },
                    ensure_ascii=False,
                ),
            },
        ]
        for attempt in range(1, self._attempts + 1):
            try:
                raw = await self._client.complete_json(
                    conversation, SCHEMA, name="memory_summary", feature="memory_summary"
                )
                answer = _Answer.model_validate_json(raw.strip().removeprefix("```json").strip("`"))
            except (ExtractionFailedError, httpx.HTTPError, ValidationError) as exc:
                log.info("LLM summary unusable", attempt=attempt, error=str(exc)[:200])
                continue
            return replace(
                draft,
                summary=answer.summary.strip(),
                key_insights=[i.strip() for i in answer.key_insights if i.strip()],
                important_events=[e.strip() for e in answer.important_events if e.strip()],
                compression_ratio=round(original / max(1, len(answer.summary)), 2),
                generator=f"llm:{self._client.model}",
            )
        draft.notes.append("LLM summary failed; rules used")
        return draft
