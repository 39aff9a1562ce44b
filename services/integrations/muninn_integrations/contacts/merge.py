"""How one contact is made from its sources and its owner's edits (pure functions, no I/O).

A contact's fields are its sources' fields, oldest source first, each later source filling
or replacing what it knows (text) and adding what it has (e-mails, phones, addresses, tags);
then every field the owner set by hand replaces what the sources say. Sources are matched to
an existing contact by e-mail address (case-insensitive) or phone number (its last nine
digits, so '+351 912 345 678' and '912345678' are the same phone).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from muninn_integrations.contacts.models import (
    MAX_ITEMS,
    Birthday,
    Contact,
    ContactFields,
    birthday_from_text,
    birthday_text,
)

Fields = dict[str, Any]

TEXT_FIELDS = (
    "display_name",
    "first_name",
    "last_name",
    "company",
    "title",
    "birthday",
    "notes",
    "photo_url",
)
LIST_FIELDS = ("emails", "phones", "addresses", "tags")
FIELDS = TEXT_FIELDS + LIST_FIELDS
PHONE_DIGITS = 9
MAX_NAME_KEYS = 60
MAX_DATA_ITEMS = 10


def fields_from_contact(contact: Contact) -> Fields:
    """A synced contact's fields as stored on its source (JSON-like, bounded by the parser)."""
    return {
        "display_name": contact.full_name,
        "first_name": contact.given_name,
        "last_name": contact.family_name,
        "emails": [e.model_dump(mode="json") for e in contact.emails],
        "phones": [p.model_dump(mode="json") for p in contact.phones],
        "company": contact.organization,
        "title": contact.title,
        "birthday": contact.birthday.model_dump(mode="json") if contact.birthday else None,
        "addresses": [a.model_dump(mode="json") for a in contact.addresses],
        "notes": contact.notes,
        "tags": list(contact.tags),
        "photo_url": contact.photo_url,
    }


def fields_from_request(body: ContactFields) -> Fields:
    """The fields a create or patch set (only those sent), in the stored shape."""
    sent = body.model_dump(mode="json", exclude_unset=True)
    birthday = sent.get("birthday")
    if birthday is not None:
        sent["birthday"] = birthday_from_text(birthday).model_dump(mode="json")
    return {key: value for key, value in sent.items() if key in FIELDS}


def _item_key(field: str, item: Any) -> str:
    if field == "emails":
        return "e:" + str(item.get("value", "")).strip().lower()
    if field == "phones":
        return phone_key(str(item.get("value", ""))) or "p:" + str(item.get("value"))
    if field == "tags":
        return str(item).strip().lower()
    return json.dumps(item, sort_keys=True)


def merge_fields(sources: Sequence[Mapping[str, Any]], hand: Mapping[str, Any]) -> Fields:
    merged: Fields = {name: None for name in TEXT_FIELDS}
    merged.update({name: [] for name in LIST_FIELDS})
    for source in sources:
        for name in TEXT_FIELDS:
            if source.get(name) not in (None, ""):
                merged[name] = source[name]
        for name in LIST_FIELDS:
            seen = {_item_key(name, item) for item in merged[name]}
            for item in source.get(name) or []:
                key = _item_key(name, item)
                if key not in seen and len(merged[name]) < MAX_ITEMS:
                    seen.add(key)
                    merged[name].append(item)
    for name, value in hand.items():
        if name in FIELDS:
            merged[name] = value if value is not None or name in TEXT_FIELDS else []
    return merged


def email_key(value: str) -> str | None:
    address = value.strip().lower()
    return "e:" + address if "@" in address else None


def email_addresses(fields: Mapping[str, Any]) -> set[str]:
    """The contact's e-mail addresses, lower-cased as mail and meetings are matched."""
    return {
        address
        for item in fields.get("emails") or []
        if isinstance(item, Mapping)
        and isinstance(item.get("value"), str)
        and "@" in (address := item["value"].strip().lower())
    }


