"""Refuses JSON bodies whose strings are not valid Unicode, before any handler sees them.

JSON may spell an unpaired surrogate (``"\\ud995"``); Python decodes it into a ``str`` that
cannot be encoded as UTF-8, so MongoDB's BSON encoder, log lines and Kafka payloads would
all fail on it mid-request. One check at the door answers 422 and leaves nothing half-written.

What is checked is the decoded JSON, as a handler would see it: a key spelled ``"\\u0024gt"``
is ``"$gt"``, and a body in UTF-16 or UTF-32 decodes like UTF-8. A body without a content type
is checked too: a lenient parser (FastAPI with ``strict_content_type=False``, a handler
reading ``request.json()``) takes it as JSON.
"""

from __future__ import annotations

import email.message
import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from muninn_shared.problems import problem_response

# Only a body holding one of these can decode to what is refused; the rest skip the parse:
# a leading "$" of a key, or the escapes of "$", NUL and surrogates; a NUL byte (JSON in
# UTF-16 or UTF-32, where every ASCII character comes with NUL bytes); a surrogate encoded
# as raw bytes (the JSON decoder lets those through with "surrogatepass").
_SUSPECT = re.compile(rb'"\$|\\u(?:[dD][89a-fA-F]|0000|0024)|\x00|\xed[\xa0-\xbf]')
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Larger bodies pass through unchecked (and unbuffered): size limits further in refuse them.
MAX_CHECKED_BYTES = 4 * 1024 * 1024


def _may_be_read_as_json(scope: Scope) -> bool:
    """Whether the body's declared type is one a JSON parser accepts, FastAPI's way, or none."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            declared = value.decode("latin-1")
            if not declared.strip():
                return True
            message = email.message.Message()
            message["content-type"] = declared
            subtype = message.get_content_subtype()
            return message.get_content_maintype() == "application" and (
                subtype == "json" or subtype.endswith("+json")
            )
    return True


def has_invalid_text(value: Any) -> bool:
    """Whether any string in a decoded JSON value is not valid Unicode, or any object key could
    not be a field name (a NUL character, or a leading "$" that MongoDB reads as an operator)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            if any("\x00" in key or key.startswith("$") for key in item):
                return True
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class UnicodeTextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _BODY_METHODS
            or not _may_be_read_as_json(scope)
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay(chunks, message, receive, more=True), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if not message.get("more_body", False):
                break
            if size > MAX_CHECKED_BYTES:
                await self.app(scope, _replay(chunks, None, receive, more=True), send)
                return
        body = b"".join(chunks)
        if _SUSPECT.search(body):
            try:
                invalid = has_invalid_text(json.loads(body))
            except (ValueError, RecursionError):
                # Malformed or too deeply nested JSON: the framework's own 4xx says so.
                invalid = False
            if invalid:
                response = problem_response(
                    422,
                    "The body contains text that is not valid Unicode (an unpaired surrogate "
                    "escape such as \\ud800) or an object key with a NUL character or a "
                    "leading '$'; send UTF-8 text and plain keys.",
                    code="invalid-text",
                    instance=scope.get("path"),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, _replay([body], None, receive, more=False), send)


def _replay(
    bodies: list[bytes], pending: Message | None, receive: Receive, *, more: bool
) -> Receive:
    """A receive that hands the app what was already read, then the live connection."""
    queue: list[Message] = [{"type": "http.request", "body": b"".join(bodies), "more_body": more}]
    if pending is not None:
        queue.append(pending)

    async def replay() -> Message:
        if queue:
            return queue.pop(0)
        return await receive()

    return replay
