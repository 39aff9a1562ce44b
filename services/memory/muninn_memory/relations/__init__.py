"""Typed relations between two memories of a user."""
