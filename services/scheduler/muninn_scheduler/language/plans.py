"""Recognising plans in what a person writes, by rules (the offline extractor).

Two shapes are recognised: a request to be reminded ("remind me to call mom tomorrow at
6pm", "don't let me forget to pay rent on Friday") and an appointment or outing ("dentist
with Dr. Mary next Tuesday at 3pm", "dinner at Tony's on Saturday at 8"). Questions and
sentences about the past are left alone, so "when is my dentist appointment?" schedules
nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from muninn_shared.whitespace import plain_whitespace

from muninn_scheduler.language.when import When, cut, find_when


class PlanKind(StrEnum):
    REMINDER = "reminder"
    APPOINTMENT = "appointment"


@dataclass(frozen=True)
class Plan:
    kind: PlanKind
    title: str
    local: datetime
    """Naive local wall-clock time of the reminder or the appointment's start."""
    has_time: bool = True
    experience_type: str = "appointment"
    provider: str | None = None
    location: str | None = None
    duration_minutes: int = 60


REMINDER_TRIGGER = re.compile(
    r"\b(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?"
    r"(?:remind\s+me|set\s+(?:me\s+)?(?:a|an)\s+reminder|don'?t\s+let\s+me\s+forget|nudge\s+me)"
    r"(?:\s+(?:to|about|that|of|for))?\b",
    re.IGNORECASE,
)
EVENING = re.compile(r"\b(?:dinner|supper|drinks|party|concert|gig|show)\b", re.IGNORECASE)
UNDO = re.compile(
    r"^\s*(?:please\s+)?(?:undo(?:\s+that)?|cancel\s+(?:that|it)|never\s*mind|scratch\s+that)"
    r"(?:\s+please)?\s*[.!]*\s*$",
    re.IGNORECASE,
)

# keyword -> experience type; the first keyword found decides.
APPOINTMENT_TYPES: list[tuple[str, str]] = [
    (r"dentist|dental|orthodontist", "dentist_appointment"),
    (r"doctor|\bdr\b\.?|physician|\bgp\b|check-?up|clinic", "medical_appointment"),
    (r"physio(?:therapist)?|chiropractor", "physiotherapy"),
    (r"therap(?:ist|y)|counsell?(?:or|ing)", "therapy_session"),
    (r"haircut|hairdresser|barber|salon", "hair_salon"),
    (r"\bvet\b|veterinar", "vet_appointment"),
    (r"massage|\bspa\b", "spa"),
    (r"dinner|lunch|brunch|breakfast|restaurant|reservation", "restaurant"),
    (r"concert|theat(?:er|re)|gig\b|show\b", "event"),
    (r"interview", "interview"),
    (r"meeting\s+with|appointment|appt\b|booked|booking", "appointment"),
]
VENUE_TYPES = {"restaurant", "event", "spa", "hair_salon"}

HONORIFIC = r"(?:Dr\.?|Doctor|Mr\.?|Mrs\.?|Ms\.?|Mx\.?|Prof\.?)"
NAME = r"[A-Z][\w'\u2019&-]*(?:\s+(?:[A-Z][\w'\u2019&-]*|de|da|van|von|del|la))*"
WITH_PERSON = re.compile(rf"\bwith\s+((?:{HONORIFIC}\s+)?{NAME})")
HONORIFIC_PERSON = re.compile(rf"\b({HONORIFIC}\s+{NAME})")
AT_PLACE = re.compile(rf"\b(?:at|in)\s+((?:the\s+)?{NAME})")
DURATION = re.compile(r"\bfor\s+(\d{1,3})\s*(minute|min|hour|hr)s?\b", re.IGNORECASE)
LEADING_FILLER = re.compile(
    r"^(?:(?:ok(?:ay)?|so|hey|hi|also|btw|and|oh)[,!]?\s+)*"
    r"(?:i\s+(?:have|'ve\s+got|have\s+got|got)\s+|i'?m\s+(?:going\s+to|having)\s+|"
    r"there'?s\s+|we\s+have\s+|we'?re\s+having\s+|my\s+)?"
    r"(?:a|an|the|my)?\s*",
    re.IGNORECASE,
)
TRAILING_PUNCTUATION = ",;:.!?"
TRAILING_COURTESY = re.compile(r"(?:please|pls|thanks|thank\s+you)\Z", re.IGNORECASE)
LEADING_LINK = re.compile(r"^(?:to|about|that|of|for|on|at)\s+", re.IGNORECASE)


def is_undo(text: str) -> bool:
    return bool(UNDO.match(text))


def _without_trailing_filler(title: str) -> str:
    """``title`` without trailing punctuation and one closing "please" or "thanks".

    Stripped in two linear steps: a pattern of two starred punctuation classes around the
    courtesy word backtracked cubically on a run of spaces or commas inside the title.
    """
    title = _rstrip_punctuation(title)
    courtesy = TRAILING_COURTESY.search(title)
    if courtesy is not None:
        title = _rstrip_punctuation(title[: courtesy.start()])
    return title


def _rstrip_punctuation(text: str) -> str:
    end = len(text)
    while end and (text[end - 1].isspace() or text[end - 1] in TRAILING_PUNCTUATION):
        end -= 1
    return text[:end]


def _tidy(title: str) -> str:
    title = _without_trailing_filler(title.strip())
    title = LEADING_LINK.sub("", title).strip(" ,;:-")
    return (title[:1].upper() + title[1:])[:200] if title else ""


def appointment_type(text: str) -> str | None:
    for pattern, kind in APPOINTMENT_TYPES:
        if re.search(pattern, text, re.IGNORECASE):
            return kind
    return None


def provider_of(text: str, kind: str) -> tuple[str | None, str | None]:
    """(provider, location): a named person ('with Dr. Mary'), else a named place ('at Tony's')."""
    person = WITH_PERSON.search(text) or HONORIFIC_PERSON.search(text)
    place = AT_PLACE.search(text)
    location = place.group(1).strip() if place else None
    if person:
        return person.group(1).strip(), location
    if kind in VENUE_TYPES and location:
        return location, location
    return None, location


def parse_plan(text: str, now_local: datetime) -> Plan | None:
    """The plan in one message, read against the person's local ``now``; None when there is none."""
    stripped = plain_whitespace(text)
    if not stripped or len(stripped) > 500:
        return None
    trigger = REMINDER_TRIGGER.search(stripped)
    if stripped.endswith("?") and not trigger:
        return None
    when = find_when(stripped, now_local, evening=bool(EVENING.search(stripped)))
    if when is None:
        return None
    if trigger:
        title = _tidy(cut(stripped, [*when.spans, trigger.span()]))
        if not title:
            return None
        return Plan(PlanKind.REMINDER, title, when.local, when.has_time)
    return _appointment(stripped, when)


def _appointment(text: str, when: When) -> Plan | None:
    kind = appointment_type(text)
    if kind is None:
        return None
    provider, location = provider_of(text, kind)
    duration = DURATION.search(text)
    minutes = 60
    spans = list(when.spans)
    if duration:
        amount = int(duration.group(1))
        minutes = amount * (60 if duration.group(2).lower().startswith("h") else 1)
        spans.append(duration.span())
    title = _tidy(LEADING_FILLER.sub("", cut(text, spans), count=1))
    if not title:
        return None
    return Plan(
        PlanKind.APPOINTMENT,
        title,
        when.local,
        when.has_time,
        experience_type=kind,
        provider=provider,
        location=location,
        duration_minutes=max(5, min(minutes, 24 * 60)),
    )
