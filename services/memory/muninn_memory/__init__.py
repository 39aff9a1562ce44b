"""Muninn memory service: Long-term memory: records with history, entities, summaries, documents; vectors in Qdrant."""
