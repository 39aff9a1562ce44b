"""Contacts normalized from vCard 3 and 4."""
