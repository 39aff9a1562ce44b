"""Vector store adapters behind the retrieval engine: embedded Qdrant Edge and Qdrant server."""
