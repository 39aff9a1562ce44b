"""The embedding port: what the retrieval engine needs from a text embedding model."""

from __future__ import annotations

import re
from typing import Protocol

Vector = list[float]


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
