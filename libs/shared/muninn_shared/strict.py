"""The base of the models that refuse fields they do not know: a client's misspelt or
unsupported field answers 422 instead of being dropped without a word."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
