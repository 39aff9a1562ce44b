"""The contact graph and interests without servers: tie strength and type, evidence kept once
per record, best paths and clusters on a small graph, taxonomy detection (hostile text too),
interest reinforcement and decay."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from muninn_integrations.contacts.models import ContactPerson
from muninn_integrations.graph.algorithms import adjacency, best_path, clusters, most_common
from muninn_integrations.graph.evidence import Sighting, absorb, release
from muninn_integrations.graph.scoring import (
    inferred_type,
    is_public_domain,
    pairs,
    tie_strength,
)
from muninn_integrations.graph.service import GraphPolicy, merged
from muninn_integrations.interests.detect import Topic, detect, tokens
from muninn_integrations.interests.models import InterestCreate
from muninn_integrations.interests.scoring import decayed, reinforced
from muninn_integrations.interests.taxonomy import TAXONOMY
from pydantic import ValidationError

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def person(pid: str, company: str | None = None, *domains: str) -> ContactPerson:
    return ContactPerson(pid, pid.title(), company, tuple(domains), 0.5, False)


# --- the graph's scores ---------------------------------------------------------------------


def test_tie_strength_saturates_with_shared_interactions_and_halves_with_silence() -> None:
    assert tie_strength(0, NOW, NOW, 90) == 0.0
    assert tie_strength(3, None, NOW, 90) == 0.0
    assert tie_strength(3, NOW, NOW, 90) == pytest.approx(1 - math.exp(-1), abs=1e-6)
    assert tie_strength(30, NOW, NOW, 90) > 0.99
    fresh = tie_strength(6, NOW, NOW, 90)
    assert tie_strength(6, NOW - timedelta(days=90), NOW, 90) == pytest.approx(fresh / 2, abs=1e-6)
    # Evidence dated after now (clock skew) is not stronger than evidence from now.
    assert tie_strength(6, NOW + timedelta(days=5), NOW, 90) == fresh


def test_colleagues_share_a_company_or_a_work_domain_never_a_free_mail_one() -> None:
    assert inferred_type(person("ana", "ACME  Corp"), person("bo", "acme corp")) == "colleague"
    assert inferred_type(
        person("ana", None, "acme.com"), person("bo", None, "ACME.com".lower())
    ) == ("colleague")
    assert inferred_type(person("ana", None, "gmail.com"), person("bo", None, "gmail.com")) == (
        "acquaintance"
    )
    assert inferred_type(person("ana", "Acme"), person("bo", "Globex")) == "acquaintance"
    assert is_public_domain("gmx.de")
    assert is_public_domain("yahoo.co.uk")
    assert is_public_domain("proton.me")
    assert not is_public_domain("acme.com")
    assert not is_public_domain("mail.gmx-partners.example.com")


def test_pairs_are_ordered_and_each_once() -> None:
    assert pairs(["c", "a", "b", "a"]) == [("a", "b"), ("a", "c"), ("b", "c")]
    assert pairs(["a"]) == []


def test_evidence_is_counted_once_per_record_and_taken_back_when_deleted() -> None:
    doc: dict[str, object] = {"evidence": [], "shared_interactions": 0}
    first = absorb(doc, [Sighting("r1", "meeting", NOW - timedelta(days=1))], NOW, 90)
    assert first is not None
    assert first["shared_interactions"] == 1
    doc.update(first)
    assert absorb(doc, [Sighting("r1", "meeting", NOW - timedelta(days=1))], NOW, 90) is None
    second = absorb(doc, [Sighting("r2", "email", NOW), Sighting("r2", "email", NOW)], NOW, 90)
    assert second is not None
    assert second["shared_interactions"] == 2
    assert second["last_evidence_at"] == NOW
    doc.update(second)
    after = release(doc, {"r2"}, NOW, 90)
    assert after["shared_interactions"] == 1
    assert [e["record_id"] for e in after["evidence"]] == ["r1"]
    assert after["last_evidence_at"] == NOW - timedelta(days=1)
    assert release(doc, {"r1", "r2"}, NOW, 90)["strength"] == 0.0


def test_evidence_keeps_the_last_fifty() -> None:
    doc: dict[str, object] = {"evidence": [], "shared_interactions": 0}
    for i in range(60):
        changes = absorb(doc, [Sighting(f"r{i:02d}", "email", NOW + timedelta(minutes=i))], NOW, 90)
        assert changes is not None
        doc.update(changes)
    evidence = doc["evidence"]
    assert isinstance(evidence, list)
    assert len(evidence) == 50
    assert evidence[0]["record_id"] == "r10"
    assert evidence[-1]["record_id"] == "r59"
    assert doc["shared_interactions"] == 60


def test_a_series_counts_each_occurrence_once_even_past_the_last_fifty() -> None:
    doc: dict[str, object] = {"evidence": [], "shared_interactions": 0}

    def daily(days: range) -> list[Sighting]:
        moments = [NOW - timedelta(days=100) + timedelta(days=d) for d in days]
        return [Sighting(f"s@{m:%Y%m%d}", "meeting", m, series="s") for m in moments]

    changes = absorb(doc, daily(range(60)), NOW, 90)
    assert changes is not None
    doc.update(changes)
    assert doc["shared_interactions"] == 60
    assert changes["series"] == [
        {"record_id": "s", "through": NOW - timedelta(days=41), "count": 60}
    ]
    # Handed over again with one more day: the ten that left the last fifty do not count
    # again, the new day does.
    changes = absorb(doc, daily(range(61)), NOW, 90)
    assert changes is not None
    doc.update(changes)
    assert doc["shared_interactions"] == 61
    assert absorb(doc, daily(range(61)), NOW, 90) is None
    # A single meeting beside it stays when the series goes.
    single = absorb(doc, [Sighting("m1", "meeting", NOW)], NOW, 90)
    assert single is not None
    doc.update(single)
    after = release(doc, {"s"}, NOW, 90)
    assert after["shared_interactions"] == 1
    assert [e["record_id"] for e in after["evidence"]] == ["m1"]
    assert after["series"] == []


def test_merged_links_count_a_series_both_saw_once() -> None:
    at = NOW - timedelta(days=1)
    target = {
        "evidence": [{"record_id": "m1", "kind": "meeting", "at": at}],
        "series": [{"record_id": "s", "through": at, "count": 5}],
        "shared_interactions": 6,
    }
    moved = {
        "evidence": [{"record_id": "m1", "kind": "meeting", "at": at}],
        "series": [
            {"record_id": "s", "through": NOW, "count": 6},
            {"record_id": "t", "through": at, "count": 2},
        ],
        "shared_interactions": 9,
    }
    fields = merged(target, moved, NOW, GraphPolicy(half_life_days=90, max_participants=25))
    assert fields["shared_interactions"] == 1 + 6 + 2  # m1 once, s's six, t's two
    assert sorted((e["record_id"], e["count"], e["through"]) for e in fields["series"]) == [
        ("s", 6, NOW),
        ("t", 2, at),
    ]


# --- paths and clusters ----------------------------------------------------------------------


def small_graph() -> dict[str, dict[str, float]]:
    graph = adjacency(
        [
            ("ana", "bo", 0.9),
            ("bo", "cy", 0.9),
            ("ana", "cy", 0.1),
            ("cy", "dee", 0.8),
            ("dee", "eve", 0.8),
            ("eve", "fay", 0.8),
        ]
    )
    graph["me"] = {"ana": 0.9, "fay": 0.05}
    return graph


def test_best_path_maximises_the_product_of_strengths() -> None:
    found = best_path(small_graph(), "me", "cy", max_hops=4)
    assert found is not None
    assert found.nodes == ("me", "ana", "bo", "cy")  # 0.9³ beats 0.9 · 0.1
    assert found.strength == pytest.approx(0.9**3)


def test_best_path_respects_the_hop_limit() -> None:
    graph = small_graph()
    # me→fay directly (0.05) is weak; through ana..eve is 6 hops, over the limit.
    found = best_path(graph, "me", "fay", max_hops=4)
    assert found is not None
    assert found.nodes == ("me", "fay")
    graph["me"].pop("fay")
    assert best_path(graph, "me", "fay", max_hops=4) is None
    longer = best_path(graph, "me", "fay", max_hops=6)
    assert longer is not None
    assert len(longer.nodes) == 7


def test_best_path_never_goes_back_through_the_origin_only_node() -> None:
    graph = small_graph()
    found = best_path(graph, "bo", "ana", max_hops=4)
    assert found is not None
    assert "me" not in found.nodes
    assert best_path(graph, "ana", "nobody", max_hops=4) is None


def test_clusters_split_two_tight_groups_joined_by_a_weak_tie() -> None:
    graph = adjacency(
        [
            ("a1", "a2", 0.9),
            ("a2", "a3", 0.9),
            ("a1", "a3", 0.8),
            ("b1", "b2", 0.9),
            ("b2", "b3", 0.9),
            ("b1", "b3", 0.9),
            ("b3", "b4", 0.7),
            ("a3", "b1", 0.1),
        ]
    )
    found = clusters(graph)
    assert found == [["b1", "b2", "b3", "b4"], ["a1", "a2", "a3"]]
    assert clusters({}) == []


def test_most_common_breaks_ties_by_name() -> None:
    assert most_common(["Globex", "Acme", None, "Acme"]) == "Acme"
    assert most_common(["b", "a"]) == "a"
    assert most_common([None]) is None


# --- interests -------------------------------------------------------------------------------


def test_taxonomy_is_broad() -> None:
    assert len(TAXONOMY) >= 12
    for wanted in ("technology", "sports", "outdoors", "music", "travel", "pets", "fashion"):
        assert TAXONOMY[wanted]


def test_detection_matches_whole_words_and_phrases_case_insensitively() -> None:
    found = detect("Planning a HIKING trip, then Wine Tasting; also C++ code review & Café Museum")
    assert Topic("outdoors", "hiking") in found
    assert Topic("food and drink", "wine") in found
    assert Topic("technology", "programming") in found
    assert Topic("arts", "museums and galleries") in found
    # Inside another word is not a mention.
    assert detect("the chessboard company's golfer-less winery") == []
    assert detect("") == []
    # Plural and accents fold.
    assert Topic("pets", "dogs") in detect("Our DOGS say hi")
    assert tokens("Élodie's C# talk") == ["elodie", "s", "c#", "talk"]


def test_detection_of_hostile_text_finishes() -> None:
    hostile = [
        "a" * 20_000,
        "hiking " * 2_900,
        "+" * 20_000,
        "\u0301" * 20_000,
        ("machine " * 2_500)[:20_000],
        "x" * 19_999 + " wine",
    ]
    for text in hostile:
        assert isinstance(detect(text), list)
    assert detect("machine learning " * 1_200) == [Topic("technology", "artificial intelligence")]


def test_reinforcement_closes_the_gap_and_decay_halves_each_half_life() -> None:
    assert reinforced(0.4, 0.25) == pytest.approx(0.55)
    assert reinforced(1.0, 0.25) == 1.0
    assert decayed(0.8, NOW - timedelta(days=60), NOW, 60) == pytest.approx(0.4)
    assert decayed(0.8, NOW, NOW, 60) == 0.8
    assert decayed(0.8, NOW + timedelta(days=3), NOW, 60) == 0.8  # not above c


def test_interest_added_by_hand_is_a_known_category_and_a_named_topic() -> None:
    body = InterestCreate(category=" Outdoors", topic="  Trail   Running ")
    assert (body.category, body.topic) == ("outdoors", "trail running")
    with pytest.raises(ValidationError):
        InterestCreate(category="astrology", topic="stars")
    with pytest.raises(ValidationError):
        InterestCreate(category="music", topic="   ")
