"""Store clients and the patterns built on them (outbox, idempotent consumers, routing)."""
