"""A mem0-compatible API (``/mem0/…``) over the memory service."""
