"""Outbound webhooks, signed so receivers can trust them.

Signature header: ``X-Muninn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with the user's webhook secret (the scheme Stripe popularised: the timestamp stops replays).
``Idempotency-Key`` is the notification id, the same on every attempt: delivery is at least
once, and a receiver drops what it has already seen.

Calls go through the outbound guard (public addresses only, checked at connect time, no
redirects). Whatever went wrong, the person sees only "delivery failed": telling a refused
address from a timeout or a 404 would make the webhook a scanner of the operator's network.
The detail goes to the operator's logs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
from muninn_shared.outbound import OutboundRefusedError

DELIVERY_FAILED = "delivery failed"


class DeliveryError(Exception):
    """A failed attempt. ``str()`` is what the person sees; ``detail`` is for the logs."""

    def __init__(self, detail: str, *, retryable: bool = True) -> None:
        super().__init__(DELIVERY_FAILED)
        self.detail = detail
        self.retryable = retryable


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance_seconds: int = 300, now: float | None = None
) -> bool:
    """What a receiver runs: constant-time comparison and a freshness window."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class WebhookSender:
    def __init__(self, http: httpx.AsyncClient, *, timeout: float = 10.0) -> None:
        """``http`` must be a guarded client (``muninn_shared.outbound.guarded_client``)."""
        self._http = http
        self._timeout = timeout

    async def send(
        self, url: str, secret: str, payload: dict[str, Any], *, delivery_id: str
    ) -> None:
        body = json.dumps(payload, separators=(",", ":"), default=str).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Muninn-Webhooks/1",
            "X-Muninn-Signature": sign(secret, int(time.time()), body),
            "X-Muninn-Delivery": delivery_id,
            "Idempotency-Key": str(payload.get("id", delivery_id)),
        }
        # Every failure is retried alike: giving up sooner on a 404 than on a timeout would
        # tell the two apart through the channel's state.
        # Only the status line and headers are read, within one deadline for the whole
        # exchange: a receiver cannot hold a sender with an endless body or a slow drip.
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._http.stream(
                    "POST", url, content=body, headers=headers, timeout=self._timeout
                ) as response,
            ):
                status = response.status_code
        except OutboundRefusedError as exc:
            raise DeliveryError(f"refused by the outbound guard: {exc.reason}") from None
        except (httpx.TimeoutException, TimeoutError):
            raise DeliveryError(f"no answer within {self._timeout:.0f} s") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise DeliveryError(f"could not reach the endpoint ({exc!r})") from None
        if status >= 300:
            raise DeliveryError(f"the endpoint answered {status}")
