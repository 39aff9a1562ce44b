"""The self-contained full-text search used by notes and snippets."""

from __future__ import annotations

import pytest
from muninn_conversation.notes.search import (
    Corpus,
    decode_rank_cursor,
    encode_rank_cursor,
    highlight,
    index_fields,
    parse_query,
    rank_key,
    score,
    stem,
    tokens,
)
from muninn_shared.problems import ProblemError


def test_tokens_fold_case_accents_plurals_and_drop_stopwords() -> None:
    assert tokens("The Cafés of PARIS, and the cats!") == ["cafe", "paris", "cat"]
    assert tokens("Don\u2019t panic") == ["dont", "panic"]


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("cats", "cat"),
        ("stories", "story"),
        ("classes", "class"),
        ("glass", "glass"),
        ("bus", "bus"),
        ("analysis", "analysis"),
        ("is", "is"),
        ("parse_js", "parse_js"),
        ("v2s", "v2s"),
    ],
)
def test_stem_only_folds_plurals(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_snake_case_identifiers_are_found_by_their_parts() -> None:
    assert tokens("def parse_json(raw)") == ["def", "parse_json", "parse", "json", "raw"]


def test_scripts_without_spaces_are_indexed_as_bigrams() -> None:
    assert tokens("東京タワー") == ["東京", "京タ", "タワ", "ワー"]


def test_index_fields_weigh_title_over_body() -> None:
    fields = index_fields([("Cat care", 3), ("feeding the cats daily", 1)])
    assert fields["search_terms"] == ["care", "cat", "daily", "feeding"]
    assert fields["search_tf"] == {"cat": 4, "care": 3, "feeding": 1, "daily": 1}
    assert fields["search_len"] == 2 * 3 + 3


def test_parse_query_treats_the_word_being_typed_as_a_prefix() -> None:
    typing = parse_query("walking the dogs")
    assert typing.terms == ("walking",)
    assert typing.prefix == "dog"
    assert typing.mongo_filter() == {
        "$and": [{"search_terms": "walking"}, {"search_terms": {"$regex": "^dog"}}]
    }
    finished = parse_query("walking the dogs ")
    assert finished.terms == ("walking", "dog")
    assert finished.prefix is None


def test_parse_query_of_only_stopwords_is_empty() -> None:
    assert parse_query("the ").empty
    assert parse_query("a").empty
    assert parse_query("?!").empty


def _doc(title: str, content: str) -> dict[str, object]:
    return {"title": title, **index_fields([(title, 3), (content, 1)])}


def test_bm25_prefers_rarer_terms_titles_and_denser_matches() -> None:
    docs = {
        "title": _doc("Sourdough starter", "feed it flour and water"),
        "body": _doc("Weekend", "we baked sourdough bread with a friend and went for a long walk"),
        "none": _doc("Groceries", "milk eggs flour"),
    }
    query = parse_query("sourdough ")
    corpus = Corpus(documents=3, document_frequency={"sourdough": 2}, mean_length=10)
    scores = {key: score(doc, query, corpus, title=str(doc["title"])) for key, doc in docs.items()}
    assert scores["title"] > scores["body"] > scores["none"] == 0


def test_exact_title_phrase_gets_a_bonus() -> None:
    doc = _doc("Tax return 2024", "receipts")
    other = _doc("Receipts", "tax return 2024 receipts")
    query = parse_query("tax return 2024 ")
    corpus = Corpus(
        documents=2, document_frequency={"tax": 2, "return": 2, "2024": 2}, mean_length=8
    )
    assert score(doc, query, corpus, title="Tax return 2024") > score(
        other, query, corpus, title="Receipts"
    )


def test_prefix_matches_score_below_exact_matches() -> None:
    exact = _doc("Walk", "walk")
    longer = _doc("Walking", "walking")
    query = parse_query("walk")
    corpus = Corpus(documents=2, document_frequency={"^walk": 2}, mean_length=4)
    assert score(exact, query, corpus) > score(longer, query, corpus) > 0


def test_highlight_centres_on_the_first_match() -> None:
    content = "intro " * 60 + "the Zebra crossing is here " + "outro " * 60
    excerpt = highlight(content, parse_query("zebra "), width=60)
    assert "Zebra crossing" in excerpt
    assert excerpt.startswith("…")
    assert excerpt.endswith("…")
    assert highlight("short text", parse_query("nothing ")) == "short text"


def test_rank_cursor_round_trip_and_order() -> None:
    cursor = encode_rank_cursor(3.25, "abc")
    assert decode_rank_cursor(cursor) == (3.25, "abc")
    ranked = sorted([(1.0, "b"), (2.0, "z"), (1.0, "a")], key=lambda pair: rank_key(*pair))
    assert ranked == [(2.0, "z"), (1.0, "a"), (1.0, "b")]
    with pytest.raises(ProblemError) as bad:
        decode_rank_cursor("not-a-cursor")
    assert bad.value.status == 400
