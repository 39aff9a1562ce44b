"""Every content service's ``GET /internal/privacy/export``, which identity gathers into the
user's export archive."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ServiceExport(BaseModel):
    service: str
    collections: dict[str, list[dict[str, Any]]]
    """Collection name → the user's documents in it, secrets redacted."""
