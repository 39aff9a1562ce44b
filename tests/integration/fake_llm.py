"""A slow OpenAI-compatible chat server for end-to-end tests that need a reply still streaming.

It speaks the real ``/v1/chat/completions`` SSE format (``data: {chunk}`` lines, then
``data: [DONE]``), one word every ``WORD_INTERVAL`` seconds, so a test has time to kill the
conversation service in the middle of a generation.

Asked for JSON (``response_format``), as memory's extraction and summaries and the
scheduler's language model ask, it answers at once with a valid, empty-handed answer ("no
facts"), and reports the usage a provider would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from muninn_devstack.in_thread import serve_in_thread

WORD_INTERVAL = 0.25
WORDS = 240
MODEL = "slow-1"
PROMPT_TOKENS = 10
# What a structured request gets, by the name of its JSON schema.
JSON_ANSWERS: dict[str, Any] = {
    "memory_facts": {"facts": []},
    "memory_summary": {"summary": "A quiet period.", "key_insights": [], "important_events": []},
}


def _chunk(completion_id: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(body)}\n\n".encode()


def create_app() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Any:
        payload = await request.json()
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        words = [f"word{i}" for i in range(WORDS)]
        response_format = payload.get("response_format")
        if isinstance(response_format, dict) and not payload.get("stream"):
            name = (response_format.get("json_schema") or {}).get("name", "")
            words = [json.dumps(JSON_ANSWERS.get(name, {}))]
        if not payload.get("stream"):
            return JSONResponse(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": MODEL,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": " ".join(words)},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": PROMPT_TOKENS,
                        "completion_tokens": len(words),
                        "total_tokens": len(words) + PROMPT_TOKENS,
                    },
                }
            )

        async def stream() -> AsyncIterator[bytes]:
            yield _chunk(completion_id, {"role": "assistant", "content": ""})
            for word in words:
                await asyncio.sleep(WORD_INTERVAL)
                yield _chunk(completion_id, {"content": f"{word} "})
            yield _chunk(completion_id, {}, "stop")
            yield b"data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "test"}]}

    return app


@contextlib.contextmanager
def serve_fake_llm() -> Iterator[str]:
    """Run the server on a free loopback port in a thread; yields its ``/v1`` base URL."""
    with serve_in_thread(create_app(), "fake-llm") as running:
        yield f"{running.url}/v1"
