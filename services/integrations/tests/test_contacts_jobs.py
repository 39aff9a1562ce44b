"""Job changes on a contact: what a statement changes, how it lays over the sources, what a
source's edit announces."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from muninn_integrations.contacts.jobs import (
    MAX_JOB_HISTORY,
    JobStatement,
    change_entry,
    is_sync_job_change,
    next_job,
    statement_doc,
    with_entry,
)
from muninn_integrations.contacts.sink import compose

DAY = date(2026, 12, 5)
AT = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


def joined(company: str, title: str | None = None, *, needs_company: bool = False) -> JobStatement:
    return JobStatement("joined", DAY, company=company, title=title, needs_company=needs_company)


@pytest.mark.parametrize(
    ("company", "title", "statement", "expected"),
    [
        ("Acme", "Designer", joined("Spotify"), ("Spotify", None)),
        ("Acme", None, joined("Google", "product designer"), ("Google", "product designer")),
        (None, None, joined("Spotify"), ("Spotify", None)),
        ("Acme", "Designer", joined("acme "), None),  # already there: nothing new
        ("Acme", "Designer", joined("ACME", "designer"), None),
        ("Acme", "Engineer", joined("Acme", "CTO"), ("Acme", "CTO")),
        ("Acme", None, joined("Stripe", needs_company=True), ("Stripe", None)),
        (None, None, joined("Stripe", needs_company=True), None),
        ("Acme", "CTO", JobStatement("left", DAY, company="acme"), (None, None)),
        ("Acme", "CTO", JobStatement("left", DAY, company="Google"), None),
        (None, None, JobStatement("left", DAY, company="Acme"), None),
        (
            "Acme",
            "Engineer",
            JobStatement("title", DAY, title="Senior engineer"),
            ("Acme", "Senior engineer"),
        ),
        ("Acme", "CTO", JobStatement("title", DAY, title="cto"), None),
    ],
)
def test_next_job(
    company: str | None,
    title: str | None,
    statement: JobStatement,
    expected: tuple[str | None, str | None] | None,
) -> None:
    assert next_job(company, title, statement) == expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"company": "Acme"}, {"company": "Spotify"}, True),
        ({"company": "Acme", "title": "Engineer"}, {"company": "Acme", "title": "CTO"}, True),
        ({"company": "Acme"}, {"company": " acme"}, False),
        ({"company": None}, {"company": "Acme"}, False),  # becoming known is not a change
        ({"company": "Acme"}, {"company": None}, False),
        ({"company": "Acme", "title": None}, {"company": "Acme", "title": "CTO"}, False),
    ],
)
def test_is_sync_job_change(before: dict[str, str], after: dict[str, str], expected: bool) -> None:
    assert is_sync_job_change(before, after) is expected


def test_change_entry_and_bounded_history() -> None:
    entry = change_entry(
        {"company": "Acme", "title": "Engineer"},
        {"company": "Spotify", "title": None},
        effective_on=date(2027, 1, 1),
        source="conversation",
        detected_at=AT,
    )
    assert entry == {
        "previous_company": "Acme",
        "previous_title": "Engineer",
        "company": "Spotify",
        "title": None,
        "effective_on": "2027-01-01",
        "source": "conversation",
        "detected_at": "2026-12-05T15:00:00+00:00",
    }
    history: list[object] = []
    for n in range(MAX_JOB_HISTORY + 5):
        history = with_entry(history, {**entry, "company": f"C{n}"})  # type: ignore[arg-type]
    assert len(history) == MAX_JOB_HISTORY
    assert history[-1]["company"] == f"C{MAX_JOB_HISTORY + 4}"  # type: ignore[index]


def source(company: str | None, title: str | None = None) -> dict[str, object]:
    return {
        "connection_id": "c1",
        "external_id": "x1",
        "fields": {"display_name": "Ana Silva", "company": company, "title": title},
    }


def test_a_statement_lays_over_the_sources_until_they_change() -> None:
    said = statement_doc("Spotify", None, {"company": "Acme", "title": "Designer"}, AT)
    contact = {"hand": {}, "said": said}

    resynced = compose(contact, [source("Acme", "Designer")])
    assert (resynced["company"], resynced["title"]) == ("Spotify", None)
    assert "said" not in resynced  # still holds: kept as it is

    moved_at_source = compose(contact, [source("Stripe", "Designer")])
    assert (moved_at_source["company"], moved_at_source["title"]) == ("Stripe", "Designer")
    assert moved_at_source["said"] is None  # the source is newer: the statement is dropped


def test_a_statement_is_newer_than_a_hand_edit_made_before_it() -> None:
    said = statement_doc("Spotify", "Designer", {"company": None, "title": None}, AT)
    contact = {"hand": {"display_name": "Ana", "company": "Acme"}, "said": said}
    composed = compose(contact, [])
    assert (composed["display_name"], composed["company"], composed["title"]) == (
        "Ana",
        "Spotify",
        "Designer",
    )
