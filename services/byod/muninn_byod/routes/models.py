"""A user's route as byod last announced it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class Placement(StrEnum):
    HOSTED = "hosted"
    OWN = "own"


class Route(BaseModel):
    user_id: str
    version: int
    placement: Placement
    store_id: str | None
    writes_paused: bool
    announced_at: datetime
