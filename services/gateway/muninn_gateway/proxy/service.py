"""Forwarding one request to its service over the pooled connections."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
import anyio
from multidict import CIMultiDict
from muninn_shared.logging import get_logger
from muninn_shared.problems import ProblemError
from opentelemetry import propagate, trace
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope
from yarl import URL

from muninn_gateway.proxy.body import BodyTooLargeError, has_body, limited_body, too_large
from muninn_gateway.proxy.headers import (
    RawHeaders,
    downstream_response_headers,
    upstream_request_headers,
)
from muninn_gateway.proxy.pool import UpstreamPool
from muninn_gateway.proxy.streaming import BufferedResponse, UpstreamResponse, is_event_stream
from muninn_gateway.routing.table import Route

log = get_logger(__name__)
tracer = trace.get_tracer(__name__)

BUFFER_LIMIT_BYTES = 1024 * 1024
# Printable ASCII without space: what a request target may hold once percent-encoded.
_TARGET_BYTES = frozenset(range(0x21, 0x7F))


class UpstreamProxy:
    def __init__(
        self,
        pool: UpstreamPool,
        *,
        connect_timeout: float,
        stream_idle_timeout: float,
        retry_after_seconds: int,
    ) -> None:
        self._pool = pool
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
        client_address: str,
    ) -> Response:
        scope = request.scope
        headers = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in upstream_request_headers(
                scope,
                authorization=authorization,
                request_id=_request_id(request),
                client_address=client_address,
            )
        )
        # The socket read timeout applies per read; the wait for the response head is
        # bounded separately below, so a long event stream only answers to the idle timeout.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=self._connect_timeout,
            sock_read=max(route.read_timeout, self._idle_timeout),
        )
        upstream, base_url = await self._first_answer(request, route, headers, timeout)
        response_headers = downstream_response_headers(
            list(upstream.raw_headers), upstream_base=base_url.encode("latin-1")
        )
        if _small_and_finite(upstream):
            # Read the whole body before answering: a service dying between its headers and
            # its body then gives the client a 503, not a 200 with a truncated body.
            body_bytes = await self._read_body(route, upstream)
            return BufferedResponse(upstream.status, body_bytes, response_headers + extra_headers)
        return UpstreamResponse(
            upstream,
            response_headers + extra_headers,
            chunk_timeout=self._idle_timeout if is_event_stream(upstream) else route.read_timeout,
        )

    async def _first_answer(
        self,
        request: Request,
        route: Route,
        headers: CIMultiDict[str],
        timeout: aiohttp.ClientTimeout,
    ) -> tuple[aiohttp.ClientResponse, str]:
        """The response head of the first replica that takes the request, and its base URL."""
        attempts = route.replicas.attempt_order()
        for attempt, base_url in enumerate(attempts, start=1):
            url = _upstream_url(base_url, request.scope)
            body = limited_body(request, route.max_body_bytes) if has_body(request) else None
            try:
                upstream = await self._send(request, route, url, headers, body, timeout)
            except Exception as exc:
                if body is not None:
                    await body.aclose()
                if _never_reached(exc):
                    route.replicas.mark_down(base_url)
                    if attempt < len(attempts):
                        log.info("upstream replica refused, trying the next", url=base_url)
                        continue
                raise self._problem(route, exc) from None
            route.replicas.mark_up(base_url)
            return upstream, base_url
        raise AssertionError("a replica set is never empty")

    async def _send(
        self,
        request: Request,
        route: Route,
        url: URL,
        headers: CIMultiDict[str],
        body: AsyncGenerator[bytes, None] | None,
        timeout: aiohttp.ClientTimeout,
    ) -> aiohttp.ClientResponse:
        with (
            tracer.start_as_current_span(
                f"{request.method} {route.service}", kind=trace.SpanKind.CLIENT
            ) as span,
            anyio.fail_after(route.read_timeout),
        ):
            propagate.inject(headers)
            upstream = await self._pool.session().request(
                request.method,
                url,
                headers=headers,
                data=body,
                timeout=timeout,
                allow_redirects=False,
            )
            span.set_attribute("http.response.status_code", upstream.status)
            return upstream

    async def _read_body(self, route: Route, upstream: aiohttp.ClientResponse) -> bytes:
        try:
            with anyio.fail_after(route.read_timeout):
                # Raw bytes: the body is passed on with the service's own Content-Encoding.
                return await upstream.read()
        except TimeoutError as exc:
            log.warning("upstream body timed out", service=route.service, error=repr(exc))
            raise ProblemError(
                504,
                f"The {route.service} service did not answer in time.",
                code="upstream-timeout",
            ) from None
        except aiohttp.ClientError as exc:
            raise self._unavailable(route, exc) from None
        finally:
            upstream.release()

    def _problem(self, route: Route, exc: Exception) -> Exception:
        """What the client is told when no response head came back."""
        # aiohttp sends the body from its own task and wraps what the body raised.
        cause = _body_failure(exc)
        if isinstance(cause, BodyTooLargeError):
            return too_large(cause.limit)
        if isinstance(cause, ClientDisconnect):
            return ProblemError(400, "The client closed the connection before the body was sent.")
        if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
            return self._unavailable(route, exc)
        if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError):
            # The connection dropped before a response head arrived: the service died or
            # restarted under the request. That is unavailability (retry), not a bad answer.
            return self._unavailable(route, exc)
        if isinstance(exc, TimeoutError):  # aiohttp's read timeouts are TimeoutErrors too
            log.warning("upstream timed out", service=route.service, error=repr(exc))
            return ProblemError(
                504, f"The {route.service} service did not answer in time.", code="upstream-timeout"
            )
        if isinstance(exc, aiohttp.ClientError):
            log.warning("upstream failed", service=route.service, error=repr(exc))
            return ProblemError(
                502, f"The {route.service} service gave no valid response.", code="bad-gateway"
            )
        return exc

    def _unavailable(self, route: Route, exc: Exception) -> ProblemError:
        log.warning("upstream unavailable", service=route.service, error=repr(exc))
        return ProblemError(
            503,
            f"The {route.service} service is unavailable; try again shortly.",
            code="upstream-unavailable",
            headers={"Retry-After": self._retry_after},
        )


def _never_reached(exc: BaseException) -> bool:
    """The connection was never made, so the request cannot have reached the replica and
    another may take it, whatever its method (a dropped connection may have: no retry)."""
    return isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


def _body_failure(exc: BaseException) -> BaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, BodyTooLargeError | ClientDisconnect):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _small_and_finite(upstream: aiohttp.ClientResponse) -> bool:
    """A body of announced, modest length (not an event stream): worth reading whole."""
    if is_event_stream(upstream):
        return False
    length = upstream.headers.get("content-length", "")
    return length.isdigit() and int(length) <= BUFFER_LIMIT_BYTES


def _request_id(request: Request) -> str:
    request_id = request.scope.get("state", {}).get("request_id")
    return str(request_id) if request_id else ""


def _upstream_url(base_url: str, scope: Scope) -> URL:
    # The path goes on as the client encoded it (an id holding %2F stays one segment); some
    # servers put the query into raw_path too, so it is cut off and taken from query_string.
    raw_path: bytes | None = scope.get("raw_path")
    raw = (raw_path or str(scope["path"]).encode("utf-8")).split(b"?", 1)[0]
    query: bytes = scope.get("query_string", b"")
    target = raw + (b"?" + query if query else b"")
    if not target.startswith(b"/") or not _TARGET_BYTES.issuperset(target):
        raise ProblemError(400, "The request path or query is not a valid URL.")
    base = URL(base_url)
    prefix = base.raw_path.rstrip("/")
    return URL(
        f"{base.scheme}://{base.raw_authority}{prefix}{target.decode('ascii')}", encoded=True
    )
