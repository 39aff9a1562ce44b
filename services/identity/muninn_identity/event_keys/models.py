"""What the internal event-key endpoint answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class EventKeyGrant(BaseModel):
    user_id: str
    key: str = Field(description="The user's 256-bit event key, base64url.")
