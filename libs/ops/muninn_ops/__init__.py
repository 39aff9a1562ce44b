"""Operator tools for a Muninn deployment: backups, restores, Qdrant snapshots."""
