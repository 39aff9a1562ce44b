"""The offline extractor: facts from first-person statements, by rules, with no model or network.

It recognises personal information (name, age, home, work, studies, health, languages,
contact details), preferences, relationships (people and pets), plans with their dates,
goals, completed tasks and experiences. A message that states something but matches no
specific rule still yields a general fact: the extractor never silently returns nothing for
a statement; when it returns nothing, ``notes`` say why (a question, small talk, a request).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from muninn_memory.extraction.dates import Direction, find_date
from muninn_memory.extraction.grammar import about, as_statement, strip_discourse
from muninn_memory.extraction.models import ExtractedFact, Extraction, FactCategory, SourceMessage
from muninn_memory.extraction.signals import context_of, importance_of, sentiment_of
from muninn_memory.extraction.text import content_terms, sentences, words

EXTRACTOR_NAME = "rules-v1"

# A name's words are at most 40 letters: unbounded, every capital of a long run of capitals
# began a match through the rest of the run (quadratic in its length).
NAME = r"(?-i:(?:(?:Dr|Mr|Mrs|Ms|Prof|Aunt|Uncle)\.?\s+)?[A-Z][a-zA-Z'\-]{1,40}(?:\s+[A-Z][a-zA-Z'\-]{1,40})?)"

UNIQUE_ROLES = frozenset(
    [
        "wife",
        "husband",
        "partner",
        "girlfriend",
        "boyfriend",
        "fiance",
        "fiancee",
        "fiancé",
        "mom",
        "mother",
        "mum",
        "dad",
        "father",
        "boss",
        "manager",
        "dentist",
        "doctor",
        "therapist",
        "landlord",
        "landlady",
        "lawyer",
        "accountant",
        "trainer",
        "stepmom",
        "stepdad",
    ]
)
MULTI_ROLES = frozenset(
    [
        "sister",
        "brother",
        "son",
        "daughter",
        "friend",
        "colleague",
        "coworker",
        "co-worker",
        "cousin",
        "aunt",
        "uncle",
        "grandma",
        "grandmother",
        "grandpa",
        "grandfather",
        "niece",
        "nephew",
        "neighbor",
        "neighbour",
        "kid",
        "child",
        "roommate",
        "flatmate",
        "teammate",
        "classmate",
        "mentor",
        "ex",
        "sibling",
        "stepson",
        "stepdaughter",
    ]
) | {
    "best friend",
    "old friend",
    "little sister",
    "little brother",
    "older sister",
    "older brother",
    "younger sister",
    "younger brother",
}
ROLES = UNIQUE_ROLES | MULTI_ROLES
PETS = frozenset(
    [
        "dog",
        "dogs",
        "puppy",
        "cat",
        "cats",
        "kitten",
        "bird",
        "parrot",
        "hamster",
        "rabbit",
        "bunny",
        "fish",
        "horse",
        "turtle",
        "snake",
        "guinea",
        "pig",
    ]
)
OCCUPATIONS = frozenset(
    [
        "engineer",
        "developer",
        "programmer",
        "designer",
        "teacher",
        "nurse",
        "doctor",
        "lawyer",
        "accountant",
        "architect",
        "scientist",
        "researcher",
        "student",
        "manager",
        "consultant",
        "writer",
        "artist",
        "musician",
        "chef",
        "cook",
        "farmer",
        "pilot",
        "driver",
        "electrician",
        "plumber",
        "carpenter",
        "photographer",
        "journalist",
        "editor",
        "dentist",
        "therapist",
        "pharmacist",
        "professor",
        "lecturer",
        "analyst",
        "entrepreneur",
        "founder",
        "freelancer",
        "painter",
        "actor",
        "actress",
        "dancer",
        "singer",
        "economist",
        "mechanic",
        "nurse",
        "paramedic",
        "firefighter",
        "officer",
        "soldier",
        "veterinarian",
        "vet",
        "librarian",
        "counselor",
        "counsellor",
        "social",
        "worker",
        "barista",
        "waiter",
        "waitress",
        "baker",
        "banker",
        "salesperson",
        "recruiter",
        "translator",
        "tutor",
        "coach",
        "trainer",
    ]
)
DIETS = r"vegetarian|vegan|pescatarian|pescetarian|gluten[- ]free|lactose[- ]intolerant|keto|halal|kosher|celiac|coeliac"
STATUSES = r"single|married|engaged|divorced|separated|widowed|in a relationship"

_ROLE = "|".join(sorted((re.escape(r) for r in ROLES), key=len, reverse=True))
_PET = "|".join(sorted((re.escape(p) for p in PETS), key=len, reverse=True))
_ADV = r"(?:(?:just|recently|finally|now|currently|still|also|really|absolutely|totally|do|actually)\s+)*"
_I = r"(?:I|we)"
_BE = r"(?:'m|\s+am|'re|\s+are)"

I_ = re.I


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, I_)


@dataclass(frozen=True)
class Match:
    category: FactCategory
    slot: str | None = None
    sentiment: str | None = None


# Each rule: a pattern and a function of its match giving the category and slot.
_NAME_RULE = _c(rf"\bmy name is ({NAME})|\bcall me ({NAME})|\bI{_BE} called ({NAME})")
_AGE_RULE = _c(
    r"\bI(?:'m|\s+am)\s+(\d{1,3})(?:\s+years?\s+old)?(?=\s*(?:$|[.,!;]|\s+(?:now|and|but|today|this|years)))|\bI\s+(?:just\s+)?turned\s+(\d{1,3})\b"
)
_BIRTHDAY_RULE = _c(
    r"\bmy birthday is\b|\bI was born on\b|\bI was born in (?:\d|january|february|march|april|may|june|july|august|september|october|november|december)"
)
_EMAIL_RULE = _c(r"\bmy (?:e-?mail|email address) is\b")
_PHONE_RULE = _c(r"\bmy (?:phone|cell|mobile)(?: number)? is\b")
_RESIDENCE_RULE = _c(
    rf"\b{_I}\s+{_ADV}(?:live|reside)\s+in\b|\b{_I}{_BE}\s+{_ADV}living\s+in\b|\b{_I}\s+{_ADV}(?:moved|relocated)\s+(?:back\s+)?to\b|\bI{_BE}\s+{_ADV}based\s+in\b|\bmy (?:home|house|apartment|flat) is in\b"
)
_ORIGIN_RULE = _c(
    r"\bI(?:'m|\s+am)\s+(?:originally\s+)?from\b|\bI\s+grew\s+up\s+in\b|\bI\s+was\s+born\s+in\b|\bmy hometown is\b"
)
_EMPLOYER_RULE = _c(
    rf"\bI\s+{_ADV}work\s+(?:at|for)\b|\bI(?:'m|\s+am)\s+{_ADV}(?:working|employed)\s+(?:at|for|by)\b|\bI\s+{_ADV}(?:got a (?:new )?job|started (?:a new job|working)|was hired|got hired)\s+(?:at|by|with)\b|\bmy (?:new )?(?:job|employer|company) is\b"
)
_OCCUPATION_RULE = _c(
    r"\bI\s+work\s+as\s+(?:a|an)\b|\bmy job is\b|\bI(?:'m|\s+am)\s+(?:a|an)\s+((?:[\w-]+\s+){0,2}[\w-]+)"
)
_EDUCATION_RULE = _c(
    rf"\bI\s+{_ADV}(?:study|studied|major(?:ed)? in|graduated from|go to school at)\b|\bI(?:'m|\s+am)\s+{_ADV}studying\b|\bI(?:'m|\s+am)\s+a\s+student\s+at\b"
)
_ALLERGY_RULE = _c(
    r"\bI(?:'m|\s+am)\s+(?:severely\s+|very\s+|really\s+)?allergic\s+to\s+([\w\s-]+)"
)
_DIET_RULE = _c(rf"\bI(?:'m|\s+am)\s+{_ADV}(?:a\s+)?({DIETS})\b")
_LANGUAGE_RULE = re.compile(r"\bI\s+(?:also\s+)?speak\s+(?:fluent\s+)?([A-Z][a-z]+)")
_STATUS_RULE = _c(rf"\bI(?:'m|\s+am)\s+{_ADV}({STATUSES})\b")
_PARTNER_RULE = _c(
    rf"\bI(?:'m|\s+am)\s+{_ADV}(?:married|engaged)\s+to\s+({NAME})|\bI(?:'m|\s+am)\s+{_ADV}(?:dating|seeing)\s+({NAME})|\bI\s+{_ADV}(?:married|got engaged to)\s+({NAME})"
)
_ROLE_NAME_RULE = _c(
    rf"\bmy\s+({_ROLE})(?:'s name is|,)?\s+(?:is\s+)?(?:(?:named|called)\s+)?({NAME})"
)
_NAME_ROLE_RULE = _c(rf"({NAME})\s+is\s+my\s+({_ROLE})\b")
# Where someone else lives: "my sister Ingrid lives in Bergen", "Ingrid moved to Oslo", "my
# mom is based in Porto". The slot is the person's, so a later move supersedes the earlier home.
_NOT_A_NAME = (
    r"(?!(?:He|She|They|It|We|You|This|That|These|Those|The|There|Then|Someone|Somebody"
    r"|Everyone|Everybody|Nobody|Who|What|My|Our|His|Her|Their)\b)"
)
_TITLES = frozenset({"dr", "mr", "mrs", "ms", "prof"})
_LIVES_IN = (
    rf"\s+{_ADV}(?:(?:lives|resides)\s+in|(?:has\s+|had\s+)?{_ADV}(?:moved|relocated)\s+"
    rf"(?:back\s+)?to|is\s+{_ADV}(?:living|based)\s+in)\b"
)
_OTHER_RESIDENCE_RULE = _c(
    rf"(?:\bmy\s+({_ROLE}),?\s+)?\b{_NOT_A_NAME}({NAME}),?{_LIVES_IN}|\bmy\s+({_ROLE}){_LIVES_IN}"
)
_PET_RULE = _c(
    rf"\bI\s+{_ADV}(?:have|own|adopted|got|rescued)\s+(?:a|an|two|three|\d+)?\s*(?:[\w-]+\s+)?({_PET})\s+(?:named|called)\s+({NAME})|\bmy\s+({_PET})(?:'s name is|\s+is\s+named|\s+is\s+called|,)?\s+({NAME})"
)
_COUNT_RULE = _c(
    r"\bI\s+(?:have|'ve got)\s+(\d+|no|one|two|three|four|five|six)\s+(kids|children|sons|daughters|siblings|brothers|sisters|dogs|cats|grandchildren)\b"
)
_FAVORITE_RULE = _c(r"\bmy\s+(?:all[- ]time\s+)?favou?rite\s+([\w-]+(?:\s+[\w-]+)?)\s+(?:is|are)\b")
_LIKE_RULE = _c(
    rf"\b{_I}\s+{_ADV}(love|like|enjoy|adore|prefer)\s+(.+)|\b{_I}{_BE}\s+{_ADV}(into|a (?:big |huge )?fan of|passionate about|obsessed with|crazy about)\s+(.+)"
)
_DISLIKE_RULE = _c(
    rf"\b{_I}\s+{_ADV}(hate|dislike|detest|despise|can't stand|cannot stand|don't (?:really )?like|do not like|don't enjoy|do not enjoy|can't eat|don't eat|don't drink)\s+(.+)|\b{_I}{_BE}\s+(not (?:really )?(?:a fan of|into))\s+(.+)"
)
_PLAN_MARKER = _c(
    rf"\b{_I}{_BE}\s+{_ADV}(?:going to|gonna|planning to|planning on|about to|hoping to|scheduled to)\b|\b{_I}(?:'ll|\s+will|\s+shall)\b|\b{_I}\s+(?:plan|intend)\s+to\b|\bremind me\b|\bdon't let me forget\b"
)
_PROGRESSIVE = _c(rf"\b{_I}{_BE}\s+{_ADV}(\w+ing)\b")
_EVENT_NOUN = _c(
    r"\b(?:I|we)\s+(?:have|'ve got|got)\s+(?:a|an|my|our|the)\s+(?:[\w-]+\s+)?(appointment|meeting|interview|exam|flight|trip|date|party|call|deadline|surgery|test|presentation|class|concert|game|match|wedding|vacation|holiday)\b|\bmy\s+(?:[\w-]+\s+)?(appointment|meeting|interview|exam|flight|trip|party|deadline|surgery|test|presentation|concert|wedding|vacation|holiday)\s+is\b"
)
_GOAL_RULE = _c(
    rf"\bI\s+{_ADV}(?:want|wanna|would (?:like|love)|'d (?:like|love)|hope|wish|aim|intend|have decided|'ve decided|decided|need)\s+to\b|\bI{_BE}\s+{_ADV}(?:trying|hoping|determined|saving up)\s+to\b|\bmy\s+(?:goal|dream|plan|resolution|ambition|aim)\s+is\b"
)
_TASK_RULE = _c(
    rf"\b{_I}\s+{_ADV}(?:finished|completed|passed|graduated|achieved|accomplished|submitted|launched|shipped|got promoted|was promoted|won|quit|retired|ran a|earned|got my|published)\b"
)
_EXPERIENCE_RULE = _c(
    rf"\b{_I}\s+{_ADV}(?:went|visited|saw|watched|read|tried|attended|ate|met|took|bought|adopted|started|joined|ran|hiked|travell?ed|celebrated|painted|made|built|learned|learnt|signed up|played|cooked|baked|had|got|spent|volunteered|donated|lost|found|received|gave|wrote|drove|flew|moved|broke|fell|hurt|injured|became|decided)\b|\b{_I}{_BE}\s+{_ADV}back from\b"
)

# "I no longer …", "I don't X … anymore", "I'm not … anymore". The "… anymore" shapes are an
# opener and a later marker, found by two scans instead of one ``.*`` pattern: that pattern
# restarted its scan to the end of the clause at every opener (quadratic in their number).
_RETRACTION = _c(
    r"\bI\s+(?:no longer|never did|didn't actually|don't actually|do not actually)\b|\bI(?:'m|\s+am)\s+no\s+longer\b|\bI\s+(?:don't|do not)\s+(?:have|own)\s+(?:a|an|any)\b"
)
_RETRACTION_OPENERS = (
    _c(r"\bI\s+(?:don't|do not)\s+\w"),
    _c(r"\bI(?:'m|\s+am)\s+(?:not|no longer)\s"),
)
_NO_MORE = _c(r"\b(?:anymore|any more)\b")


def is_retraction(clause: str) -> bool:
    """Whether the clause takes a statement back ("I no longer work at Acme")."""
    if _RETRACTION.search(clause):
        return True
    # The leftmost opener ends first; a marker after that end completes the shape.
    ends = [m.end() for opener in _RETRACTION_OPENERS if (m := opener.search(clause))]
    return bool(ends and _NO_MORE.search(clause, min(ends)))


_FORGET = _c(
    r"^(?:please\s+)?(?:forget|ignore|disregard|scratch|delete|remove)\s+(?:that|the (?:fact|part) that|what I (?:said|told you) about|about)\s+(.+)"
)

_QUESTION_START = _c(
    r"^(?:(?:who|what|when|where|why|how|which|whose)\s+(?:is|are|was|were|do|does|did|can|could|would|will|should|shall|may|might|have|has|am|about|if|much|many|long|often|far|old)\b"
    r"|(?:do|does|did|can|could|would|will|is|are|was|were|should|shall|may|might|have|has|am)\s+(?:you|i|we|it|there|they|he|she|this|that|my|your)\b)"
)
_REQUEST_START = _c(
    r"^(?:please|can you|could you|would you|will you|tell me|show me|give me|help me|let's|let us|write|explain|summari[sz]e|translate|find|search|list|what about|how about)\b"
)
_FILLER_PHRASES = frozenset(
    p.strip()
    for p in [
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank you",
        "thanks a lot",
        "thank you so much",
        "ok",
        "okay",
        "sure",
        "yes",
        "no",
        "yeah",
        "yep",
        "nope",
        "\n    cool",
        "great",
        "nice",
        "lol",
        "haha",
        "bye",
        "goodbye",
        "good morning",
        "good night",
        "good evening",
        "i see",
        "i agree",
        "i think so",
        "\n    i don't know",
        "i dont know",
        "me too",
        "sounds good",
        "got it",
        "awesome",
        "perfect",
        "wow",
        "oh",
        "right",
        "true",
        "same",
        "exactly",
        "\n    indeed",
        "alright",
        "fine",
        "no problem",
        "you're welcome",
        "of course",
        "i'm fine",
        "i'm good",
        "i am fine",
        "i am good",
        "\n    i'm okay",
        "not much",
        "nothing much",
        "that's great",
        "that's cool",
        "that's nice",
        "that's awesome",
        "good to know",
        "\n    i hope so",
        "i guess so",
        "i suppose so",
        "i understand",
        "makes sense",
        "that makes sense",
        "love it",
        "i love it",
        "\n    i like it",
        "i like that",
        "i love that",
        "agreed",
        "definitely",
        "absolutely",
        "for sure",
        "see you",
        "talk soon",
        "\n    take care",
        "have a good day",
        "you too",
        "good luck",
        "congrats",
        "congratulations",
    ]
)
_HEDGE_ONLY = _c(
    r"^(?:I\s+(?:wonder|guess|suppose|bet|mean|see|agree|hope so|think so)|I'm\s+(?:not sure|sure|glad|happy for you|sorry))\b"
)
_FIRST_PERSON = _c(r"\b(?:I|I'm|I've|I'd|I'll|my|me|mine|myself|we|we're|we've|our|us)\b")
_PRONOUN_OBJECTS = frozenset(
    {"it", "that", "this", "you", "them", "those", "these", "him", "her", "one", "so", "too"}
)
# Each whitespace run is tried from its first character only ((?<!\s)): a pattern that could
# start anywhere inside a run rescanned the rest of it from every position (quadratic).
_CLAUSE_SPLIT = re.compile(
    r"(?:,\s*|(?<![\s,])\s+)(?:and|but|while)\s+(?=(?:I|I'm|I've|I'd|I'll|my|we|we're|our)\b)|;\s+(?=\S)"
)
_BARE_AND = _c(
    r"(?<!\s)\s+and\s+(?=(?:also\s+)?(?:work|live|love|like|enjoy|hate|study|have|speak|moved|play|own)\b)"
)
_OBJECT_END = _c(
    r"(?<!\s)\s+(?:a lot|so much|very much|too much|more than anything|but|because|since|when|although|though|whenever|if)\b(?s:.*)\Z|[,;:(](?s:.*)\Z|(?<!\s)\s+and\s+(?:I|we|my)\b(?s:.*)\Z"
)
MAX_CLAUSE_CHARS = 600
"""A longer clause is read up to its last word within this length: statements of fact are
far shorter, and the bound keeps every rule's cost per clause small whatever the input."""


