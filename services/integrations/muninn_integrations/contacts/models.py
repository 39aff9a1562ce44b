"""A contact normalized from a vCard 3 or 4 (seed 003: contacts).

Only a photo's URL is kept: inline photo data is dropped, as are properties the model does
not name. Every list and text is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import vobject
from muninn_shared.pagination import CursorPage
from muninn_shared.strict import Strict
from pydantic import BaseModel, Field, field_validator, model_validator

MAX_VCARD_CHARS = 512_000
MAX_TEXT = 1_000
MAX_NOTE = 20_000
MAX_ITEMS = 50

_FULL_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})")
_NO_YEAR = re.compile(r"^--(\d{2})-?(\d{2})")
_OMITTED_YEAR = 1604  # what Apple writes for a birthday without a year (X-APPLE-OMIT-YEAR)


class MalformedContactError(ValueError):
    """The text is not a vCard this module can read."""


class LabeledValue(BaseModel):
    """An e-mail address or phone number with its kinds (home, work, cell...)."""

    value: str
    kinds: list[str] = Field(default_factory=list)
    preferred: bool = False


class PostalAddress(BaseModel):
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    kinds: list[str] = Field(default_factory=list)


class Birthday(BaseModel):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    year: int | None = None


class Contact(BaseModel):
    uid: str
    full_name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    emails: list[LabeledValue] = Field(default_factory=list)
    phones: list[LabeledValue] = Field(default_factory=list)
    organization: str | None = None
    title: str | None = None
    birthday: Birthday | None = None
    addresses: list[PostalAddress] = Field(default_factory=list)
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    photo_url: str | None = None
    last_modified: datetime | None = None

    @property
    def primary_email(self) -> str | None:
        ranked = sorted(self.emails, key=lambda email: not email.preferred)
        return ranked[0].value if ranked else None


def clip(value: Any, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def contact_from_vcard(text: str) -> Contact:
    if len(text) > MAX_VCARD_CHARS:
        raise MalformedContactError("vCard too large")
    try:
        card = vobject.readOne(text)
    except Exception as exc:  # vobject raises ParseError, ValueError, UnicodeError...
        raise MalformedContactError(f"not a vCard ({type(exc).__name__})") from None
    if getattr(card, "name", "").upper() != "VCARD":
        raise MalformedContactError("not a VCARD")
    lines = card.contents
    uid = clip(_first(lines, "uid"))
    if uid is None:
        raise MalformedContactError("vCard without UID")
    given, family = _names(_first(lines, "n"))
    full_name = clip(_first(lines, "fn")) or " ".join(p for p in (given, family) if p) or None
    return Contact(
        uid=uid,
        full_name=full_name,
        given_name=given,
        family_name=family,
        emails=_labeled(lines.get("email", []), strip_prefix="mailto:"),
        phones=_labeled(lines.get("tel", []), strip_prefix="tel:"),
        organization=_organization(_first(lines, "org")),
        title=clip(_first(lines, "title")),
        birthday=_birthday(lines.get("bday", [])),
        addresses=_addresses(lines.get("adr", [])),
        notes=clip(_first(lines, "note"), MAX_NOTE),
        tags=_tags(lines.get("categories", [])),
        photo_url=_photo_url(lines.get("photo", [])),
        last_modified=_revision(_first(lines, "rev")),
    )


def _first(lines: dict[str, list[Any]], name: str) -> Any:
    found = lines.get(name)
    return found[0].value if found else None


def _names(name: Any) -> tuple[str | None, str | None]:
    if name is None:
        return None, None
    if isinstance(name, str):
        parts = name.split(";")
        family, given = ([*parts, "", ""])[:2]
        return clip(given), clip(family)
    return clip(_joined(getattr(name, "given", None))), clip(_joined(getattr(name, "family", None)))


def _joined(value: Any) -> str | None:
    if isinstance(value, list):
        return " ".join(str(part) for part in value if part)
    return None if value is None else str(value)


def _kinds(line: Any) -> list[str]:
    kinds: list[str] = []
    for raw in line.params.get("TYPE", []):
        for kind in str(raw).split(","):
            kind = kind.strip().lower()
            if kind and kind not in ("pref", "internet", "voice") and kind not in kinds:
                kinds.append(kind[:30])
    return kinds[:10]


def _preferred(line: Any) -> bool:
    types = ",".join(str(kind) for kind in line.params.get("TYPE", [])).lower()
    return "pref" in types.split(",") or bool(line.params.get("PREF"))


def _labeled(lines: list[Any], *, strip_prefix: str) -> list[LabeledValue]:
    found: list[LabeledValue] = []
    for line in lines[:MAX_ITEMS]:
        value = clip(line.value, 320)
        if value is None:
            continue
        if value.lower().startswith(strip_prefix):
            value = value[len(strip_prefix) :]
        found.append(LabeledValue(value=value, kinds=_kinds(line), preferred=_preferred(line)))
    return found


def _organization(value: Any) -> str | None:
    if isinstance(value, list):
        return clip(" / ".join(str(part) for part in value if part))
    return clip(value)


def _birthday(lines: list[Any]) -> Birthday | None:
    if not lines:
        return None
    text = str(lines[0].value).strip()
    omit_year = bool(lines[0].params.get("X-APPLE-OMIT-YEAR"))
    try:
        if match := _NO_YEAR.match(text):
            return Birthday(month=int(match[1]), day=int(match[2]))
        if match := _FULL_DATE.match(text):
            year = int(match[1])
            known = None if omit_year or year == _OMITTED_YEAR else year
            return Birthday(month=int(match[2]), day=int(match[3]), year=known)
    except ValueError:
        return None
    return None


def _addresses(lines: list[Any]) -> list[PostalAddress]:
    found: list[PostalAddress] = []
    for line in lines[:MAX_ITEMS]:
        value = line.value
        street: str | None
        locality: str | None
        region: str | None
        code: str | None
        country: str | None
        if isinstance(value, str):
            parts = (value.split(";") + [""] * 7)[:7]
            street, locality, region, code, country = parts[2], *parts[3:7]
        else:
            street = _joined(getattr(value, "street", None))
            locality = _joined(getattr(value, "city", None))
            region = _joined(getattr(value, "region", None))
            code = _joined(getattr(value, "code", None))
            country = _joined(getattr(value, "country", None))
        address = PostalAddress(
            street=clip(street),
            locality=clip(locality),
            region=clip(region),
            postal_code=clip(code, 40),
            country=clip(country),
            kinds=_kinds(line),
        )
        if any((address.street, address.locality, address.region, address.country)):
            found.append(address)
    return found


def _tags(lines: list[Any]) -> list[str]:
    tags: list[str] = []
    for line in lines:
        values = line.value if isinstance(line.value, list) else str(line.value).split(",")
        for value in values:
            tag = clip(value, 100)
            if tag and tag not in tags:
                tags.append(tag)
    return tags[:MAX_ITEMS]


def _photo_url(lines: list[Any]) -> str | None:
    for line in lines:
        value = str(line.value).strip() if isinstance(line.value, str) else ""
        if value.lower().startswith(("https://", "http://")):
            return clip(value, 2_000)
    return None


def _revision(value: Any) -> datetime | None:
    if value is None:
        return None
    text = str(value).strip()
    for pattern in ("%Y%m%dT%H%M%SZ", "%Y-%m-%dT%H:%M:%SZ", "%Y%m%dT%H%M%S%z"):
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


# --- The contacts Muninn keeps (synced, merged across sources, or made by hand) -------------

BIRTHDAY_PATTERN = r"^(\d{4}-\d{2}-\d{2}|--\d{2}-\d{2})$"
_EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,255}$"


def birthday_text(birthday: Birthday | None) -> str | None:
    """'YYYY-MM-DD', or '--MM-DD' when the year is not known (what the scheduler reads)."""
    if birthday is None:
        return None
    if birthday.year is None:
        return f"--{birthday.month:02d}-{birthday.day:02d}"
    return f"{birthday.year:04d}-{birthday.month:02d}-{birthday.day:02d}"


def birthday_from_text(text: str) -> Birthday:
    """Parse what ``BIRTHDAY_PATTERN`` accepted; a date that does not exist is a ValueError."""
    if text.startswith("--"):
        month, day = int(text[2:4]), int(text[5:7])
        datetime(2000, month, day)  # a leap year: --02-29 exists
        return Birthday(month=month, day=day)
    moment = datetime.strptime(text, "%Y-%m-%d")
    return Birthday(year=moment.year, month=moment.month, day=moment.day)


class ContactSource(BaseModel):
    """One account a contact is synced from (a contact merged from two sources has two)."""

    connection_id: str
    external_id: str
    etag: str | None = None
    provider: str | None = None


class JobChange(BaseModel):
    """A change of a contact's company or title, at the source or said in conversation."""

    previous_company: str | None = None
    previous_title: str | None = None
    company: str | None = None
    title: str | None = None
    effective_on: str = Field(description="'YYYY-MM-DD'")
    source: Literal["sync", "conversation"]
    detected_at: datetime


