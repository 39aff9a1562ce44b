"""A small deterministic embedder for the memory tests: similar wording, similar vector.

A bag of stemmed words hashed into a few dimensions, normalised. It honours the embedder
port (model id, dimension, documents and queries) without a model on disk.
"""

from __future__ import annotations

import math

from muninn_memory.embeddings.port import Vector
from muninn_memory.retrieval.lexical import term_id, terms


class BagEmbedder:
    def __init__(self, model_id: str = "bag-a", dimension: int = 64) -> None:
        self._model_id = model_id
        self._dimension = dimension

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def slot(self, term: str) -> int:
        """The dimension a word adds to."""
        return term_id(term) % self._dimension

    def vector(self, text: str) -> Vector:
        v = [0.0] * self._dimension
        v[0] = 0.01
        for t in terms(text):
            v[self.slot(t)] += 1.0
        n = math.sqrt(sum(x * x for x in v))
        return [x / n for x in v]

    async def embed_documents(self, texts: list[str]) -> list[Vector]:
        return [self.vector(t) for t in texts]

    async def embed_query(self, text: str) -> Vector:
        return self.vector(text)

    async def close(self) -> None:
        return None