def _obj_key(phrase: str, max_terms: int = 4) -> str:
    phrase = _OBJECT_END.sub("", phrase.strip()).strip(" .!")
    phrase = re.sub(r"^(?:to|the|a|an|some|all|most|any)\s+", "", phrase, flags=I_)
    terms = [w for w in words(phrase) if w not in ("the", "a", "an", "my", "our", "some")]
    return " ".join(terms[:max_terms])


def _role_slot(role: str, name: str) -> str:
    role = role.lower()
    if role in UNIQUE_ROLES:
        return f"relation:{role}"
    return f"relation:{role}:{' '.join(words(name))}"


def _occupation(phrase: str) -> bool:
    head = words(phrase)[-1] if words(phrase) else ""
    return (
        head in OCCUPATIONS
        or head.endswith(("ist", "ician", "eer"))
        or (
            head.endswith(("er", "or"))
            and len(head) > 5
            and head
            not in {
                "other",
                "father",
                "mother",
                "brother",
                "sister",
                "daughter",
                "lover",
                "member",
                "runner",
            }
        )
    )


def classify(clause: str) -> Match | None:
    """The most specific category (and slot) a first-person clause fits, if any."""
    if m := _NAME_RULE.search(clause):
        return Match("personal_info", "name")
    if _AGE_RULE.search(clause):
        return Match("personal_info", "age")
    if _BIRTHDAY_RULE.search(clause):
        return Match("personal_info", "birthday")
    if _EMAIL_RULE.search(clause):
        return Match("personal_info", "email")
    if _PHONE_RULE.search(clause):
        return Match("personal_info", "phone")
    if m := _PARTNER_RULE.search(clause):
        return Match("relationship", "relation:partner")
    if m := _PET_RULE.search(clause):
        name = m.group(2) or m.group(4) or ""
        return Match("relationship", f"pet:{' '.join(words(name))}")
    if m := _OTHER_RESIDENCE_RULE.search(clause):
        person = [w for w in words(m.group(2) or m.group(3) or "") if w not in _TITLES]
        return Match("relationship", f"residence:{' '.join(person)}")
    if m := _ROLE_NAME_RULE.search(clause):
        return Match("relationship", _role_slot(m.group(1), m.group(2)))
    if m := _NAME_ROLE_RULE.search(clause):
        return Match("relationship", _role_slot(m.group(2), m.group(1)))
    if m := _COUNT_RULE.search(clause):
        return Match("personal_info", f"count:{m.group(2).lower()}")
    if m := _ALLERGY_RULE.search(clause):
        return Match("personal_info", f"allergy:{_obj_key(m.group(1), 2)}")
    if _DIET_RULE.search(clause):
        return Match("personal_info", "diet")
    if m := _LANGUAGE_RULE.search(clause):
        return Match("personal_info", f"language:{m.group(1).lower()}")
    if _STATUS_RULE.search(clause):
        return Match("personal_info", "relationship_status")
    if m := _FAVORITE_RULE.search(clause):
        return Match("preference", f"favorite:{_obj_key(m.group(1), 2)}", "positive")
    if _RESIDENCE_RULE.search(clause) and not _PLAN_MARKER.search(clause):
        return Match("personal_info", "residence")
    if _ORIGIN_RULE.search(clause):
        return Match("personal_info", "origin")
    if _EMPLOYER_RULE.search(clause):
        return Match("personal_info", "employer")
    if _EDUCATION_RULE.search(clause):
        return Match("personal_info", "education")
    if m := _OCCUPATION_RULE.search(clause):
        phrase = m.group(1)
        if phrase is None or _occupation(phrase):
            return Match("personal_info", "occupation")
    if m := _DISLIKE_RULE.search(clause):
        obj = _obj_key(m.group(2) or m.group(4) or "")
        if obj and obj.split()[0] not in _PRONOUN_OBJECTS:
            return Match("preference", f"preference:{obj}", "negative")
    if m := _LIKE_RULE.search(clause):
        obj = _obj_key(m.group(2) or m.group(4) or "")
        if obj and obj.split()[0] not in _PRONOUN_OBJECTS:
            return Match("preference", f"preference:{obj}", "positive")
    if _EVENT_NOUN.search(clause) or _PLAN_MARKER.search(clause):
        return Match("plan")
    if _GOAL_RULE.search(clause):
        return Match("goal")
    if _TASK_RULE.search(clause):
        return Match("task")
    if _EXPERIENCE_RULE.search(clause):
        return Match("experience")
    if _PROGRESSIVE.search(clause) and find_date(clause, datetime(2000, 1, 1)) is not None:
        return Match("plan")
    return None


