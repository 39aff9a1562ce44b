"""Opaque cursors for newest-first lists ordered by (timestamp, id)."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from muninn_shared.problems import ProblemError


def encode_cursor(at: datetime, item_id: str) -> str:
    raw = json.dumps([at.isoformat(), item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, item_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(at), str(item_id)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ProblemError(
            400,
            "The cursor is not valid; use next_cursor from a previous page.",
            code="invalid-cursor",
        ) from None
