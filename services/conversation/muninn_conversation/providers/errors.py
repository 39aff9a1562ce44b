"""Turning a provider's failure into a ProviderError whose message a user can act on.

Messages name the provider and, where there is one, the HTTP status and the provider's own
explanation, e.g. "The model provider 'openai' rejected the request (401 Unauthorized):
Incorrect API key provided". They carry no trailing period so notes can be appended.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import httpx

from muninn_conversation.providers.models import ErrorKind, ProviderError
from muninn_conversation.providers.retry import parse_retry_after

_DETAIL_LIMIT = 300
_EXTRA_PHRASES = {529: "Overloaded"}  # Anthropic's overload status is not in the IANA registry
# Worth repeating as-is: the server timed out or hit a conflict, as the official SDKs also assume.
_TRANSIENT_4XX = frozenset({408, 409})


def seconds(value: float) -> str:
    return f"{value:g} s"


def status_label(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = _EXTRA_PHRASES.get(status, "")
    return f"{status} {phrase}".strip()


def error_detail(body: bytes) -> str:
    """The provider's explanation from an error body (OpenAI, Anthropic, Ollama, vLLM shapes)."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    try:
        payload: Any = json.loads(text)
    except ValueError:
        return "" if text.startswith("<") else _clip(text)  # an HTML error page says nothing useful
    return _clip(_message_in(payload))


def _message_in(payload: Any) -> str:
    if isinstance(payload, str):
        return payload
    if not isinstance(payload, dict):
        return ""
    error = payload.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or "")
    if isinstance(error, str):
        return error
    for key in ("message", "detail"):
        value = payload.get(key)
        if isinstance(value, str):
            return value
    return ""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def from_status(provider: str, response: httpx.Response, body: bytes) -> ProviderError:
    status = response.status_code
    label = status_label(status)
    detail = error_detail(body)
    suffix = f": {detail}" if detail else ""
    transient: tuple[ErrorKind, str] | None = None
    if status == 429:
        transient = ("rate_limited", "is rate-limiting requests")
    elif status >= 500 or status in _TRANSIENT_4XX:
        transient = ("unavailable", "is unavailable")
    if transient is not None:
        kind, state = transient
        return ProviderError(
            f"The model provider '{provider}' {state} ({label}){suffix}",
            provider=provider,
            kind=kind,
            status=status,
            retry_after=parse_retry_after(response.headers),
        )
    hint = ""
    if status in (401, 403) and not detail:
        hint = ": check the provider's API key"
    return ProviderError(
        f"The model provider '{provider}' rejected the request ({label}){suffix}{hint}",
        provider=provider,
        kind="rejected",
        status=status,
    )


def from_transport(
    provider: str, base_url: str, exc: httpx.HTTPError, *, started: bool, timeout: float
) -> ProviderError:
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        reason = str(exc) or type(exc).__name__
        return ProviderError(
            f"Could not reach the model provider '{provider}' at {base_url}: {reason}",
            provider=provider,
            kind="connection",
        )
    if isinstance(exc, httpx.TimeoutException):
        message = (
            f"The model provider '{provider}' stopped responding mid-reply (nothing for {seconds(timeout)})"
            if started
            else f"The model provider '{provider}' did not answer within {seconds(timeout)}"
        )
        return ProviderError(message, provider=provider, kind="timeout")
    return ProviderError(
        f"The connection to the model provider '{provider}' broke"
        + (" mid-reply" if started else "")
        + f": {str(exc) or type(exc).__name__}",
        provider=provider,
        kind="connection",
    )


def malformed(provider: str, what: str) -> ProviderError:
    return ProviderError(
        f"The model provider '{provider}' sent a malformed stream: {what}",
        provider=provider,
        kind="protocol",
    )


def truncated(provider: str) -> ProviderError:
    return ProviderError(
        f"The model provider '{provider}' closed the stream before the reply was complete",
        provider=provider,
        kind="connection",
    )
