"""Outbound webhooks, signed so receivers can trust them.

Signature header: ``X-Muninn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with the user's webhook secret (the scheme Stripe popularised: the timestamp stops replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx


class DeliveryError(Exception):
    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
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
            "Idempotency-Key": payload.get("id", delivery_id),
        }
        try:
            response = await self._http.post(
                url, content=body, headers=headers, timeout=self._timeout
            )
        except httpx.TimeoutException:
            raise DeliveryError(
                f"the endpoint did not answer within {self._timeout:.0f} s"
            ) from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"could not reach the endpoint ({type(exc).__name__})") from None
        if response.status_code >= 300:
            # 4xx other than 408/429 will not get better by retrying.
            retryable = response.status_code >= 500 or response.status_code in (408, 429)
            raise DeliveryError(
                f"the endpoint answered {response.status_code}", retryable=retryable
            )
