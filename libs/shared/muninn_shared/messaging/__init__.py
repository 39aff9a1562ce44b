"""Kafka: broker factory, topic provisioning, and subscribers that are idempotent and dead-letter."""