def positive_form(clause: str) -> str:
    """The statement a retraction takes back: "I no longer work at Acme" → "I work at Acme"."""
    text = re.sub(r"\b(?:anymore|any more)\b", "", clause, flags=I_)
    text = re.sub(r"\bno longer\s+", "", text, flags=I_)
    text = re.sub(
        r"\b(?:don't|do not|doesn't|does not|didn't|did not|never)\s+(?:actually\s+)?",
        "",
        text,
        flags=I_,
    )
    text = re.sub(r"\b(I'm|I am)\s+not\s+", r"\1 ", text, flags=I_)
    text = re.sub(r"\b(?:never did|actually)\s+", "", text, flags=I_)
    return re.sub(r"\s+", " ", text).strip(" ,.")


def _split_clauses(sentence: str) -> list[str]:
    parts = [p.strip(" ,") for p in _CLAUSE_SPLIT.split(sentence) if p and p.strip(" ,")]
    clauses: list[str] = []
    for part in parts:
        pieces = _BARE_AND.split(part)
        clauses.append(pieces[0])
        clauses.extend(f"I {piece}" for piece in pieces[1:])
    return clauses


def _skip_reason(clause: str) -> str | None:
    lowered = " ".join(words(clause))
    if _REQUEST_START.search(clause) and not _PLAN_MARKER.search(clause):
        return "a request to the assistant"
    if clause.rstrip().endswith("?") or _QUESTION_START.search(clause):
        return "a question"
    if lowered in _FILLER_PHRASES or not lowered:
        return "small talk"
    if _HEDGE_ONLY.search(clause) and len(words(clause)) <= 6:
        return "small talk"
    return None


