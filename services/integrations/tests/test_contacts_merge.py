"""Contacts merged from their sources and their owner's edits; what the API accepts."""

from __future__ import annotations

import pytest
from muninn_integrations.contacts.merge import (
    event_data,
    fields_from_contact,
    fields_from_request,
    match_keys,
    merge_fields,
    name_keys,
    search_condition,
)
from muninn_integrations.contacts.models import (
    Birthday,
    Contact,
    ContactCreate,
    ContactPatch,
    LabeledValue,
    birthday_text,
)
from pydantic import ValidationError


def source(**fields: object) -> dict[str, object]:
    contact = Contact(uid="u", **fields)  # type: ignore[arg-type]
    return fields_from_contact(contact)


def test_later_sources_fill_and_lists_are_unioned_without_duplicates() -> None:
    first = source(
        full_name="Ana Silva",
        emails=[LabeledValue(value="ana@work.example")],
        organization="Acme",
    )
    second = source(
        full_name="Ana M. Silva",
        emails=[LabeledValue(value="ANA@work.example"), LabeledValue(value="ana@home.example")],
        phones=[LabeledValue(value="+351 912 345 678")],
    )
    merged = merge_fields([first, second], {})
    assert merged["display_name"] == "Ana M. Silva"
    assert merged["company"] == "Acme"  # the later source said nothing: kept
    assert [e["value"] for e in merged["emails"]] == ["ana@work.example", "ana@home.example"]
    assert match_keys(merged) == ["e:ana@work.example", "e:ana@home.example", "p:912345678"]


def test_hand_edits_win_over_sources_and_a_cleared_list_stays_cleared() -> None:
    synced = source(full_name="Ana", tags=["work"], emails=[LabeledValue(value="a@x.example")])
    merged = merge_fields([synced], {"display_name": "Ana (climbing)", "tags": None})
    assert merged["display_name"] == "Ana (climbing)"
    assert merged["tags"] == []
    assert [e["value"] for e in merged["emails"]] == ["a@x.example"]


def test_phones_match_whatever_their_format() -> None:
    a = match_keys({"phones": [{"value": "+351 912-345-678"}]})
    b = match_keys({"phones": [{"value": "912345678"}]})
    assert a == b
    assert match_keys({"phones": [{"value": "112"}]}) == []  # too short to mean a person


def test_name_keys_fold_case_and_accents_and_search_is_by_prefix() -> None:
    keys = name_keys(
        {"display_name": "Élodie Durand", "emails": [{"value": "Elodie.D@mail.example"}]}
    )
    assert {"elodie", "durand", "elodie.d@mail.example", "elodie.d"} <= set(keys)
    assert search_condition("ÉLO") == {"name_keys": {"$regex": "^elo"}}
    assert search_condition("a.b (") == {
        "$and": [{"name_keys": {"$regex": r"^a\.b"}}, {"name_keys": {"$regex": r"^\("}}]
    }
    assert search_condition("   ") == {}


def test_birthdays_are_written_as_the_scheduler_reads_them() -> None:
    assert birthday_text(Birthday(month=4, day=15, year=1990)) == "1990-04-15"
    assert birthday_text(Birthday(month=2, day=29)) == "--02-29"
    data = event_data(
        {
            "first_name": "Ana",
            "last_name": "Silva",
            "birthday": {"month": 4, "day": 5, "year": None},
            "emails": [{"value": f"a{i}@x.example"} for i in range(30)],
        }
    )
    assert data["name"] == "Ana Silva"
    assert data["birthday"] == "--04-05"
    assert len(data["emails"]) == 10
    assert data["is_archived"] is False


def test_requests_keep_only_what_was_sent() -> None:
    patch = ContactPatch.model_validate({"company": "Acme", "birthday": "--12-31"})
    assert fields_from_request(patch) == {
        "company": "Acme",
        "birthday": {"month": 12, "day": 31, "year": None},
    }
    assert fields_from_request(ContactPatch.model_validate({"notes": None})) == {"notes": None}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"display_name": ""},
        {"display_name": "A", "birthday": "2023-02-30"},
        {"display_name": "A", "birthday": "--13-01"},
        {"display_name": "A", "birthday": "15/04/1990"},
        {"display_name": "A", "emails": [{"value": "not-an-address"}]},
        {"display_name": "A", "phones": [{"value": "call me"}]},
        {"display_name": "A", "unknown": 1},
        {"display_name": "A", "tags": ["x"] * 51},
        {"display_name": "x" * 1001},
    ],
)
def test_what_a_contact_request_refuses(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ContactCreate.model_validate(body)
