"""The DAV cursor: a compact JSON object with one entry per collection path.

``{"v": 1, "c": {"/ana/work/": {"t": "<sync token>", "n": "<pass token>", "a": "<href>"}}}``

* ``t``: the sync token of the last completed pass (absent: never synced, a full pass).
* ``n`` and ``a``, while a pass spans several pages: the token the server gave when the pass
  first listed its changes, and the last href delivered (hrefs go in sorted order). When the
  pass completes, ``n`` becomes ``t``: anything changed after that first listing is listed
  again next time, so nothing is skipped between pages, at the price of a few repeats.
* ``e``, for a server without ``sync-collection``: href → ETag of every item delivered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from muninn_integrations.connectors.port import CursorExpiredError

VERSION = 1


@dataclass(frozen=True)
class CollectionCursor:
    token: str | None = None
    pass_token: str | None = None
    after: str | None = None
    etags: dict[str, str] | None = field(default=None)

    @property
    def mid_pass(self) -> bool:
        return self.pass_token is not None


def decode_cursor(text: str | None) -> dict[str, CollectionCursor]:
    if text is None:
        return {}
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("v") != VERSION:
            raise ValueError("unknown cursor version")
        return {str(path): _collection(state) for path, state in document["c"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise CursorExpiredError(
            "The saved sync position is unreadable; syncing in full."
        ) from None


def encode_cursor(states: dict[str, CollectionCursor]) -> str:
    encoded: dict[str, dict[str, Any]] = {}
    for path, state in sorted(states.items()):
        entry: dict[str, Any] = {}
        for key, value in (("t", state.token), ("n", state.pass_token), ("a", state.after)):
            if value is not None:
                entry[key] = value
        if state.etags is not None:
            entry["e"] = dict(sorted(state.etags.items()))
        encoded[path] = entry
    return json.dumps({"v": VERSION, "c": encoded}, separators=(",", ":"))


def _collection(state: Any) -> CollectionCursor:
    if not isinstance(state, dict):
        raise TypeError("collection state is not an object")
    etags = state.get("e")
    if etags is not None and not (
        isinstance(etags, dict) and all(isinstance(v, str) for v in etags.values())
    ):
        raise TypeError("etags are not strings")
    return CollectionCursor(
        token=_optional_str(state.get("t")),
        pass_token=_optional_str(state.get("n")),
        after=_optional_str(state.get("a")),
        etags={str(k): v for k, v in etags.items()} if etags is not None else None,
    )


def _optional_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise TypeError("not a string")
