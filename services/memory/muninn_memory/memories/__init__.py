"""Memory records: models, MongoDB store, management and search over HTTP."""
