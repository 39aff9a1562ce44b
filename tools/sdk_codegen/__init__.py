"""Generates the Python SDK's models and resources from the merged OpenAPI document."""
