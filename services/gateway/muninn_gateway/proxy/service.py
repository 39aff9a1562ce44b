"""Forwarding one request to its service over the pooled HTTP client."""

from __future__ import annotations

import anyio
import httpx
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope

from muninn_gateway.proxy.body import BodyTooLargeError, has_body, limited_body, too_large
from muninn_gateway.proxy.headers import (
    RawHeaders,
    downstream_response_headers,
    upstream_request_headers,
)
from muninn_gateway.proxy.streaming import BufferedResponse, UpstreamResponse, is_event_stream
from muninn_gateway.routing.table import Route

log = get_logger(__name__)


class UpstreamProxy:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        connect_timeout: float,
        stream_idle_timeout: float,
        retry_after_seconds: int,
    ) -> None:
        self._client = client
        self._connect_timeout = connect_timeout
        self._idle_timeout = stream_idle_timeout
        self._retry_after = str(retry_after_seconds)

    async def forward(
        self,
        request: Request,
        route: Route,
        *,
        authorization: str | None,
        extra_headers: RawHeaders,
    ) -> Response:
        scope = request.scope
        url = _upstream_url(route.base_url, scope)
        headers = upstream_request_headers(
            scope, authorization=authorization, request_id=_request_id(request)
        )
        # httpx applies its read timeout per socket read; the wait for the response head is
        # bounded separately below, so a long event stream only answers to the idle timeout.
        timeout = httpx.Timeout(
            connect=self._connect_timeout,
            read=max(route.read_timeout, self._idle_timeout),
            write=route.read_timeout,
            pool=self._connect_timeout,
        )
        upstream_request = httpx.Request(
            request.method,
            url,
            headers=headers,
            content=limited_body(request, route.max_body_bytes) if has_body(request) else None,
            extensions={"timeout": timeout.as_dict()},
        )
        try:
            with anyio.fail_after(route.read_timeout):
                upstream = await self._client.send(upstream_request, stream=True)
        except BodyTooLargeError as exc:
            raise too_large(exc.limit) from None
        except ClientDisconnect:
            raise ProblemError(
                400, "The client closed the connection before the body was sent."
            ) from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise self._unavailable(route, exc) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            # The connection dropped before a response head arrived: the service died or
            # restarted under the request. That is unavailability (retry), not a bad answer.
            raise self._unavailable(route, exc) from None
        except (TimeoutError, httpx.TimeoutException) as exc:
            log.warning("upstream timed out", service=route.service, error=repr(exc))
            raise ProblemError(
                504,
                f"The {route.service} service did not answer in time.",
                code="upstream-timeout",
            ) from None
        except httpx.HTTPError as exc:
            log.warning("upstream failed", service=route.service, error=repr(exc))
            raise ProblemError(
                502,
                f"The {route.service} service gave no valid response.",
                code="bad-gateway",
            ) from None
        response_headers = downstream_response_headers(
            upstream.headers.raw, upstream_base=route.base_url.encode("latin-1")
        )
        if _small_and_finite(upstream):
            # Read the whole body before answering: a service dying between its headers and
            # its body then gives the client a 503, not a 200 with a truncated body.
            body = await self._read_body(route, upstream)
            return BufferedResponse(upstream.status_code, body, response_headers + extra_headers)
        return UpstreamResponse(
            upstream,
            response_headers + extra_headers,
            chunk_timeout=self._idle_timeout if is_event_stream(upstream) else route.read_timeout,
        )

    async def _read_body(self, route: Route, upstream: httpx.Response) -> bytes:
        try:
            with anyio.fail_after(route.read_timeout):
                # Raw bytes: the body is passed on with the service's own Content-Encoding.
                return b"".join([chunk async for chunk in upstream.aiter_raw()])
        except (TimeoutError, httpx.TimeoutException) as exc:
            log.warning("upstream body timed out", service=route.service, error=repr(exc))
            raise ProblemError(
                504,
                f"The {route.service} service did not answer in time.",
                code="upstream-timeout",
            ) from None
        except httpx.HTTPError as exc:
            raise self._unavailable(route, exc) from None
        finally:
            await upstream.aclose()

    def _unavailable(self, route: Route, exc: Exception) -> ProblemError:
        log.warning("upstream unavailable", service=route.service, error=repr(exc))
        return ProblemError(
            503,
            f"The {route.service} service is unavailable; try again shortly.",
            code="upstream-unavailable",
            headers={"Retry-After": self._retry_after},
        )


BUFFER_LIMIT_BYTES = 1024 * 1024


def _small_and_finite(upstream: httpx.Response) -> bool:
    """A body of announced, modest length (not an event stream): worth reading whole."""
    if is_event_stream(upstream):
        return False
    length = upstream.headers.get("content-length", "")
    return length.isdigit() and int(length) <= BUFFER_LIMIT_BYTES


def _request_id(request: Request) -> str:
    request_id = request.scope.get("state", {}).get("request_id")
    return str(request_id) if request_id else ""


def _upstream_url(base_url: str, scope: Scope) -> httpx.URL:
    # The path goes on as the client encoded it (an id holding %2F stays one segment); some
    # servers put the query into raw_path too, so it is cut off and taken from query_string.
    raw_path: bytes | None = scope.get("raw_path")
    raw = (raw_path or str(scope["path"]).encode("utf-8")).split(b"?", 1)[0]
    query: bytes = scope.get("query_string", b"")
    base = httpx.URL(base_url)
    target = base.raw_path.rstrip(b"/") + raw + (b"?" + query if query else b"")
    try:
        return base.copy_with(raw_path=target)
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise ProblemError(400, "The request path or query is not a valid URL.") from None
