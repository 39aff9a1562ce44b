"""The part of life something belongs to: a user's default, a conversation's, a reminder's or a
task's. One vocabulary for every service, so a value one stores another can read."""

from __future__ import annotations

from enum import StrEnum


class Context(StrEnum):
    WORK = "work"
    PERSONAL = "personal"
    FAMILY = "family"