class ContactRecord(BaseModel):
    id: str
    connection_id: str | None = Field(
        default=None, description="The account it was first synced from; null when made by hand."
    )
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    emails: list[LabeledValue] = Field(default_factory=list)
    phones: list[LabeledValue] = Field(default_factory=list)
    company: str | None = None
    title: str | None = None
    birthday: str | None = Field(default=None, description="'YYYY-MM-DD' or '--MM-DD'")
    addresses: list[PostalAddress] = Field(default_factory=list)
    notes: str | None = None
    tags: list[str] = Field(default_factory=list)
    photo_url: str | None = None
    is_archived: bool = False
    source_provider: str = Field(description="'manual' or the provider it was first synced from")
    sources: list[ContactSource] = Field(default_factory=list)
    edited_by_hand: bool = False
    job_history: list[JobChange] = Field(
        default_factory=list, description="Its latest job changes, oldest first."
    )
    relationship_strength: float = Field(default=0.0, ge=0.0, le=1.0)
    interaction_frequency: str | None = Field(
        default=None, description="daily, weekly, biweekly, monthly, quarterly or rarely"
    )
    last_interaction_at: datetime | None = None
    going_cold: bool = Field(
        default=False, description="Silent for longer than this contact's own rhythm allows."
    )
    usual_gap_days: float | None = Field(
        default=None, description="Median days between interactions."
    )
    cold_after_days: float | None = Field(
        default=None, description="Silence after which the contact is going cold."
    )
    strength_updated_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


