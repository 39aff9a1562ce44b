"""Uploaded documents (text, markdown, PDF): parsed, chunked, indexed beside memories."""
