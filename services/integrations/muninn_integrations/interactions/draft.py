"""What a caller hands the interactions feature to record one interaction with a contact.

Kept apart from the feature's other models so features that only *produce* interactions
(conversation mentions) depend on this shape alone. Texts are not bounded here: the recorder
clips them to what the ``interaction`` record carries (subject 200, summary 500 characters).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

InteractionKind = Literal["email", "meeting", "call", "message", "manual"]
InteractionDirection = Literal["inbound", "outbound", "mutual"]
InteractionSource = Literal["mail", "calendar", "manual", "conversation"]


class InteractionDraft(BaseModel):
    kind: InteractionKind
    direction: InteractionDirection = "mutual"
    subject: str | None = None
    summary: str | None = None
    sentiment: float | None = None
    occurred_at: datetime
    duration_minutes: int | None = None
    attendees: list[str] = Field(default_factory=list)
    external_id: str | None = None
    source: InteractionSource = "manual"
    thread_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
