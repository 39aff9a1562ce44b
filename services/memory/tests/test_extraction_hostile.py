"""Hostile text: runs of unusual whitespace, separators and clause words must cost the rules
time linear in their length, and read exactly as the same text with plain spaces."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from itertools import count

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from muninn_memory.entities.recognize import recognize
from muninn_memory.extraction import rules as rules_module
from muninn_memory.extraction.models import SourceMessage
from muninn_memory.extraction.rules import RuleExtractor, bounded, classify, is_retraction
from muninn_memory.extraction.text import plain, sentences

from tests.hostile_text import SEPARATORS, UNUSUAL_SPACES, repeated_pieces

AT = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)
MEMORY_LIMIT = 20_000  # MessageIn.content and MemoryCreate.content
CONVERSATION_LIMIT = 100_000  # a conversation message, which reaches memory over Kafka
# Far above what linear rules take on 100,000 characters on a loaded machine (about 1-2 s),
# far below what the quadratic patterns took on such input (minutes).
GENEROUS_BUDGET_SECONDS = 30.0


def extraction(text: str, extractor: RuleExtractor | None = None) -> list[tuple[object, ...]]:
    found = (extractor or RuleExtractor()).extract_sync(
        [SourceMessage(content=text, created_at=AT)]
    )
    return [(f.content, f.category, f.slot, f.negated, f.sentence) for f in found.facts]


@pytest.mark.parametrize("run", UNUSUAL_SPACES)
def test_a_run_of_unusual_whitespace_reads_as_one_space(run: str) -> None:
    assert extraction("I love " + run * 8_000) == extraction("I love ")
    for template in (
        "I love{}cats.",
        "I{}no longer{}work at Acme.",
        "My sister Ingrid{}lives in Bergen.",
    ):
        hostile, normal = template.format(*[run * 8_000] * 2), template.format(" ", " ")
        assert extraction(hostile) == extraction(normal) != []


def test_a_direct_memory_reads_its_content_as_plain_text() -> None:
    hostile = "I love" + "\u1680" * 19_000 + "sushi"
    assert classify(bounded(plain(hostile))) == classify("I love sushi")


def _runs() -> st.SearchStrategy[str]:
    """One adversarial piece, repeated: whitespace, separators, clause words, punctuation."""
    return repeated_pieces(
        [
            "and ",
            "but ",
            "while ",
            "I ",
            "I'm not ",
            "I don't ",
            "anymore ",
            "my ",
            "we ",
            "because ",
            "Dr. ",
            "Ab-",
            "AB",
            "remind me ",
            "please ",
            "I love ",
            "no longer ",
        ],
        [",", ";", ":", "(", ")", "[", ".", "!", "?", '"', "'", "-", "\u2019"],
        separators=[*SEPARATORS, "\u00ad"],
    )


hostile_texts = st.lists(_runs(), min_size=1, max_size=8).map(
    lambda pieces: "".join(pieces)[:MEMORY_LIMIT]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_texts)
@example("I love " + "\u1680" * 8_000)
@example("I love" + "\u1680" * (MEMORY_LIMIT - 10) + "cats")
@example("I'm not " * (MEMORY_LIMIT // 8))
@example("I love cats" + ", and" * (MEMORY_LIMIT // 5))
@example("Dr. " * (MEMORY_LIMIT // 4))
@example("Ab-" * (MEMORY_LIMIT // 3))
@example(("I love cats and I " + "\u2028" * 50) * (CONVERSATION_LIMIT // 68))
@example("I love" + " \u200b\t\u3000" * (CONVERSATION_LIMIT // 4))
def test_hostile_text_is_read_within_a_fixed_budget(text: str) -> None:
    normal = plain(text)
    # Linear-size, and no pattern ever sees a whitespace run: one space, one line break.
    assert len(normal) <= len(unicodedata.normalize("NFKC", text))
    assert not re.search(r"[^\S \n]|  |\n\n|^ | $", normal, re.M)
    assert plain(normal) == normal
    for sentence in sentences(text):
        assert len(bounded(sentence)) <= rules_module.MAX_CLAUSE_CHARS
    recognize(text)  # entity recognition reads the same text, outside the budget
    budgeted = RuleExtractor(budget_seconds=GENEROUS_BUDGET_SECONDS)
    result = budgeted.extract_sync([SourceMessage(content=text, created_at=AT)])
    assert result.over_budget == [], result.notes


def test_a_message_over_its_budget_yields_no_fact_and_says_why() -> None:
    ticks = count()
    extractor = RuleExtractor(budget_seconds=2.5, clock=lambda: float(next(ticks)))
    messages = [
        SourceMessage(content="I live in Berlin. I love sushi. I work at Acme.", created_at=AT),
        SourceMessage(content="I love tea.", created_at=AT),
    ]
    result = extractor.extract_sync(messages)
    # One tick per clock reading: the first message's deadline passes at its third clause.
    assert result.over_budget == [0]
    assert [f.message_index for f in result.facts] == [1]
    assert "message 0: stored without extraction" in result.notes[0]
    assert "budget of 2.5 s" in result.notes[0]


def test_a_message_keeps_at_most_its_first_facts_and_says_so() -> None:
    text = " ".join(f"I love dish number {i}." for i in range(120))
    result = RuleExtractor(max_facts_per_message=50).extract_sync(
        [SourceMessage(content=text, created_at=AT)]
    )
    assert [f.content for f in result.facts] == [f"User loves dish number {i}." for i in range(50)]
    assert result.notes == ["message 0: only its first 50 of 120 facts were kept"]


# -- the rewritten patterns answer as the ones they replace, on ordinary text ----------------

OLD_RETRACTION = re.compile(
    r"\bI\s+(?:no longer|don't\s+\w+.*\b(?:anymore|any more)|do not\s+\w+.*\b(?:anymore|any more)|never did|didn't actually|don't actually|do not actually)\b|\bI(?:'m|\s+am)\s+(?:not|no longer)\s+.*\b(?:anymore|any more)\b|\bI(?:'m|\s+am)\s+no\s+longer\b|\bI\s+(?:don't|do not)\s+(?:have|own)\s+(?:a|an|any)\b",
    re.I,
)
OLD_CLAUSE_SPLIT = re.compile(
    r"(?:,\s*|\s+)(?:and|but|while)\s+(?=(?:I|I'm|I've|I'd|I'll|my|we|we're|our)\b)|;\s+(?=\S)"
)
OLD_BARE_AND = re.compile(
    r"\s+and\s+(?=(?:also\s+)?(?:work|live|love|like|enjoy|hate|study|have|speak|moved|play|own)\b)",
    re.I,
)
OLD_OBJECT_END = re.compile(
    r"\s+(?:a lot|so much|very much|too much|more than anything|but|because|since|when|although|though|whenever|if)\b.*$|[,;:(].*$|\s+and\s+(?:I|we|my)\b.*$",
    re.I,
)
ordinary = st.lists(
    st.sampled_from(
        [
            "I",
            "i",
            "I'm",
            "am",
            "not",
            "no",
            "longer",
            "don't",
            "do",
            "never",
            "did",
            "anymore",
            "any",
            "more",
            "have",
            "own",
            "a",
            "an",
            "work",
            "love",
            "cats",
            "and",
            "but",
            "while",
            "my",
            "we",
            "our",
            "also",
            "because",
            "if",
            "a lot",
            ",",
            ";",
            "(",
            ":",
            "actually",
            "didn't",
            "x",
        ]
    ),
    max_size=14,
).flatmap(
    lambda words: st.lists(
        st.sampled_from([" ", "  ", ", ", "\t", ""]), min_size=len(words), max_size=len(words)
    ).map(lambda gaps: "".join(w + g for w, g in zip(words, gaps, strict=True)))
)


@settings(max_examples=400, deadline=None)
@given(ordinary)
def test_rewritten_patterns_answer_as_before(text: str) -> None:
    assert is_retraction(text) == bool(OLD_RETRACTION.search(text))
    assert rules_module._CLAUSE_SPLIT.split(text) == OLD_CLAUSE_SPLIT.split(text)
    assert rules_module._BARE_AND.split(text) == OLD_BARE_AND.split(text)
    assert rules_module._OBJECT_END.sub("", text) == OLD_OBJECT_END.sub("", text)
