"""RFC 9457 problem details as exceptions: one class per status a caller handles differently."""

from __future__ import annotations

from typing import Any

import httpx

PROBLEM_MEDIA_TYPE = "application/problem+json"


class MuninnError(Exception):
    """Anything this client raises."""


class TransportError(MuninnError):
    """The server could not be reached (or stopped answering), after the allowed retries."""


class APIError(MuninnError):
    """The server answered with an error: its problem details, as sent."""

    status: int

    def __init__(self, response: httpx.Response, problem: dict[str, Any]) -> None:
        self.response = response
        self.status = response.status_code
        self.problem = problem
        self.type = str(problem.get("type") or "about:blank")
        self.title = str(problem.get("title") or response.reason_phrase or "error")
        self.detail: str | None = problem.get("detail")
        self.errors: list[dict[str, Any]] = list(problem.get("errors") or [])
        self.request_id = response.headers.get("x-request-id")
        super().__init__(
            f"{self.status} {self.title}" + (f": {self.detail}" if self.detail else "")
        )

    @property
    def code(self) -> str:
        """The problem's code: the last segment of its type (``not-found``)."""
        if self.type == "about:blank":
            return self.title.lower().replace(" ", "-")
        return self.type.rstrip("/").rsplit("/", 1)[-1]


class BadRequest(APIError):
    """400: the request is malformed (a bad cursor, a bad header)."""


class Unauthorized(APIError):
    """401: no credential, or one that is expired, revoked or unknown."""


class Forbidden(APIError):
    """403: the credential may not do this (an API key without the scope, a viewer writing)."""


class NotFound(APIError):
    """404."""


class Conflict(APIError):
    """409: the state does not allow it (already exists, already running)."""


class PayloadTooLarge(APIError):
    """413: the body (or the event it would make) is over a limit."""


class ValidationFailed(APIError):
    """422: the body or a parameter is not valid; ``errors`` says which field and why."""


class RateLimited(APIError):
    """429: too many requests; ``retry_after`` says in how many seconds to try again."""

    def __init__(self, response: httpx.Response, problem: dict[str, Any]) -> None:
        super().__init__(response, problem)
        self.retry_after = retry_after_seconds(response)


class ServerError(APIError):
    """5xx."""


class ServiceUnavailable(ServerError):
    """503: a service or store is down or switching; ``retry_after`` when the server says."""

    def __init__(self, response: httpx.Response, problem: dict[str, Any]) -> None:
        super().__init__(response, problem)
        self.retry_after = retry_after_seconds(response)


ERRORS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationFailed,
    429: RateLimited,
    503: ServiceUnavailable,
}


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date turned into a wait."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(response: httpx.Response) -> APIError:
    """The exception for an error answer (its body read already)."""
    problem: dict[str, Any] = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        problem = body
    elif response.content:
        problem = {"title": response.reason_phrase, "detail": response.text[:500]}
    kind = ERRORS.get(response.status_code)
    if kind is None:
        kind = ServerError if response.status_code >= 500 else APIError
    return kind(response, problem)
