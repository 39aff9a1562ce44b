"""What the user says about people in chat, read by rules (offline, English).

Three kinds of statement, each about someone named (or a pronoun standing for them):

- an **interaction**: "had coffee with Ana today", "called Ana", "Ana and I had lunch on
  Monday" (a meeting, call, message or e-mail, on the day said);
- a **job change**: "she's starting at Spotify next month", "Ana joined Google as a
  product designer", "Ana left Acme" (see ``contacts/jobs.py`` for how one applies);
- an **interest**: "Ana loves climbing", "Ana is really into jazz".

Names are capitalised words ("Ana", "Ana Silva"); in the slot of a person a plain word may
stand too ("had lunch with ana"), and one that is no contact's name is simply not found.
Denials, wishes and questions ("I haven't called Ana", "should have called Ana", "did Ana
join Google?") state nothing.

The text is bounded (``MAX_SCAN_CHARS``) and its whitespace made plain first, and every
pattern is built from bounded repetitions of literal words and character classes, so a
hostile message (thousands of unusual spaces or capitals) costs time linear in its length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from muninn_shared.calendar_words import MONTHS, WEEKDAYS
from muninn_shared.whitespace import plain_whitespace

from muninn_integrations.contacts.jobs import JobStatement
from muninn_integrations.mentions.models import (
    InteractionMention,
    InterestMention,
    JobMention,
    MeetingKind,
    Named,
    Person,
    Reading,
    Step,
)
from muninn_integrations.mentions.when import effective_day, when_it_happened

MAX_SCAN_CHARS = 4_000
MAX_SENTENCE_CHARS = 400
MAX_STEPS = 24
MAX_PEOPLE = 5
MAX_TITLE_WORDS = 6
MAX_INTEREST_WORDS = 8
SUMMARY_CHARS = 500

_UP = "A-ZÀ-ÖØ-Þ"
_LOW = "a-zß-öø-ÿ"
_NAME_WORD = rf"[{_UP}][{_LOW}{_UP}]{{1,40}}(?:['\-][{_UP}][{_LOW}{_UP}]{{1,40}})?"
NAME = rf"(?-i:{_NAME_WORD}(?: {_NAME_WORD}){{0,2}})"
_WORD = r"[^\W\d_]{2,40}"
_PERSON = rf"(?:{NAME}|{_WORD})"
_PEOPLE = rf"{_PERSON}(?:(?:, and |, | and | & ){_PERSON}){{0,{MAX_PEOPLE - 1}}}"
_OBJ = rf"(?P<who>{_PEOPLE})(?![\w'])"
_SUBJ = rf"(?<![\w'\-])(?P<who>{NAME}|{_WORD})"
_ADJ = r"(?:(?:a|an|some) )?(?:(?:quick|long|late|early|nice|great|lovely|good|short) )?"
_MEAL = r"(?:coffee|lunch|dinner|drinks|drink|breakfast|brunch|tea|beers|beer|meal|bite)"
_CW = r"(?-i:[A-Z0-9][\w&'.+\-]{0,40})"
_COMPANY = rf"(?P<company>(?:the )?{_CW}(?: (?:& |and |of |de |for )?{_CW}){{0,3}})"
_TITLE = r"[^\W\d_][\w&/+.\-]{0,40}(?: [^\W\d_&][\w&/+.\-]{0,40}){0,5}"
_AS_TITLE = rf"(?: as (?:(?:a|an|the|their|its|our|her|his) )?(?P<title>{_TITLE}))?"
_ARTICLE = r"(?:(?:a|an|the) )?"


def _words(text: str) -> list[str]:
    return text.split()


SUBJECT_PRONOUNS = frozenset({"she", "he", "they"})
OBJECT_PRONOUNS = frozenset({"her", "him", "them"})
# Words that stand where a name could but are nobody's name: not looked up.
STOP = (
    frozenset(
        _words(
            """i i'm me my we us our you your he she they her him them his hers their it its this that
    these those the a an today yesterday tomorrow tonight had have has met called talked
    spoke also then just and but so oh ok okay yes no hey hi hello thanks thank please what
    when where why how who whom which did do does was were is are be been will would could
    should can may might must last next morning afternoon evening night week month year
    lunch dinner coffee breakfast brunch drinks everyone someone somebody nobody anyone
    people friends friend guys team colleagues colleague boss after before since for with at
    in on of to from about not never really very finally recently there here some all both
    each one two if because while as again later earlier soon now well maybe sure great nice
    good mum mom dad longer anymore still even always ever only"""
        )
    )
    | frozenset(WEEKDAYS)
    | frozenset(MONTHS)
)
# Where "moved to X" is a move of house, not of employer.
PLACES = frozenset(
    _words(
        """london paris berlin lisbon porto madrid barcelona rome milan amsterdam brussels dublin
    vienna prague warsaw stockholm oslo copenhagen helsinki zurich geneva munich hamburg new
    york boston chicago seattle austin denver miami toronto vancouver montreal sydney
    melbourne tokyo singapore dubai mumbai bangalore delhi beijing shanghai europe asia
    africa america canada mexico brazil portugal spain france germany italy ireland england
    scotland wales uk us usa japan china india australia switzerland netherlands belgium
    austria sweden norway denmark finland poland the city town"""
    )
) | {"new york", "los angeles", "san francisco", "hong kong", "buenos aires", "mexico city"}
_TRAILING_NOT_NAME = frozenset(
    {"today", "tomorrow", "tonight", "yesterday", "next", "last", "this", "i"}
    | set(WEEKDAYS)
    | set(MONTHS)
)
_TITLE_ENDS = frozenset(
    _words(
        """next this on in from starting today tomorrow and but so because which after before last
    soon at with for since yesterday now when while then"""
    )
)
_INTEREST_ENDS = (" and i ", " but ", " so ", " because ", " which ", " when ", " although ")
_NOT_INTERESTS = frozenset(_words("""me you him her them us it that this when how what"""))

_SENTENCE = re.compile(r"(?:[^.!?;\n]|[.!?](?=[^\s.!?;]))+[.!?;]*")
_UNREAL = re.compile(
    r"\b(?:not|never|didn't|did not|don't|do not|doesn't|does not|haven't|"
    r"have not|hasn't|has not|won't|wouldn't|can't|cannot|couldn't|shouldn't|"
    r"should|could|would|must|might|may|if|unless|wish|hope|hopefully|want to|wants to|"
    r"need to|needs to|going to|planning to|plan to|maybe|whether|forgot to)\b",
    re.IGNORECASE,
)
_CALLER = frozenset(
    _words("""i we just also finally then and quickly briefly already i've we've i'd""")
)
_BY_CALL = re.compile(r"\b(?:phone|video|zoom|facetime|skype|teams call)\b", re.IGNORECASE)
_BY_MESSAGE = re.compile(
    r"\b(?:text|texts|whatsapp|signal|telegram|slack|messenger|dm|dms|email|e-mail|chat)\b",
    re.IGNORECASE,
)
_FREE_NAME = re.compile(rf"(?<![\w'\-]){NAME}(?![\w])")


