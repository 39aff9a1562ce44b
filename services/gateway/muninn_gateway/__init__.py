"""Muninn gateway service."""
