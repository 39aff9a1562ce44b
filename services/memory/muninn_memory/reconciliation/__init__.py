"""Reconciliation of new facts against what is already remembered: add, update, delete, no-op."""
