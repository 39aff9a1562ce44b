"""What an export leaves out: every field named like a secret, however deep it sits."""

from __future__ import annotations

from bson import Decimal128
from muninn_shared.privacy import _jsonable, redacted


def test_secret_fields_go_at_every_depth_lists_included() -> None:
    doc = {
        "_id": "c-1",
        "user_id": "u-1",
        "password_hash": "argon2…",
        "vault": {"key_id": "k-1", "secret_ciphertext": b"\x00\x01"},
        "accounts": [
            {"name": "work", "token_secret": "t-1", "nested": [{"data_key_ciphertext": b"k"}]},
            "plain",
        ],
    }
    assert redacted(doc) == {
        "_id": "c-1",
        "user_id": "u-1",
        "vault": {"key_id": "k-1"},
        "accounts": [{"name": "work", "nested": [{}]}, "plain"],
    }


def test_nothing_else_changes() -> None:
    doc = {"title": "Lunch", "attendees": [{"name": "Ana", "email": "ana@example.org"}], "n": 3}
    assert redacted(doc) == doc


def test_money_is_exported_as_its_exact_decimal_string() -> None:
    doc = {"amount": Decimal128("45.10"), "parts": [Decimal128("0.1"), Decimal128("1E+3")]}
    assert _jsonable(doc) == {"amount": "45.10", "parts": ["0.1", "1E+3"]}
