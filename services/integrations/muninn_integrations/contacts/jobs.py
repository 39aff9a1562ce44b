"""Job changes: a contact's company or title changing, at the source or in conversation.

What the user says ("Ana is starting at Spotify next month") is kept on the contact as a
*statement* (``said``): the company and title it gives, and the company and title the
contact's sources showed when it was made (its ``basis``). ``compose`` lays the statement
over the sources and the owner's hand edits for as long as the sources still show that
basis, so a re-sync of an unchanged address book does not undo it; once a source shows
another company or title, the source is the newer word and the statement is dropped. A
later hand edit of the company or title drops it too (see ``ContactService.update``).

Every change detected keeps an entry in the contact's ``job_history`` (newest last, at most
``MAX_JOB_HISTORY``), and its entry is what the ``contact`` record announces as
``job_change``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

MAX_JOB_HISTORY = 20
MAX_JOB_TEXT = 255

JobSource = Literal["sync", "conversation"]


@dataclass(frozen=True)
class JobStatement:
    """What the user said about a contact's job.

    ``kind``: ``joined`` (works at ``company`` now, as ``title`` when said), ``left`` (no
    longer at ``company``), ``title`` (a new ``title`` at the same company). ``needs_company``:
    only a change of employer ("moved to X" also describes moving house), so it applies only
    to a contact with a company already.
    """

    kind: Literal["joined", "left", "title"]
    effective_on: date
    company: str | None = None
    title: str | None = None
    needs_company: bool = False


def same(a: Any, b: Any) -> bool:
    """Two companies or titles are the same when they differ only by case and spacing."""
    return _norm(a) == _norm(b)


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).casefold() if value else ""


def _clip(value: str | None) -> str | None:
    text = " ".join(value.split()) if value else ""
    return text[:MAX_JOB_TEXT] or None


def next_job(
    company: str | None, title: str | None, statement: JobStatement
) -> tuple[str | None, str | None] | None:
    """The (company, title) a contact has after ``statement``, or None when it changes
    nothing (it is already so, or it speaks of a company the contact is not at). A new
    employer said without a title clears the old title: it was the old employer's."""
    said_company, said_title = _clip(statement.company), _clip(statement.title)
    if statement.kind == "left":
        if company and same(company, said_company):
            return None, None
        return None
    if statement.kind == "title" or same(company, said_company):
        if said_title is None or same(title, said_title):
            return None
        return company, said_title
    if said_company is None or (statement.needs_company and not company):
        return None
    return said_company, said_title


def is_sync_job_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """A source showing another employer or another title where both are known.

    A company or title appearing where there was none is the contact becoming known, and one
    disappearing is as often a tidy-up as a departure: neither is announced as a change.
    """
    moved = bool(before.get("company") and after.get("company")) and not same(
        before["company"], after["company"]
    )
    retitled = bool(before.get("title") and after.get("title")) and not same(
        before["title"], after["title"]
    )
    return moved or retitled


def change_entry(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    effective_on: date,
    source: JobSource,
    detected_at: datetime,
) -> dict[str, Any]:
    """The ``job_change`` of the ``contact`` record (and one ``job_history`` entry)."""
    return {
        "previous_company": before.get("company"),
        "previous_title": before.get("title"),
        "company": after.get("company"),
        "title": after.get("title"),
        "effective_on": effective_on.isoformat(),
        "source": source,
        "detected_at": detected_at.isoformat(),
    }


def with_entry(history: Sequence[Mapping[str, Any]] | None, entry: Mapping[str, Any]) -> list[Any]:
    """``history`` with ``entry`` last, the oldest entries dropped beyond the bound."""
    return [*(history or []), dict(entry)][-MAX_JOB_HISTORY:]


def statement_doc(
    company: str | None, title: str | None, basis: Mapping[str, Any], at: datetime
) -> dict[str, Any]:
    """What ``said`` stores: the stated job and what the sources showed when it was said."""
    return {
        "company": company,
        "title": title,
        "basis": {"company": basis.get("company"), "title": basis.get("title")},
        "at": at,
    }


def statement_holds(said: Mapping[str, Any], from_sources: Mapping[str, Any]) -> bool:
    """The sources still show what they showed when the statement was made."""
    basis = said.get("basis") or {}
    return same(basis.get("company"), from_sources.get("company")) and same(
        basis.get("title"), from_sources.get("title")
    )
