"""What an audit entry keeps of a change: the changed fields, bounded, never a secret."""

from __future__ import annotations

from datetime import UTC, datetime

from muninn_integrations.audit.context import origin_of
from muninn_integrations.audit.service import MAX_ITEMS, MAX_TEXT, bounded, changed_fields


def test_only_changed_fields_are_kept_and_bookkeeping_is_left_out() -> None:
    old = {"company": "Acme", "title": "Designer", "updated_at": datetime(2026, 1, 1, tzinfo=UTC)}
    new = {"company": "Spotify", "title": "Designer", "updated_at": datetime.now(UTC)}
    assert changed_fields(old, new) == ({"company": "Acme"}, {"company": "Spotify"})


def test_a_creation_has_no_old_values_and_a_deletion_no_new_ones() -> None:
    assert changed_fields(None, {"name": "Ana"}) == (None, {"name": "Ana"})
    assert changed_fields({"name": "Ana"}, None) == ({"name": "Ana"}, None)


def test_secrets_never_reach_the_log_at_any_depth() -> None:
    new = {
        "password": "hunter2",
        "refresh_token": "r",
        "settings": {"api_key": "k", "colour": "blue"},
    }
    old_values, new_values = changed_fields(None, new)
    assert old_values is None
    assert new_values == {"settings": {"colour": "blue"}}


def test_values_are_bounded() -> None:
    value = bounded({"notes": "x" * 10_000, "tags": list(range(1_000))})
    assert len(value["notes"]) == MAX_TEXT + 1
    assert value["tags"] == list(range(MAX_ITEMS))
    deep = bounded({"a": {"b": {"c": {"d": 1}}}})
    assert deep == {"a": {"b": {"c": "…"}}}


def test_the_origin_keeps_the_path_not_the_query() -> None:
    origin = origin_of(
        {
            "type": "http",
            "method": "PATCH",
            "path": "/v1/contacts/abc",
            "query_string": b"q=private",
            "client": ("203.0.113.9", 5000),
            "headers": [(b"user-agent", b"x" * 1_000)],
        }
    )
    assert origin.endpoint == "PATCH /v1/contacts/abc"
    assert origin.ip == "203.0.113.9"
    assert origin.user_agent is not None
    assert len(origin.user_agent) == 300
