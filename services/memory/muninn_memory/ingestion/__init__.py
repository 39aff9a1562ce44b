"""Ingestion: persisted jobs from the API and conversation events, worked off with back-pressure."""
