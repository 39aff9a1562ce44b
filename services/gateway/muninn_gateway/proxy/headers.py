"""Which headers cross the gateway, in each direction."""

from __future__ import annotations

from starlette.types import Scope

RawHeaders = list[tuple[bytes, bytes]]

# Only what a service needs. Credentials are rebuilt (a verified or exchanged JWT), and the
# X-Forwarded-* set is the gateway's own view of the client: passing a client's
# X-Forwarded-For through would let anyone choose the address written to the audit log
# (behind trusted proxies the gateway sends the client address it resolved from theirs).
FORWARDED_REQUEST_HEADERS = frozenset(
    {
        b"accept",
        b"accept-encoding",
        b"accept-language",
        b"cache-control",
        b"content-encoding",
        b"content-length",
        b"content-type",
        b"idempotency-key",
        b"if-match",
        b"if-modified-since",
        b"if-none-match",
        b"if-range",
        b"if-unmodified-since",
        b"last-event-id",
        b"prefer",
        b"range",
        b"user-agent",
    }
)

# Hop-by-hop headers (RFC 9110 §7.6.1), and those the gateway's own server sets itself.
DROPPED_RESPONSE_HEADERS = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"date",
        b"server",
        b"x-request-id",
    }
)


def upstream_request_headers(
    scope: Scope, *, authorization: str | None, request_id: str, client_address: str
) -> RawHeaders:
    headers: RawHeaders = []
    host = b""
    for name, value in scope["headers"]:
        lowered = name.lower()
        if lowered in FORWARDED_REQUEST_HEADERS:
            headers.append((lowered, value))
        elif lowered == b"host":
            host = value
        elif lowered == b"authorization" and authorization is None:
            # Public routes: whatever the client sent is the upstream's to judge.
            headers.append((lowered, value))
    if authorization is not None:
        headers.append((b"authorization", authorization.encode("latin-1")))
    headers.append((b"x-request-id", request_id.encode("latin-1")))
    headers.append((b"x-forwarded-for", client_address.encode("latin-1")))
    headers.append((b"x-forwarded-proto", str(scope.get("scheme", "http")).encode("latin-1")))
    if host:
        headers.append((b"x-forwarded-host", host))
    return headers


def downstream_response_headers(headers: RawHeaders, *, upstream_base: bytes) -> RawHeaders:
    """Upstream response headers fit for the client (a Location into a service is made
    relative, so internal addresses never leak)."""
    kept: RawHeaders = []
    for name, value in headers:
        lowered = name.lower()
        if lowered in DROPPED_RESPONSE_HEADERS:
            continue
        if lowered in (b"location", b"content-location") and value.startswith(upstream_base):
            value = value[len(upstream_base) :] or b"/"
        kept.append((lowered, value))
    return kept
