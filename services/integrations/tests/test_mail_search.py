"""Mail search terms and conditions; what a synced message becomes."""

from __future__ import annotations

from datetime import UTC, datetime

from muninn_integrations.mail.models import Attachment, MailAddress, MailMessage
from muninn_integrations.mail.search import MAX_TERMS, search_condition, search_terms
from muninn_integrations.mail.sink import MAX_BODY_CHARS, content_of, digest, event_data


def message(**overrides: object) -> MailMessage:
    fields: dict[str, object] = {
        "external_id": "INBOX/7/1",
        "mailbox": "INBOX",
        "uid": 1,
        "uidvalidity": 7,
        "thread_id": "t-1",
        "subject": "Deposit for the flat",
        "sender": MailAddress(address="Landlord@Rent.example", name="Mr Lopes"),
        "to": [MailAddress(address="ana@x.example", name="Ana")],
        "sent_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "body": "Hello Ana,\n\n  the deposit will be returned in   March.",
        "attachments": [Attachment(filename="a.pdf", content_type="application/pdf", size=10)],
        **overrides,
    }
    return MailMessage.model_validate(fields)


def test_terms_are_folded_distinct_and_bounded() -> None:
    terms = search_terms(["Réunion RÉUNION a b", "réunion"], ["Ana@X.example"])
    assert terms == ["ana@x.example", "reunion"]
    many = search_terms([" ".join(f"w{i}" for i in range(MAX_TERMS * 2))])
    assert len(many) == MAX_TERMS


def test_a_query_needs_every_word_and_the_last_as_a_prefix() -> None:
    assert search_condition("Deposit MAR") == {
        "$and": [{"search_terms": "deposit"}, {"search_terms": {"$regex": "^mar"}}]
    }
    assert search_condition("landlord@rent.example") == {
        "search_terms": {"$regex": r"^landlord@rent\.example"}
    }
    assert search_condition("(*)") == {"_id": {"$exists": False}}
    assert search_condition(".*") == {"_id": {"$exists": False}}


def test_the_event_carries_a_short_snippet_never_the_body() -> None:
    content = content_of(message(body="x " * 300_000))
    assert len(content["body"]) == MAX_BODY_CHARS
    assert content["body_truncated"] is True
    data = event_data(content)
    assert len(data["snippet"]) <= 500
    assert "body" not in data
    plain = event_data(content_of(message()))
    assert plain == {
        "subject": "Deposit for the flat",
        "from": {"address": "Landlord@Rent.example", "name": "Mr Lopes"},
        "to": [{"address": "ana@x.example", "name": "Ana"}],
        "sent_at": "2026-03-01T09:30:00+00:00",
        "thread_id": "t-1",
        "mailbox": "INBOX",
        "snippet": "Hello Ana, the deposit will be returned in March.",
        "has_attachments": True,
    }


def test_a_flag_change_is_a_change_a_replay_is_not() -> None:
    assert digest(content_of(message())) == digest(content_of(message()))
    assert digest(content_of(message())) != digest(content_of(message(flags=["\\Seen"])))