RELATIONSHIP_DEFAULTS: dict[str, Any] = {
    "relationship_strength": 0.0,
    "interaction_frequency": None,
    "last_interaction_at": None,
    "going_cold": False,
    "usual_gap_days": None,
    "cold_after_days": None,
    "strength_updated_at": None,
}

ContactSort = Literal["recent", "name", "strength", "last_interaction"]
CONTACT_ID_PATTERN = r"^[A-Za-z0-9_-]+$"
ContactIdText = Annotated[str, Field(min_length=1, max_length=64, pattern=CONTACT_ID_PATTERN)]
MAX_MERGE = 20


class ContactMerge(Strict):
    """Merge ``merge`` into ``into``: one person kept, the others' history moved to it."""

    into: ContactIdText
    merge: Annotated[list[ContactIdText], Field(min_length=1, max_length=MAX_MERGE)]

    @model_validator(mode="after")
    def _distinct(self) -> ContactMerge:
        if self.into in self.merge:
            raise ValueError("a contact cannot be merged into itself")
        if len(set(self.merge)) != len(self.merge):
            raise ValueError("each contact to merge may be named once")
        return self


class ContactPage(CursorPage[ContactRecord]):
    pass


class EmailIn(Strict):
    value: Annotated[str, Field(max_length=320, pattern=_EMAIL_PATTERN)]
    kinds: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=30)]], Field(max_length=10)
    ] = Field(default_factory=list)
    preferred: bool = False


class PhoneIn(Strict):
    value: Annotated[str, Field(min_length=3, max_length=50, pattern=r"^[0-9+()./ \-x#*]+$")]
    kinds: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=30)]], Field(max_length=10)
    ] = Field(default_factory=list)
    preferred: bool = False


Name = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Tag = Annotated[str, Field(min_length=1, max_length=100)]


class ContactFields(Strict):
    """What a person can write on a contact (create, or patch where each given field replaces)."""

    display_name: Name | None = None
    first_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    last_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    emails: Annotated[list[EmailIn], Field(max_length=MAX_ITEMS)] | None = None
    phones: Annotated[list[PhoneIn], Field(max_length=MAX_ITEMS)] | None = None
    company: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    birthday: Annotated[str, Field(pattern=BIRTHDAY_PATTERN)] | None = Field(
        default=None, description="'YYYY-MM-DD', or '--MM-DD' without a year"
    )
    notes: Annotated[str, Field(max_length=MAX_NOTE)] | None = None
    tags: Annotated[list[Tag], Field(max_length=MAX_ITEMS)] | None = None

    @field_validator("birthday")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                birthday_from_text(value)
            except ValueError:
                raise ValueError("not a date that exists") from None
        return value


class ContactCreate(ContactFields):
    @model_validator(mode="after")
    def _named(self) -> ContactCreate:
        if not (self.display_name or self.first_name or self.last_name or self.emails):
            raise ValueError("a contact needs a name or an e-mail address")
        return self


class ContactPatch(ContactFields):
    """Fields not sent are left as they are; a field sent as null is cleared."""


@dataclass(frozen=True)
class ContactPerson:
    """What other features (the contact graph) read of a contact: who, where, how close."""

    id: str
    display_name: str | None
    company: str | None
    email_domains: tuple[str, ...]
    relationship_strength: float
    is_archived: bool
