"""The provider port: what a generation asks for, what comes back, and how it fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant", "tool"]
ErrorKind = Literal[
    "rejected",  # the provider refused this request (4xx other than 429): retrying will not help
    "rate_limited",  # 429
    "unavailable",  # 5xx, 529, or an overload reported inside the stream
    "connection",  # could not connect, or the connection dropped
    "timeout",  # no answer (or no more data) within the configured time
    "protocol",  # the provider answered with something that is not its documented format
]

# Worth trying again later; the retry loop additionally limits itself to the kinds for which
# an immediate automatic retry is cheap (see retry.AUTO_RETRY).
_RETRYABLE: frozenset[str] = frozenset({"rate_limited", "unavailable", "connection", "timeout"})


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Role
    content: str
    name: str | None = None


class RecalledMemory(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    content: str
    score: float
    created_at: str | None = None


class UserContext(BaseModel):
    model_config = ConfigDict(frozen=True)

    assistant_name: str = "Muninn"
    display_name: str | None = None
    response_style: str = "concise"
    language: str = "en"


class GenerationRequest(BaseModel):
    messages: list[ChatMessage]
    model: str
    temperature: float | None = None
    user_id: str
    memories: list[RecalledMemory] = Field(default_factory=list)
    user_context: UserContext = Field(default_factory=UserContext)
    max_tokens: int | None = None


class TextDelta(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str


class Usage(BaseModel):
    model_config = ConfigDict(frozen=True)

    input_tokens: int
    output_tokens: int
    estimated: bool = Field(
        description="True when the provider did not report usage and it was counted as ~chars/4."
    )


class Completion(BaseModel):
    model_config = ConfigDict(frozen=True)

    finish_reason: str = Field(
        description="OpenAI vocabulary: stop, length, content_filter, tool_calls."
    )
    usage: Usage
    model: str = Field(
        description="The model that answered, as the provider reported it (used for pricing)."
    )
    provider: str


StreamEvent = TextDelta | Completion


class ProviderError(Exception):
    """A failed generation; ``str(exc)`` is written for the user and stored on the reply."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        kind: ErrorKind | None = None,
        status: int | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.kind: ErrorKind = kind or _kind_for(status, retryable)
        self.status = status
        self.retry_after = retry_after
        self._retryable = retryable

    @property
    def retryable(self) -> bool:
        """Whether the same request may succeed later (a rejected or garbled one will not)."""
        if self._retryable is not None:
            return self._retryable
        return self.kind in _RETRYABLE

    def __repr__(self) -> str:
        return f"ProviderError({self.message!r}, provider={self.provider!r}, kind={self.kind!r}, status={self.status!r})"


def _kind_for(status: int | None, retryable: bool | None) -> ErrorKind:
    if status == 429:
        return "rate_limited"
    if status is not None and status >= 500:
        return "unavailable"
    if status is not None:
        return "rejected"
    return "unavailable" if retryable else "rejected"


@runtime_checkable
class ChatProvider(Protocol):
    """An LLM behind one API. ``stream`` yields text deltas, then exactly one Completion."""

    @property
    def name(self) -> str: ...

    @property
    def models(self) -> list[str]: ...

    def stream(self, request: GenerationRequest) -> AsyncIterator[StreamEvent]: ...