def _interaction_patterns() -> list[tuple[MeetingKind | None, re.Pattern[str]]]:
    i = re.IGNORECASE
    return [
        (
            "meeting",
            re.compile(
                rf"\b(?:had|grabbed|got|went for|went out for|shared|enjoyed) "
                rf"{_ADJ}{_MEAL} with {_OBJ}",
                i,
            ),
        ),
        (
            "meeting",
            re.compile(
                r"\b(?:met up with|met with|met|caught up with|hung out with|saw|visited|"
                r"ran into|bumped into|went out with|spent (?:the day|the evening|time) with|"
                rf"had a (?:meeting|catch-up|catch up|chat) with) {_OBJ}",
                i,
            ),
        ),
        (
            "call",
            re.compile(
                r"\b(?P<verb>called|phoned|rang|facetimed|skyped|video-called|video called|"
                r"had a (?:phone |video )?call with|was on the phone with|"
                rf"spoke on the phone with|talked on the phone with) {_OBJ}",
                i,
            ),
        ),
        (
            "message",
            re.compile(
                rf"\b(?:texted|messaged|whatsapped|dmed|wrote to|sent a (?:text|message) to) {_OBJ}",
                i,
            ),
        ),
        ("email", re.compile(rf"\b(?:emailed|e-mailed|sent an? e-?mail to) {_OBJ}", i)),
        (None, re.compile(rf"\b(?:talked|spoke|chatted) (?:to|with) {_OBJ}", i)),
        (
            "meeting",
            re.compile(
                rf"(?<![\w'\-])(?P<who>{_PEOPLE}) and I (?:(?:had|grabbed|got|went for|"
                rf"went out for) {_ADJ}{_MEAL}|met up|met|caught up|hung out)\b",
                i,
            ),
        ),
        (
            "call",
            re.compile(rf"(?<![\w'\-])(?P<who>{_PEOPLE}) and I (?:talked|spoke) on the phone\b", i),
        ),
    ]