def phone_key(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    return "p:" + digits[-PHONE_DIGITS:] if len(digits) >= 7 else None


def match_keys(fields: Mapping[str, Any]) -> list[str]:
    keys: list[str] = []
    for item in fields.get("emails") or []:
        key = email_key(str(item.get("value", "")))
        if key and key not in keys:
            keys.append(key)
    for item in fields.get("phones") or []:
        key = phone_key(str(item.get("value", "")))
        if key and key not in keys:
            keys.append(key)
    return keys


def fold(text: str) -> str:
    """Lower case without accents: 'Élodie' and 'elodie' are one name to a search."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_keys(fields: Mapping[str, Any]) -> list[str]:
    """What a prefix search matches: each word of the names, each address and its local part."""
    keys: list[str] = []

    def add(values: Iterable[str]) -> None:
        for value in values:
            if value and value not in keys and len(keys) < MAX_NAME_KEYS:
                keys.append(value[:100])

    for name in ("display_name", "first_name", "last_name"):
        text = fields.get(name)
        if text:
            folded = fold(str(text))
            add(re.findall(r"\w+", folded))
            add([folded.strip()])
    for item in fields.get("emails") or []:
        address = fold(str(item.get("value", ""))).strip()
        add([address, address.split("@", 1)[0]])
    return keys


def full_names(fields: Mapping[str, Any]) -> set[str]:
    """The folded full names a contact goes by: its display name, and first and last name."""
    joined = " ".join(str(fields[n]) for n in ("first_name", "last_name") if fields.get(n))
    return {
        " ".join(fold(str(name)).split())
        for name in (fields.get("display_name"), joined)
        if name and str(name).strip()
    }


def first_name_key(fields: Mapping[str, Any]) -> str | None:
    """The folded first name: the given name, else the display name's first word."""
    name = fields.get("first_name") or fields.get("display_name")
    words = fold(str(name)).split() if name else []
    return words[0] if words else None


def company_key(company: Any) -> str | None:
    """What the company filter compares: case and surrounding spaces ignored."""
    text = " ".join(str(company).split()).casefold() if company else ""
    return text[:255] or None


def list_keys(fields: Mapping[str, Any]) -> Fields:
    """The keys the contact list sorts by name and filters by company on."""
    name = display_name(fields)
    return {
        "sort_name": fold(name).strip()[:200] if name else None,
        "company_key": company_key(fields.get("company")),
    }


def search_condition(q: str) -> dict[str, Any]:
    """Every word of ``q`` must start one of a contact's name keys."""
    words = re.findall(r"[^\s]+", fold(q))[:5]
    conditions = [{"name_keys": {"$regex": "^" + re.escape(word)}} for word in words]
    if not conditions:
        return {}
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def digest(fields: Mapping[str, Any]) -> str:
    raw = json.dumps({k: fields.get(k) for k in FIELDS}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def display_name(fields: Mapping[str, Any]) -> str | None:
    if fields.get("display_name"):
        return str(fields["display_name"])
    joined = " ".join(str(fields[n]) for n in ("first_name", "last_name") if fields.get(n))
    if joined:
        return joined
    emails = fields.get("emails") or []
    return str(emails[0]["value"]) if emails else None


def event_data(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What ``integrations.record.synced`` carries for a contact (the scheduler's nudges)."""
    birthday = doc.get("birthday")
    return {
        "name": display_name(doc),
        "first_name": doc.get("first_name"),
        "last_name": doc.get("last_name"),
        "emails": [e["value"] for e in (doc.get("emails") or [])[:MAX_DATA_ITEMS]],
        "phones": [p["value"] for p in (doc.get("phones") or [])[:MAX_DATA_ITEMS]],
        "birthday": birthday_text(Birthday.model_validate(birthday)) if birthday else None,
        "is_archived": bool(doc.get("is_archived")),
        "company": doc.get("company"),
        **relationship_data(doc),
    }


def relationship_data(doc: Mapping[str, Any]) -> dict[str, Any]:
    last = doc.get("last_interaction_at")
    return {
        "relationship_strength": float(doc.get("relationship_strength") or 0.0),
        "interaction_frequency": doc.get("interaction_frequency"),
        "last_interaction_at": last.isoformat() if isinstance(last, datetime) else None,
        "going_cold": bool(doc.get("going_cold")),
    }
