"""Extraction of facts from messages: offline rules, or an LLM when one is configured."""