def _job_patterns() -> list[tuple[str, bool, bool, re.Pattern[str]]]:
    """(kind, told in the past tense, only a change of employer, pattern)."""
    i = re.IGNORECASE
    return [
        (
            "joined",
            False,
            False,
            re.compile(
                rf"{_SUBJ}(?: is| will be| will|'s|'ll be|'ll| is going to be|"
                r" is about to)?(?: just| finally| officially)? (?:starting|starts|start) "
                rf"(?:a new job |a new role |a job |work |working |to work )?(?:at|with|for) "
                rf"{_COMPANY}{_AS_TITLE}",
                i,
            ),
        ),
        (
            "joined",
            True,
            False,
            re.compile(
                rf"{_SUBJ}(?: just| recently| has| has just| finally| officially| already)? "
                r"(?:joined|started at|started working at|started working for|started with|"
                rf"got hired at|got hired by|was hired at|was hired by|signed with) "
                rf"{_COMPANY}{_AS_TITLE}",
                i,
            ),
        ),
        (
            "joined",
            False,
            False,
            re.compile(
                rf"{_SUBJ}(?: is|'s|'ll be| will be| will) (?:joining|join) "
                rf"{_COMPANY}{_AS_TITLE}",
                i,
            ),
        ),
        (
            "joined",
            True,
            True,
            re.compile(
                rf"{_SUBJ}(?: just| recently| has| has just| finally)? (?:moved to|switched to) "
                rf"{_COMPANY}{_AS_TITLE}",
                i,
            ),
        ),
        (
            "joined",
            False,
            True,
            re.compile(
                rf"{_SUBJ}(?: is|'s| will be|'ll be) (?:moving to|switching to) "
                rf"{_COMPANY}{_AS_TITLE}",
                i,
            ),
        ),
        (
            "joined",
            True,
            False,
            re.compile(
                rf"{_SUBJ}(?: is|'s) now {_ARTICLE}(?P<title>{_TITLE}) (?:at|with|for) "
                rf"{_COMPANY}",
                i,
            ),
        ),
        (
            "joined",
            True,
            False,
            re.compile(
                rf"{_SUBJ}(?: is|'s) now (?:at|with|working at|working for|working with) "
                rf"{_COMPANY}{_AS_TITLE}",
                i,
            ),
        ),
        (
            "joined",
            True,
            False,
            re.compile(
                rf"{_SUBJ}(?: just| finally| recently)? (?:got|landed|took|found|has|has got|"
                r"'s got|'s landed|has landed) (?:a|an|the) (?:new )?(?:job|position|role|gig)"
                rf"(?: as {_ARTICLE}(?P<title>{_TITLE}))? (?:at|with) {_COMPANY}",
                i,
            ),
        ),
        (
            "title",
            True,
            False,
            re.compile(
                rf"{_SUBJ}(?: just| finally| recently)?(?: got| was| has been| has just been|"
                r"'s been|'s| is being| will be| is getting| gets)? promoted to "
                rf"{_ARTICLE}(?P<title>{_TITLE})",
                i,
            ),
        ),
        (
            "left",
            True,
            False,
            re.compile(
                rf"{_SUBJ}(?: just| finally| recently| has| has just| officially)? "
                r"(?:left|quit|is leaving|'s leaving|will leave|resigned from|"
                rf"was laid off from|got laid off from|got fired from) {_COMPANY}",
                i,
            ),
        ),
    ]