def bounded(clause: str) -> str:
    """``clause`` cut after its last whole word within ``MAX_CLAUSE_CHARS``."""
    if len(clause) <= MAX_CLAUSE_CHARS:
        return clause
    head = clause[:MAX_CLAUSE_CHARS]
    cut = head.rfind(" ")
    return head[:cut] if cut > 0 else head


class OverBudgetError(Exception):
    """A message's extraction ran past its time budget."""


class RuleExtractor:
    """Facts from messages by rules; deterministic and offline.

    With a ``budget_seconds``, each message gets that much time: the deadline is checked
    between clauses, and a message past it yields no fact, only a note saying so. Linear
    patterns and bounded clauses keep every clause cheap, so the check comes often; the
    budget is the backstop should some input still be slow. ``extract`` runs in a worker
    thread, so the event loop keeps serving between two patterns' runs.
    """

    def __init__(
        self,
        budget_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_facts_per_message: int | None = None,
    ) -> None:
        self._budget = budget_seconds
        self._clock = clock
        self._max_facts = max_facts_per_message

    @property
    def name(self) -> str:
        return EXTRACTOR_NAME

    async def extract(self, messages: list[SourceMessage]) -> Extraction:
        return await asyncio.to_thread(self.extract_sync, messages)

    def extract_sync(self, messages: list[SourceMessage]) -> Extraction:
        facts: list[ExtractedFact] = []
        notes: list[str] = []
        over_budget: list[int] = []
        for index, message in enumerate(messages):
            try:
                found, reasons = self._from_message(message, index)
            except OverBudgetError:
                over_budget.append(index)
                notes.append(
                    f"message {index}: stored without extraction: reading its"
                    f" {len(message.content):,} characters took longer than the extraction"
                    f" budget of {self._budget:g} s"
                )
                continue
            if self._max_facts is not None and len(found) > self._max_facts:
                # Each fact is reconciled with a search of its own: a message of hundreds
                # of statements would hold a worker for minutes.
                notes.append(
                    f"message {index}: only its first {self._max_facts} of {len(found)} facts"
                    " were kept"
                )
                found = found[: self._max_facts]
            facts.extend(found)
            if not found:
                why = ", ".join(sorted(set(reasons))) or "no statement"
                notes.append(f"message {index}: no fact ({why})")
        return Extraction(
            facts=facts, extractor=EXTRACTOR_NAME, notes=notes, over_budget=over_budget
        )

    def _from_message(
        self, message: SourceMessage, index: int
    ) -> tuple[list[ExtractedFact], list[str]]:
        if message.role != "user":
            return [], [f"{message.role} message"]
        deadline = None if self._budget is None else self._clock() + self._budget
        facts: list[ExtractedFact] = []
        reasons: list[str] = []
        seen: set[str] = set()
        for sentence in sentences(message.content):
            for raw_clause in _split_clauses(sentence):
                if deadline is not None and self._clock() > deadline:
                    raise OverBudgetError
                fact, reason = self._from_clause(bounded(raw_clause), sentence, message, index)
                if fact is None:
                    reasons.append(reason or "no statement")
                elif fact.content.lower() not in seen:
                    seen.add(fact.content.lower())
                    facts.append(fact)
        return facts, reasons

    def _from_clause(
        self, raw: str, sentence: str, message: SourceMessage, index: int
    ) -> tuple[ExtractedFact | None, str | None]:
        clause, correction = strip_discourse(raw)
        if reason := _skip_reason(clause):
            return None, reason
        negated = retract_only = False
        match: Match | None
        if forgotten := _FORGET.search(clause):
            clause = forgotten.group(1).strip()
            clause = re.sub(r"^that\s+", "", clause, flags=I_)
            negated = retract_only = correction = True
            match = classify(clause)
        elif is_retraction(clause):
            positive = classify(positive_form(clause))
            correction = True
            if positive is not None and positive.category == "preference":
                match = Match("preference", positive.slot, "negative")
            else:
                negated = True
                match = positive
        else:
            match = classify(clause)
        first_person = bool(_FIRST_PERSON.search(clause))
        if match is None:
            if not negated and not self._states_something(clause, first_person):
                return None, "no statement of fact"
            match = Match("statement")
        fact = self._fact(
            clause, sentence, message, index, match, negated=negated, correction=correction
        )
        return (replace(fact, retract_only=True) if retract_only else fact), None

    @staticmethod
    def _states_something(clause: str, first_person: bool) -> bool:
        """A declarative clause with substance, even when no specific rule knows its shape."""
        terms = content_terms(clause)
        if first_person:
            return len(words(clause)) >= 3 and len(terms) >= 1
        # About someone or something else: needs a name or a date and some length to be a fact.
        has_name = bool(re.search(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+", clause.strip()))
        return (
            len(words(clause)) >= 4
            and len(terms) >= 2
            and (has_name or find_date(clause, datetime(2000, 1, 1)) is not None)
        )

    @staticmethod
    def _fact(
        clause: str,
        sentence: str,
        message: SourceMessage,
        index: int,
        match: Match,
        *,
        negated: bool,
        correction: bool,
    ) -> ExtractedFact:
        direction: Direction = (
            "future"
            if match.category in ("plan", "goal")
            else "past"
            if match.category in ("experience", "task")
            else "any"
        )
        when = find_date(clause, message.created_at, direction)
        content = as_statement(about(clause, message.subject))
        sentiment = match.sentiment or sentiment_of(clause)
        context = (
            message.metadata.get("context")
            if isinstance(message.metadata.get("context"), str)
            else None
        )
        return ExtractedFact(
            content=content,
            category=match.category,
            sentence=sentence,
            message_index=index,
            slot=match.slot,
            negated=negated,
            correction=correction,
            event_at=when.at if when else None,
            stated_at=message.created_at,
            importance=importance_of(match.category, clause, slot=match.slot),
            sentiment=sentiment,  # type: ignore[arg-type]
            confidence=0.9 if match.slot else 0.75 if match.category != "statement" else 0.6,
            context=context or context_of(clause),
        )
