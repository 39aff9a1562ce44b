"""Keeping the vector index in step with the MongoDB records it mirrors (memories, chunks)."""