_INTEREST = re.compile(
    rf"{_SUBJ}(?:(?: is|'s)(?: really| so| very| totally| super| quite)? (?:into|passionate about|"
    r"obsessed with|crazy about|mad about|nuts about|a (?:big |huge )?fan of|learning)"
    r"|(?: really| absolutely| just| totally| truly| also| still)? (?:loves|adores|likes|"
    r"enjoys|has a passion for|has taken up|took up|got into)) (?P<what>[^,;.!?]{2,120})",
    re.IGNORECASE,
)
_INTERACTIONS = _interaction_patterns()
_JOBS = _job_patterns()


def read(content: str, now: datetime) -> Reading:
    """Everything ``content`` (a chat message sent at ``now``) says about people."""
    text = plain_whitespace(content[: MAX_SCAN_CHARS * 2])[:MAX_SCAN_CHARS]
    text = text.replace("\u2019", "'")  # a typographic apostrophe reads as a plain one
    steps: list[Step] = []
    for found in _SENTENCE.finditer(text):
        sentence = found.group()[:MAX_SENTENCE_CHARS]
        steps.extend(_read_sentence(sentence, found.start(), now))
        if len(steps) >= MAX_STEPS:
            break
    steps.sort(key=lambda step: step.position)
    return Reading(tuple(steps[:MAX_STEPS]))


def _read_sentence(sentence: str, offset: int, now: datetime) -> list[Step]:
    stated = not sentence.rstrip().endswith("?")
    steps: list[Step] = []
    companies: list[tuple[int, int]] = []
    if stated:
        jobs = list(_jobs(sentence, offset, now))
        steps.extend(job for job, _ in jobs)
        companies = [span for _, span in jobs]
        steps.extend(_interactions(sentence, offset, now))
        steps.extend(_interests(sentence, offset))
    for found in _FREE_NAME.finditer(sentence):
        start, end = found.span()
        if any(a < end and start < b for a, b in companies):
            continue
        name = _clean_name(found.group())
        if name is not None:
            steps.append(Named(Person(name, offset + start)))
    return steps


def _clause_around(sentence: str, start: int, end: int) -> tuple[str, str]:
    """The words of the clause before ``start`` and after ``end`` (clauses end at commas)."""
    before = sentence[:start]
    after = sentence[end:]
    return before[before.rfind(",") + 1 :], after.split(",", 1)[0]


def _said_from(found: re.Match[str]) -> int:
    """Where the words after a job change start: past the company (a title said after it
    may run into "next week"), or the title."""
    groups = found.groupdict()
    return found.end("company") if groups.get("company") else found.start("title")


def _unreal(before: str) -> bool:
    return _UNREAL.search(before) is not None


def _interactions(sentence: str, offset: int, now: datetime) -> Iterator[InteractionMention]:
    for kind, pattern in _INTERACTIONS:
        for found in pattern.finditer(sentence):
            before, after = _clause_around(sentence, found.start(), found.end())
            if _unreal(before):
                continue
            verb = found.groupdict().get("verb")
            if verb and verb.lower() in ("called", "rang"):
                words = before.split()
                if words and words[-1].lower() not in _CALLER:
                    continue  # "a cafe called Ana", "the phone rang"
            people = _people(found.group("who"), offset + found.start("who"))
            if not people:
                continue
            yield InteractionMention(
                people=people,
                kind=kind or _talk_kind(after),
                occurred_at=when_it_happened([after, before, found.group()], now),
                sentence=sentence.strip()[:SUMMARY_CHARS],
                position=offset + found.start("who"),
            )


