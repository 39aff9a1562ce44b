"""The embedding port: what the retrieval engine needs from a text embedding model."""

from __future__ import annotations

import re
from typing import Protocol

Vector = list[float]

DEFAULT_MAX_INPUT_BYTES = 1024
"""How much of a text an embedder reads by default: its start, at most this many UTF-8 bytes."""


def text_head(text: str, max_bytes: int) -> str:
    """The start of ``text`` a model is given: at most ``max_bytes`` of UTF-8.

    A model embeds a long text window by window (512 tokens each), so its cost grows with
    its length, and within a window faster than it: a message of 20,000 emoji held the
    offline model's single document lane for two minutes, and every other user's memories
    queued behind it; 2,000 characters of punctuation took 10 s. A token never spans less
    than a byte, so the cut bounds the tokens; a chat message or a document chunk fits
    whole, a longer text is embedded from its start, and the whole text stays stored and
    keyword-searchable. A cut inside a multi-byte character drops that character.
    """
    head = text[:max_bytes]
    encoded = head.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return head
    return encoded[:max_bytes].decode("utf-8", "ignore")


class EmbeddingError(RuntimeError):
    """The model could not embed the input (unreachable server, bad answer, wrong dimension)."""


class Embedder(Protocol):
    """A text embedding model; vectors of one model live in one collection.

    Documents and queries are embedded separately because asymmetric models (E5, BGE…)
    expect different prefixes for them. Implementations never block the event loop.
    """

    @property
    def model_id(self) -> str:
        """Stable, filesystem- and collection-safe id of the model (and its variant)."""
        ...

    @property
    def dimension(self) -> int: ...

    async def embed_documents(self, texts: list[str]) -> list[Vector]: ...

    async def embed_query(self, text: str) -> Vector: ...

    async def close(self) -> None: ...


_UNSAFE = re.compile(r"[^a-z0-9]+")


def slugify_model_id(name: str) -> str:
    """Lowercase alphanumerics and single dashes: safe in a collection or directory name."""
    slug = _UNSAFE.sub("-", name.lower()).strip("-")
    if not slug:
        raise ValueError(f"model name {name!r} has no usable characters")
    return slug
