"""Entities (people, places, organisations…) and relationships between them."""