def _talk_kind(after: str) -> MeetingKind:
    if _BY_CALL.search(after):
        return "call"
    if _BY_MESSAGE.search(after):
        return "message"
    return "meeting"


def _people(who: str, position: int) -> tuple[Person, ...]:
    people: list[Person] = []
    cursor = 0
    for part in re.split(r", and |, | and | & ", who)[:MAX_PEOPLE]:
        at = who.find(part, cursor)
        cursor = at + len(part)
        lowered = part.lower()
        if lowered in OBJECT_PRONOUNS or lowered in SUBJECT_PRONOUNS:
            people.append(Person(None, position + at))
            continue
        name = _clean_name(part)
        if name is not None:
            people.append(Person(name, position + at))
    return tuple(people)


def _subject(who: str, position: int) -> Person | None:
    if who.lower() in SUBJECT_PRONOUNS:
        return Person(None, position)
    name = _clean_name(who)
    return Person(name, position) if name is not None else None


def _clean_name(text: str) -> str | None:
    """``text`` without the words around a name that are not part of it ("Ana Monday")."""
    words = text.split()
    while words and words[-1].lower() in _TRAILING_NOT_NAME:
        words.pop()
    while words and words[0].lower() in STOP:
        words.pop(0)
    if not words or any(word.lower() in STOP for word in words):
        return None
    return " ".join(words)


def _company(text: str) -> str | None:
    words = text.rstrip(".'").split()
    while words and (
        words[-1].lower() in _TRAILING_NOT_NAME or words[-1] in ("&", "and", "of", "de", "for")
    ):
        words.pop()
    if words and words[0] == "the" and len(words) > 1:
        words.pop(0)
    return " ".join(words) or None


def _title(text: str | None) -> str | None:
    if not text:
        return None
    kept: list[str] = []
    for word in text.split()[:MAX_TITLE_WORDS]:
        if word.lower() in _TITLE_ENDS:
            break
        kept.append(word)
    title = " ".join(kept).rstrip(".,'")
    return title or None


def _jobs(
    sentence: str, offset: int, now: datetime
) -> Iterator[tuple[JobMention, tuple[int, int]]]:
    for kind, past, employer_only, pattern in _JOBS:
        for found in pattern.finditer(sentence):
            before, after = _clause_around(sentence, found.start(), _said_from(found))
            if _unreal(before):
                continue
            person = _subject(found.group("who"), offset + found.start("who"))
            groups = found.groupdict()
            company = _company(groups["company"]) if groups.get("company") else None
            if person is None or (kind != "title" and company is None):
                continue
            if employer_only and company is not None and company.lower() in PLACES:
                continue
            statement = JobStatement(
                kind=kind,  # type: ignore[arg-type]
                effective_on=effective_day(
                    [after, before, found.group("who")],
                    now.date(),
                    past=past,
                ),
                company=company,
                title=_title(groups.get("title")),
                needs_company=employer_only,
            )
            span = found.span("company") if groups.get("company") else (0, 0)
            yield JobMention(person, statement, person.position), span


def _interests(sentence: str, offset: int) -> Iterator[InterestMention]:
    for found in _INTEREST.finditer(sentence):
        before = sentence[: found.start()]
        if _unreal(before[before.rfind(",") + 1 :]):
            continue
        person = _subject(found.group("who"), offset + found.start("who"))
        what = _interest_text(found.group("what"))
        if person is not None and what is not None:
            yield InterestMention(person, what, person.position)


def _interest_text(text: str) -> str | None:
    cut = f" {text} ".lower()
    end = len(text)
    for marker in _INTEREST_ENDS:
        at = cut.find(marker)
        if 0 <= at - 1 < end:
            end = at - 1 if at > 0 else 0
    words = text[:end].split()[:MAX_INTEREST_WORDS]
    if not words or words[0].lower() in _NOT_INTERESTS:
        return None
    return " ".join(words)
