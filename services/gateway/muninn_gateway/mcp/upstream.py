"""Tool calls reach the services' own HTTP APIs, as the caller, through the route table.

No business logic lives in the MCP layer: a tool is a documented request to an existing
endpoint, sent with the caller's (verified or exchanged) token, so each service checks the
user and the scope itself exactly as for any other client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from muninn_shared.logging import get_logger

from muninn_gateway.auth.models import Caller
from muninn_gateway.routing.table import RouteTable

log = get_logger(__name__)

QueryValue = str | int | float | bool | Sequence[str] | None


class UpstreamUnavailableError(Exception):
    """The service behind a tool did not answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def problem(self) -> str:
        """What went wrong, as the service said it (problem details), for the model to read."""
        if isinstance(self.body, dict):
            detail = self.body.get("detail") or self.body.get("title")
            errors = self.body.get("errors")
            text = str(detail) if detail else f"HTTP {self.status}"
            if isinstance(errors, list) and errors:
                text += " " + "; ".join(_error_line(e) for e in errors[:5])
            return text
        return f"HTTP {self.status}"


def _error_line(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)[:200]
    where = ".".join(str(p) for p in error.get("loc", [])[1:])
    message = str(error.get("msg", ""))[:200]
    return f"{where}: {message}" if where else message


def segment(value: str) -> str:
    """One path segment from a model-supplied id: nothing in it can reach another path."""
    return quote(value, safe="")


class Upstream:
    def __init__(
        self, client: httpx.AsyncClient, routes: RouteTable, *, timeout_seconds: float
    ) -> None:
        self._client = client
        self._routes = routes
        self._timeout = timeout_seconds

    async def call(
        self,
        caller: Caller,
        method: str,
        path: str,
        *,
        query: Mapping[str, QueryValue] | None = None,
        body: Any = None,
        request_id: str = "",
        client_address: str = "",
    ) -> Answer:
        route = self._routes.match(path)
        if route is None:
            raise UpstreamUnavailableError(f"no service serves {path}")
        params: list[tuple[str, str | int | float | bool | None]] = [
            (name, _text(item))
            for name, value in (query or {}).items()
            if value is not None
            for item in (value if isinstance(value, list | tuple) else [value])
        ]
        headers = {"authorization": caller.authorization, "accept": "application/json"}
        if request_id:
            headers["x-request-id"] = request_id
        if client_address:
            headers["x-forwarded-for"] = client_address
        response: httpx.Response | None = None
        # Replicas in turn, as the proxy does: one refusing connections is skipped for a while.
        for base_url in route.replicas.attempt_order():
            try:
                response = await self._client.request(
                    method,
                    base_url.rstrip("/") + path,
                    params=params,
                    json=body,
                    headers=headers,
                    timeout=min(self._timeout, route.read_timeout),
                )
            except httpx.ConnectError as exc:
                route.replicas.mark_down(base_url)
                log.info("mcp tool upstream replica refused", url=base_url, error=repr(exc))
                continue
            except httpx.HTTPError as exc:
                log.warning("mcp tool upstream failed", service=route.service, error=repr(exc))
                break
            route.replicas.mark_up(base_url)
            break
        if response is None:
            raise UpstreamUnavailableError(
                f"the {route.service} service is unavailable; try again shortly"
            )
        try:
            parsed: Any = response.json() if response.content else None
        except ValueError:
            parsed = response.text[:2000]
        return Answer(response.status_code, parsed)

    async def reachable(self, service: str, base_url: str) -> bool:
        try:
            response = await self._client.get(f"{base_url.rstrip('/')}/readyz", timeout=2.0)
        except httpx.HTTPError:
            return False
        return response.status_code == 200


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
