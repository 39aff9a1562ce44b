"""What the rules read in one chat message: people named, and what was said about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from muninn_integrations.contacts.jobs import JobStatement

MeetingKind = Literal["meeting", "call", "message", "email"]


@dataclass(frozen=True)
class Person:
    """Someone a statement is about: a name as written, or None for a pronoun (she, he,
    they, her, him, them), which stands for the contact named last before it."""

    name: str | None
    position: int


@dataclass(frozen=True)
class Named:
    """A name that could be a contact's, wherever it stands: what a later pronoun refers to."""

    person: Person

    @property
    def position(self) -> int:
        return self.person.position


@dataclass(frozen=True)
class InteractionMention:
    """The user met, called or wrote to ``people`` at ``occurred_at``."""

    people: tuple[Person, ...]
    kind: MeetingKind
    occurred_at: datetime
    sentence: str
    position: int


@dataclass(frozen=True)
class JobMention:
    person: Person
    statement: JobStatement
    position: int


@dataclass(frozen=True)
class InterestMention:
    """``person`` loves, likes or is into ``text`` (what the interests feature reads)."""

    person: Person
    text: str
    position: int


Step = Named | InteractionMention | JobMention | InterestMention


@dataclass(frozen=True)
class Reading:
    """Steps in the order they stand in the message."""

    steps: tuple[Step, ...]

    @property
    def names(self) -> list[str]:
        """Every distinct name to look up among the contacts, in order of appearance."""
        found: list[str] = []
        for step in self.steps:
            people = step.people if isinstance(step, InteractionMention) else (step.person,)
            for person in people:
                if person.name is not None and person.name not in found:
                    found.append(person.name)
        return found

    @property
    def says_something(self) -> bool:
        return any(not isinstance(step, Named) for step in self.steps)
