"""Muninn identity service."""
