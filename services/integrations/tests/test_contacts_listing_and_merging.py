"""The contact list's cursors per sort, and what a merge keeps (pure parts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from muninn_integrations.contacts import listing
from muninn_integrations.contacts.merging import merged_hand
from muninn_integrations.interactions.store import activity_of
from muninn_shared.problems import ProblemError

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sort", "value"),
    [("name", "ana silva"), ("strength", 0.4213), ("last_interaction", AT), ("strength", None)],
)
def test_a_cursor_carries_its_sort_key_and_id(sort: listing.ContactSort, value: object) -> None:
    field = listing.SORTS[sort].field
    cursor = listing.encode_cursor(sort, {"_id": "c1", field: value})
    assert listing.decode_cursor(sort, cursor) == (value, "c1")


def test_a_cursor_of_another_sort_or_garbage_is_refused() -> None:
    cursor = listing.encode_cursor("name", {"_id": "c1", "sort_name": "ana"})
    for sort, bad in [("strength", cursor), ("name", "nope"), ("name", "W10")]:
        with pytest.raises(ProblemError) as refused:
            listing.decode_cursor(sort, bad)  # type: ignore[arg-type]
        assert refused.value.status == 400


def test_after_a_cursor_keeps_missing_keys_in_mongodb_order() -> None:
    descending = listing.after("strength", listing.encode_cursor("strength", {"_id": "c5"}))
    assert descending == {"relationship_strength": None, "_id": {"$lt": "c5"}}
    ascending = listing.after("name", listing.encode_cursor("name", {"_id": "c5"}))
    assert {"sort_name": {"$ne": None}} in ascending["$or"]
    valued = listing.after("strength", listing.encode_cursor("strength", {"_id": "c5",
                                                                          "relationship_strength": 0.5}))  # fmt: skip
    assert {"relationship_strength": None} in valued["$or"]
    assert {"relationship_strength": {"$lt": 0.5}} in valued["$or"]


def test_a_merge_keeps_the_survivors_edits_and_fills_what_it_lacks() -> None:
    survivor = {
        "display_name": "Ana",
        "company": "Acme",
        "title": None,
        "emails": [{"value": "ana@work.example"}],
        "tags": ["work"],
        "hand": {"display_name": "Ana"},
    }
    other = {
        "display_name": "Ana Silva",
        "company": "Old Co",
        "title": "Engineer",
        "emails": [{"value": "ANA@work.example"}, {"value": "ana@home.example"}],
        "phones": [{"value": "+351 912 345 678"}],
        "tags": ["friend", "Work"],
    }
    hand = merged_hand(survivor, [other])
    assert hand["display_name"] == "Ana"
    assert "company" not in hand  # the survivor has one (from its sources)
    assert hand["title"] == "Engineer"
    assert [e["value"] for e in hand["emails"]] == ["ana@work.example", "ana@home.example"]
    assert [p["value"] for p in hand["phones"]] == ["+351 912 345 678"]
    assert hand["tags"] == ["work", "friend"]


def test_activity_counts_the_window_and_keeps_the_latest_moments() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    seen = [
        [datetime(2026, 1, 1, tzinfo=UTC), "inbound", 1.0],
        [datetime(2026, 7, 1, tzinfo=UTC), "outbound", 0.5],
        [datetime(2026, 8, 1, tzinfo=UTC), "mutual", None],
        [datetime(2026, 9, 1, tzinfo=UTC), "inbound", -0.25],
        [datetime(2026, 12, 24, tzinfo=UTC), "mutual", 1.0],  # not yet
    ]
    found = activity_of(seen, start, datetime(2026, 12, 1, tzinfo=UTC))
    assert found.last_at == datetime(2026, 9, 1, tzinfo=UTC)
    assert found.moments[0] == found.last_at
    assert len(found.moments) == 4
    assert (found.in_window, found.inbound, found.outbound, found.mutual) == (3, 1, 1, 1)
    assert found.sentiment_sum == pytest.approx(0.25)
