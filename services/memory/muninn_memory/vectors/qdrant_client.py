"""Qdrant client factory: server when a URL is set, else local mode on disk, else in memory."""

from __future__ import annotations

from pathlib import Path

from qdrant_client import AsyncQdrantClient


def create_qdrant_client(
    url: str | None, *, api_key: str | None = None, path: Path | None = None
) -> AsyncQdrantClient:
    if url:
        return AsyncQdrantClient(url=url, api_key=api_key)
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        return AsyncQdrantClient(path=str(path))
    return AsyncQdrantClient(location=":memory:")
