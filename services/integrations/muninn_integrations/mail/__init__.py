"""Mail synced from the user's mailboxes (read-only)."""
