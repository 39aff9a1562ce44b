"""A contact's new job, as integrations detected it: what to say, and what makes it distinct."""

from __future__ import annotations

from typing import Any

MAX_FIELD = 200


def _text(change: dict[str, Any], field: str) -> str | None:
    value = change.get(field)
    return value.strip()[:MAX_FIELD] if isinstance(value, str) and value.strip() else None


def change_key(change: dict[str, Any]) -> str | None:
    """What identifies one change (a redelivered or re-synced record repeats it), or None when
    the record names no new company or title."""
    company, title = _text(change, "company"), _text(change, "title")
    if company is None and title is None:
        return None
    parts = [_text(change, f) or "" for f in ("previous_company", "previous_title")]
    return "|".join([*parts, company or "", title or ""]).lower()


def describe(name: str, change: dict[str, Any]) -> tuple[str, str]:
    """(title, body) of the notification: a new company reads "is starting at", a new title
    at the same company "is now … at"."""
    company, title = _text(change, "company"), _text(change, "title")
    before_company = _text(change, "previous_company")
    before_title = _text(change, "previous_title")
    # Without a previous company, a previous title says it is a new role at the same place.
    new_place = before_company is not None or before_title is None
    moved = company is not None and new_place and (before_company or "").lower() != company.lower()
    if moved:
        headline = f"{name} is starting at {company}"
    elif title and company:
        headline = f"{name} is now {title} at {company}"
    else:
        headline = f"{name} is now {title or company}"
    before = " at ".join(p for p in (before_title, before_company) if p)
    body = headline + (f" as {title}" if moved and title else "")
    body += (f" (before: {before})" if before else "") + "."
    return headline[:200], f"{body} A note of congratulations would be welcome."
