"""Text embedding models behind one port: an offline default and an OpenAI-compatible HTTP client."""

from muninn_memory.embeddings.port import Embedder, EmbeddingError

__all__ = ["Embedder", "EmbeddingError"]
