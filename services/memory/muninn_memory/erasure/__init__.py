"""Erasing a user's memory data that the shared erasure transaction does not reach by itself."""
