"""Muninn conversation service: Conversations, messages and streaming generation, advisors, workspace content, usage."""
