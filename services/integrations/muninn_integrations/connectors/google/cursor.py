"""Google connectors' cursors: a small versioned JSON object each; an unreadable one asks
for a full sync."""

from __future__ import annotations

import json
from typing import Any

from muninn_integrations.connectors.port import CursorExpiredError

CURSOR_VERSION = 1


def decode_cursor(cursor: str | None, product: str) -> dict[str, Any] | None:
    if cursor is None:
        return None
    try:
        state = json.loads(cursor)
    except ValueError:
        state = None
    if not isinstance(state, dict) or state.get("v") != CURSOR_VERSION or state.get("p") != product:
        raise CursorExpiredError("The saved sync position is unreadable; syncing in full.")
    return state


def encode_cursor(state: dict[str, Any], product: str) -> str:
    compact = {k: v for k, v in state.items() if v is not None}
    compact.update({"v": CURSOR_VERSION, "p": product})
    return json.dumps(compact, separators=(",", ":"), sort_keys=True)
