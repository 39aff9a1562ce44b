"""Per-user event keys: handed to services that seal and open events, destroyed by erasure."""
