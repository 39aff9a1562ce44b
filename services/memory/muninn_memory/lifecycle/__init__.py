"""Memory lifecycle: user retention preferences, expiry, decay of interests, background runs."""
