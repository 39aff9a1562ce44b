"""The offline briefing: the facts assembled into short plain sentences, and the talking
points they suggest.

Every text that came from outside (names, subjects, topics) is cleaned of control characters,
bounded, and subjects are quoted with their own double quotes turned into single ones, so a
hostile subject can neither run on nor pass as Muninn's own words.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from muninn_integrations.briefings.models import (
    MAX_CONTENT,
    MAX_POINT,
    MAX_TITLE,
    BriefingFacts,
    Composition,
    ContactFacts,
    InteractionFacts,
    TalkingPoint,
)

OFFLINE = "offline"
MAX_RECENT = 3
MAX_OPEN = 3
MAX_INTERESTS = 3
MAX_POINTS = 5
SUBJECT_CHARS = 80
NAME_CHARS = 80

KIND_WORDS = {
    "email": "e-mail",
    "meeting": "meeting",
    "call": "call",
    "message": "message",
    "manual": "note",
}
RHYTHM_WORDS = {
    "daily": "you talk almost every day",
    "weekly": "you usually talk every week",
    "biweekly": "you usually talk every couple of weeks",
    "monthly": "you usually talk about once a month",
    "quarterly": "you talk a few times a year",
    "rarely": "you rarely talk",
}


def plain(value: str | None, limit: int = NAME_CHARS) -> str:
    """``value`` on one line, without control or format characters, at most ``limit`` long."""
    if not value:
        return ""
    kept = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in value[: limit * 4])
    text = " ".join(kept.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quoted(value: str | None, limit: int = SUBJECT_CHARS) -> str:
    """A subject in double quotes; its own double quotes become single ones."""
    text = plain((value or "").replace('"', "'").replace("“", "'").replace("”", "'"), limit)
    return f'"{text or "(no subject)"}"'


def day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def strength_word(strength: float | None) -> str | None:
    if strength is None:
        return None
    if strength >= 0.7:
        return "close"
    if strength >= 0.4:
        return "regular"
    if strength >= 0.2:
        return "occasional"
    return "distant"


def who(contact: ContactFacts) -> str:
    name = plain(contact.name) or "This contact"
    title, company = plain(contact.title), plain(contact.company)
    if title and company:
        return f"{name}: {title} at {company}."
    if title or company:
        return f"{name}: {title or 'at ' + company}."
    return f"{name}."


def how_you_know(contact: ContactFacts) -> str | None:
    parts: list[str] = []
    if word := strength_word(contact.relationship_strength):
        parts.append(f"A {word} relationship")
    if rhythm := RHYTHM_WORDS.get(contact.interaction_frequency or ""):
        parts.append(rhythm)
    sentence = "; ".join(parts)
    sentence = sentence[:1].upper() + sentence[1:] + "." if sentence else ""
    if contact.going_cold:
        sentence = (sentence + " It has been longer than usual since you last spoke.").strip()
    return sentence or None


def interaction_line(item: InteractionFacts) -> str:
    kind = KIND_WORDS.get(item.kind, "interaction")
    if item.subject:
        return f"{day(item.occurred_at)}, {kind} {quoted(item.subject)}"
    return f"{day(item.occurred_at)}, {kind}"


def recent_line(recent: list[InteractionFacts]) -> str:
    if not recent:
        return "No interactions recorded yet."
    return "Last in touch: " + "; ".join(interaction_line(i) for i in recent[:MAX_RECENT]) + "."


def open_line(threads: list[InteractionFacts]) -> str | None:
    if not threads:
        return None
    waiting = [f"{quoted(t.subject)} ({day(t.occurred_at)})" for t in threads[:MAX_OPEN]]
    return "Waiting for your reply: " + "; ".join(waiting) + "."


def topics(facts: BriefingFacts) -> list[str]:
    ranked = sorted(facts.interests, key=lambda i: -i.confidence)
    found: list[str] = []
    for interest in ranked:
        topic = plain(interest.topic, 60)
        if topic and topic not in found:
            found.append(topic)
    return found[:MAX_INTERESTS]


def interests_line(facts: BriefingFacts) -> str | None:
    found = topics(facts)
    if not found:
        return None
    listed = found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]
    return f"Interested in {listed}."


def job_line(contact: ContactFacts) -> str | None:
    change = contact.job_change
    if change is None or not (change.company or change.title):
        return None
    now = " at ".join(p for p in (plain(change.title), plain(change.company)) if p)
    before = " at ".join(
        p for p in (plain(change.previous_title), plain(change.previous_company)) if p
    )
    line = f"New role: {now}"
    if change.effective_on:
        line += f" since {plain(change.effective_on, 10)}"
    if before:
        line += f" (before: {before})"
    return line + "."


def talking_points(facts: BriefingFacts) -> tuple[TalkingPoint, ...]:
    points: list[TalkingPoint] = []
    change = facts.contact.job_change
    if change is not None and (change.company or change.title):
        where = plain(change.company) or plain(change.title)
        points.append(TalkingPoint(f"Ask about the new role at {where}."))
    for thread in facts.open_threads[:2]:
        points.append(TalkingPoint(f"Reply to {quoted(thread.subject)}.", (thread.id,)))
    for topic in topics(facts)[:2]:
        points.append(TalkingPoint(f"Ask about {topic}."))
    if not points and facts.contact.going_cold:
        points.append(TalkingPoint("Catch up: it has been a while since you last spoke."))
    return tuple(
        TalkingPoint(p.text[:MAX_POINT], p.source_interactions) for p in points[:MAX_POINTS]
    )


def used_interactions(facts: BriefingFacts) -> tuple[str, ...]:
    ids: list[str] = []
    for item in [*facts.recent[:MAX_RECENT], *facts.open_threads[:MAX_OPEN]]:
        if item.id not in ids:
            ids.append(item.id)
    return tuple(ids)


def confidence(facts: BriefingFacts) -> float:
    """More kinds of facts, more to stand on: 0.4 with nothing but a name, at most 0.9."""
    known = [
        bool(facts.recent),
        bool(facts.open_threads),
        bool(facts.interests),
        facts.contact.relationship_strength is not None,
        facts.contact.job_change is not None,
    ]
    return round(min(0.9, 0.4 + 0.1 * sum(known)), 2)


def fact_lines(facts: BriefingFacts) -> list[str]:
    contact = facts.contact
    lines = [
        who(contact),
        how_you_know(contact),
        recent_line(facts.recent),
        open_line(facts.open_threads),
        interests_line(facts),
        job_line(contact),
    ]
    return [line for line in lines if line]


def bounded(text: str, limit: int = MAX_CONTENT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def briefing_title(name: str, event_title: str | None) -> str:
    person = plain(name) or "a contact"
    if event_title:
        return bounded(f"Before {quoted(event_title)}: {person}", MAX_TITLE)
    return bounded(f"Briefing: {person}", MAX_TITLE)


def compose_briefing(facts: BriefingFacts) -> Composition:
    points = talking_points(facts)
    lines = fact_lines(facts)
    if points:
        lines.append("Talking points: " + " ".join(p.text for p in points))
    return Composition(
        title=briefing_title(facts.contact.name, facts.event.title if facts.event else None),
        content=bounded("\n".join(lines)),
        talking_points=points,
        source_interactions=used_interactions(facts),
        confidence=confidence(facts),
        writer=OFFLINE,
    )


def compose_summary(facts: BriefingFacts) -> Composition:
    return Composition(
        title=bounded(f"About {plain(facts.contact.name) or 'a contact'}", MAX_TITLE),
        content=bounded("\n".join(fact_lines(facts))),
        talking_points=(),
        source_interactions=used_interactions(facts),
        confidence=confidence(facts),
        writer=OFFLINE,
    )
