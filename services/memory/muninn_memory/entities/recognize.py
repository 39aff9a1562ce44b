"""Recognising entity mentions in a message, by rules: names, roles, places, organisations.

"my dentist Dr. Mary", "Mary" and "the dentist" are three surface forms of one person; this
module reports each with its aliases and role so resolution can merge them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from muninn_shared.calendar_words import MONTHS, WEEKDAYS

from muninn_memory.extraction.rules import MAX_CLAUSE_CHARS, MULTI_ROLES, PETS, UNIQUE_ROLES
from muninn_memory.extraction.text import pieces, sentences, words

EntityType = Literal["person", "place", "organization", "project", "event", "product", "service"]
ENTITY_TYPES: tuple[EntityType, ...] = (
    "person",
    "place",
    "organization",
    "project",
    "event",
    "product",
    "service",
)

TITLES = re.compile(
    r"^(?:dr|mr|mrs|ms|miss|prof|professor|sir|madam|aunt|uncle|grandma|grandpa)\.?\s+", re.I
)
# A name's words are at most 40 letters: unbounded, every capital of a long run of capitals
# began a match through the rest of the run (quadratic in its length).
_CAP = r"(?-i:[A-Z][a-zA-Z'&\-]{0,40}[a-zA-Z])"
_NAME = rf"(?-i:(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?{_CAP}(?:\s+(?:of\s+|de\s+|van\s+|von\s+)?{_CAP}){{0,3}})"
_ROLE = "|".join(sorted((re.escape(r) for r in UNIQUE_ROLES | MULTI_ROLES), key=len, reverse=True))
_PET = "|".join(sorted((re.escape(p) for p in PETS), key=len, reverse=True))

ORG_SUFFIX = re.compile(
    r"\b(?:Inc|Ltd|LLC|Corp|Corporation|Company|Co|University|College|School|Academy|Bank|Hospital|Clinic|Group|Labs?|Institute|Foundation|Agency|GmbH|AG|SA|Studios?|Technologies|Systems|Society|Association|Club|Church|Museum|Library|Center|Centre|Cafe|Café|Restaurant|Bakery|Gym)\.?$"
)
EVENT_SUFFIX = re.compile(
    r"\b(?:Conference|Festival|Summit|Wedding|Party|Concert|Marathon|Expo|Cup|Olympics|Fair|Gala|Con|Parade|Tournament|Championship|Meetup|Hackathon|Retreat)$"
)
PLACE_WORDS = re.compile(
    r"\b(?:Street|St|Avenue|Ave|Road|Park|Lake|River|Mountain|Mountains|Beach|Island|Islands|City|Valley|Bay|Square|Bridge)$"
)

_ORG_CONTEXT = re.compile(
    rf"\b(?:work(?:s|ed|ing)?\s+(?:at|for)|job\s+at|hired\s+(?:by|at)|intern(?:ing|ship)?\s+at|employed\s+(?:by|at)|joined|studi(?:es|ed)\s+at|graduated\s+from|student\s+at)\s+(?:the\s+)?({_NAME})",
    re.I,
)
_PLACE_CONTEXT = re.compile(
    rf"\b(?:live[sd]?\s+in|living\s+in|moved\s+to|moving\s+to|relocat\w*\s+to|from|grew\s+up\s+in|born\s+in|visit(?:ed|ing)?|trip\s+to|fl(?:y|ew|ying)\s+to|travel(?:l?ed|l?ing)?\s+to|back\s+from|going\s+to|went\s+to|vacation\s+in|holiday\s+in|based\s+in|in|near)\s+({_NAME})",
    re.I,
)
_PROJECT = re.compile(rf"\b[Pp]roject\s+({_CAP}(?:\s+{_CAP})?)|\b({_CAP})\s+project\b")
_ROLE_NAME = re.compile(
    rf"\b[Mm]y\s+({_ROLE})(?:'s name is|,)?\s+(?:is\s+)?(?:(?:named|called)\s+)?({_NAME})", re.I
)
_NAME_ROLE = re.compile(rf"({_NAME})\s*(?:,\s*)?(?:is|was|,)\s+my\s+({_ROLE})\b", re.I)
_PET_NAME = re.compile(
    rf"\b(?:{_PET})s?\s+(?:named|called)\s+({_NAME})|\b[Mm]y\s+(?:{_PET})(?:'s name is|,)?\s+({_NAME})",
    re.I,
)
_ROLE_ONLY = re.compile(
    rf"\b(?:[Mm]y|[Tt]he)\s+({_ROLE})\b(?!\s*(?:'s name|,)?\s*(?:is\s+)?(?:(?:named|called)\s+)?(?-i:[A-Z]))",
    re.I,
)
_SELF = re.compile(rf"\b(?:[Mm]y name is|[Cc]all me|I'm called)\s+({_NAME})")
_AT_CONTEXT = re.compile(rf"\b(?:at|with|from|for)\s+(?:the\s+)?({_NAME})")
_ACRONYM = re.compile(r"^[A-Z0-9&]{2,}$")
_PARTNER = re.compile(rf"\b(?:married\s+to|engaged\s+to|dating|seeing|married)\s+({_NAME})", re.I)
_CAPITALISED = re.compile(_NAME)

COMMON_CAPITALISED = frozenset(
    [
        "i",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "they",
        "them",
        "my",
        "his",
        "her",
        "their",
        "there",
        "here",
        "what",
        "when",
        "where",
        "why",
        "how",
        "who",
        "which",
        "whose",
        "yes",
        "no",
        "not",
        "and",
        "but",
        "or",
        "so",
        "if",
        "then",
        "because",
        "after",
        "before",
        "while",
        "since",
        "although",
        "though",
        "also",
        "just",
        "actually",
        "oh",
        "well",
        "hey",
        "hi",
        "hello",
        "thanks",
        "thank",
        "please",
        "sorry",
        "ok",
        "okay",
        "yeah",
        "yep",
        "sure",
        "maybe",
        "today",
        "tomorrow",
        "yesterday",
        "tonight",
        "last",
        "next",
        "this",
        "every",
        "some",
        "any",
        "all",
        "many",
        "much",
        "more",
        "most",
        "one",
        "two",
        "three",
        "four",
        "five",
        "first",
        "second",
        *WEEKDAYS,
        *MONTHS,
        "christmas",
        "easter",
        "god",
        "lol",
        "haha",
        "omg",
        "btw",
        "remind",
        "forget",
        "can",
        "could",
        "would",
        "will",
        "should",
        "did",
        "do",
        "does",
        "is",
        "are",
        "was",
        "were",
        "have",
        "has",
        "had",
        "been",
        "be",
        "let",
        "let's",
        "great",
        "good",
        "nice",
        "cool",
        "wow",
        "congrats",
        "congratulations",
        "happy",
        "merry",
        "dear",
        "mom",
        "dad",
        "mum",
        "mother",
        "father",
        "grandma",
        "grandpa",
        "love",
        "like",
        "anyway",
        "anyways",
        "still",
        "even",
        "only",
        "again",
        "always",
        "never",
        "sometimes",
        "usually",
        "often",
        "really",
        "very",
        "guess",
        "wait",
        "hmm",
        "um",
        "uh",
        "english",
    ]
)


@dataclass(frozen=True)
class EntityMention:
    name: str | None
    """Display name with titles kept ("Dr. Mary"); None for a bare role ("my dentist")."""
    type: EntityType
    role: str | None = None
    """What the entity is to the speaker: "dentist", "sister", "pet", "employer", "home"."""
    aliases: tuple[str, ...] = ()


@dataclass
class Recognition:
    mentions: list[EntityMention] = field(default_factory=list)
    links: list[tuple[int, int, str]] = field(default_factory=list)
    """Pairs of mention indexes and how they relate ("works at", "lives in", "mentioned with")."""


def strip_title(name: str) -> str:
    return TITLES.sub("", name).strip()


def alias_key(name: str) -> str:
    return " ".join(words(strip_title(name)))


def _clean_name(raw: str) -> str | None:
    tokens = raw.strip().split()
    while tokens and tokens[-1].lower() in COMMON_CAPITALISED:
        tokens.pop()
    while tokens and tokens[0].lower() in COMMON_CAPITALISED:
        tokens.pop(0)
    name = " ".join(tokens).strip(" '-")
    if name.endswith("'s"):
        name = name[:-2]
    return name if name and alias_key(name) else None


def _type_of(name: str, default: EntityType) -> EntityType:
    if ORG_SUFFIX.search(name):
        return "organization"
    if EVENT_SUFFIX.search(name):
        return "event"
    if PLACE_WORDS.search(name):
        return "place"
    return default


def _role_aliases(role: str) -> tuple[str, ...]:
    return (f"my {role}", f"the {role}")


def recognize(text: str) -> Recognition:
    result = Recognition()
    for sentence in sentences(text):
        for piece in pieces(sentence, MAX_CLAUSE_CHARS):
            _recognize_sentence(piece, result)
    return result


def _recognize_sentence(sentence: str, result: Recognition) -> None:
    start = len(result.mentions)
    taken: list[tuple[int, int]] = []

    def add(mention: EntityMention, span: tuple[int, int]) -> int:
        mention = EntityMention(
            mention.name, mention.type, mention.role, tuple(dict.fromkeys(mention.aliases))
        )
        for index in range(start, len(result.mentions)):
            existing = result.mentions[index]
            if (
                existing.name
                and mention.name
                and alias_key(existing.name) == alias_key(mention.name)
            ):
                merged = EntityMention(
                    existing.name if len(existing.name) >= len(mention.name) else mention.name,
                    existing.type
                    if existing.type != "person" or mention.type == "person"
                    else mention.type,
                    existing.role or mention.role,
                    tuple(dict.fromkeys(existing.aliases + mention.aliases)),
                )
                result.mentions[index] = merged
                taken.append(span)
                return index
        result.mentions.append(mention)
        taken.append(span)
        return len(result.mentions) - 1

    def free(span: tuple[int, int]) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    for match in _ROLE_NAME.finditer(sentence):
        if (name := _clean_name(match.group(2))) is not None:
            role = match.group(1).lower()
            add(
                EntityMention(
                    name, "person", role, (name, strip_title(name), *_role_aliases(role))
                ),
                match.span(2),
            )
    for match in _NAME_ROLE.finditer(sentence):
        if (name := _clean_name(match.group(1))) is not None and free(match.span(1)):
            role = match.group(2).lower()
            add(
                EntityMention(
                    name, "person", role, (name, strip_title(name), *_role_aliases(role))
                ),
                match.span(1),
            )
    for match in _PET_NAME.finditer(sentence):
        group = 1 if match.group(1) else 2
        if (name := _clean_name(match.group(group))) is not None and free(match.span(group)):
            add(EntityMention(name, "person", "pet", (name,)), match.span(group))
    for match in _PARTNER.finditer(sentence):
        if (name := _clean_name(match.group(1))) is not None and free(match.span(1)):
            add(EntityMention(name, "person", "partner", (name,)), match.span(1))
    for match in _SELF.finditer(sentence):
        if (name := _clean_name(match.group(1))) is not None and free(match.span(1)):
            add(EntityMention(name, "person", "self", (name,)), match.span(1))
    for match in _ROLE_ONLY.finditer(sentence):
        role = match.group(1).lower()
        named_already = any(m.role == role for m in result.mentions[start:])
        if free(match.span()) and not named_already:
            add(EntityMention(None, "person", role, _role_aliases(role)), match.span())
    for match in _PROJECT.finditer(sentence):
        group = 1 if match.group(1) else 2
        if (name := _clean_name(match.group(group))) is not None and free(match.span(group)):
            add(EntityMention(name, "project", None, (name, f"project {name}")), match.span(group))
    for match in _ORG_CONTEXT.finditer(sentence):
        if (name := _clean_name(match.group(1))) is not None and free(match.span(1)):
            verb = match.group(0).lower()
            role = (
                "school" if any(w in verb for w in ("stud", "graduat", "student")) else "employer"
            )
            add(EntityMention(name, _type_of(name, "organization"), role, (name,)), match.span(1))
    for match in _PLACE_CONTEXT.finditer(sentence):
        if (name := _clean_name(match.group(1))) is not None and free(match.span(1)):
            verb = match.group(0).lower()
            role = (
                "home"
                if any(w in verb for w in ("live", "living", "moved", "moving", "relocat", "based"))
                else "hometown"
                if any(w in verb for w in ("grew", "born", "from"))
                else None
            )
            add(EntityMention(name, _type_of(name, "place"), role, (name,)), match.span(1))
    for match in _AT_CONTEXT.finditer(sentence):
        name = _clean_name(match.group(1))
        if (
            name is not None
            and free(match.span(1))
            and (
                match.group(0).lower().startswith("at ")
                or _ACRONYM.match(name)
                or ORG_SUFFIX.search(name)
            )
        ):
            add(EntityMention(name, _type_of(name, "organization"), None, (name,)), match.span(1))
    for match in _CAPITALISED.finditer(sentence):
        if not free(match.span()):
            continue
        at_start = sentence[: match.start()].strip(" \"'(") == ""
        name = _clean_name(match.group(0))
        if name is None or (at_start and name.split()[0].lower() in COMMON_CAPITALISED):
            continue
        kind = _type_of(
            name, "organization" if _ACRONYM.match(name) or len(name.split()) > 2 else "person"
        )
        add(EntityMention(name, kind, None, (name,)), match.span())

    _link_sentence(sentence, result, start)


_WORKS_AT = re.compile(r"\bworks?\s+(?:at|for)\b|\bjob\s+at\b|\bemployed\b", re.I)
_LIVES_IN = re.compile(r"\blives?\s+in\b|\bliving\s+in\b|\bmoved\s+to\b|\bbased\s+in\b", re.I)


def _link_sentence(sentence: str, result: Recognition, start: int) -> None:
    indexes = [i for i in range(start, len(result.mentions)) if result.mentions[i].name]
    for position, a in enumerate(indexes):
        for b in indexes[position + 1 :]:
            kinds = {result.mentions[a].type, result.mentions[b].type}
            relation = "mentioned with"
            if kinds == {"person", "organization"} and _WORKS_AT.search(sentence):
                relation = "works at"
            elif kinds == {"person", "place"} and _LIVES_IN.search(sentence):
                relation = "lives in"
            elif kinds == {"organization", "place"}:
                relation = "located in"
            first, second = (
                (a, b)
                if result.mentions[a].type == "person" or result.mentions[b].type != "person"
                else (b, a)
            )
            result.links.append((first, second, relation))
