"""Generated from the merged OpenAPI document by tools/generate_sdk.py: do not edit."""
