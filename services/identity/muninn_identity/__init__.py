"""Muninn identity service: users, credentials, sessions, API keys, preferences, presence, audit, privacy."""
