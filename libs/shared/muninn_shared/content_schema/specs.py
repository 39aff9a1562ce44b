"""What a content collection is made of: its validator and indexes, as data.

The specs are compared field by field with what a server reports (``index_information`` and
``listCollections``), which is how provisioning stays idempotent and how a conflicting index
is told apart from one that is already right.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from muninn_shared.storage.indexes import index_name

VALIDATION_LEVEL = "moderate"
VALIDATION_ACTION = "error"

IndexDirection = int | str
TEXT = "text"


class ContentService(StrEnum):
    """The services whose users' data may live in a database the user owns."""

    CONVERSATION = "conversation"
    MEMORY = "memory"
    SCHEDULER = "scheduler"
    INTEGRATIONS = "integrations"


class CollectionRole(StrEnum):
    CONTENT = "content"
    """The user's data: what they wrote, synced, or what was derived from it."""
    INFRASTRUCTURE = "infrastructure"
    """Bookkeeping that commits in the same transaction as content, so it must live beside it."""


class Tenancy(StrEnum):
    """How a collection's documents name their user."""

    USER_ID_FIELD = "user_id_field"
    """Every document carries ``user_id``; queries lead with it, so an index does too."""
    USER_OR_SHARED = "user_or_shared"
    """Every document carries ``user_id``; ``null`` marks a row shared by every user (a
    built-in catalogue entry), which the service keeps on its main database."""
    KEYED_BY_USER = "keyed_by_user"
    """One document per user, whose ``_id`` is the user id (and ``user_id`` repeats it)."""
    NO_USER_DATA = "no_user_data"
    """Documents name no user (leases, applied-event markers)."""


@dataclass(frozen=True)
class IndexSpec:
    keys: tuple[tuple[str, IndexDirection], ...]
    name: str = ""
    unique: bool = False
    sparse: bool = False
    partial_filter: Mapping[str, Any] | None = None
    expire_after_seconds: int | None = None
    weights: Mapping[str, int] | None = None
    since: int = 1

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("an index needs at least one key")
        if not self.name:
            object.__setattr__(self, "name", index_name(list(self.keys)))

    @property
    def is_text(self) -> bool:
        return any(direction == TEXT for _, direction in self.keys)

    @property
    def leading_field(self) -> str:
        return self.keys[0][0]

    def create_options(self) -> dict[str, Any]:
        """The options of ``create_index`` besides the keys."""
        options: dict[str, Any] = {"name": self.name}
        if self.unique:
            options["unique"] = True
        if self.sparse:
            options["sparse"] = True
        if self.partial_filter is not None:
            options["partialFilterExpression"] = dict(self.partial_filter)
        if self.expire_after_seconds is not None:
            options["expireAfterSeconds"] = self.expire_after_seconds
        if self.weights is not None:
            options["weights"] = dict(self.weights)
        return options

    def expected_key(self) -> list[tuple[str, IndexDirection]]:
        """The key as ``index_information`` lists it (a text index stores ``_fts``/``_ftsx``)."""
        if not self.is_text:
            return list(self.keys)
        before = [(f, d) for f, d in self.keys if d != TEXT]
        return [*before, ("_fts", TEXT), ("_ftsx", 1)]

    def text_weights(self) -> dict[str, int]:
        declared = dict(self.weights or {})
        return {f: declared.get(f, 1) for f, d in self.keys if d == TEXT}

    def differences(self, existing: Mapping[str, Any]) -> list[str]:
        """How an existing index of this name (an ``index_information`` entry) differs.

        The TTL expiry is not compared: it is a tuning the owning service sets from its
        settings (``ensure_index`` retunes it), see :meth:`expiry_differs`.
        """
        found: list[str] = []
        key = [(str(f), _direction(d)) for f, d in existing.get("key", [])]
        if key != [(f, _direction(d)) for f, d in self.expected_key()]:
            found.append(f"keys {key} instead of {self.expected_key()}")
        for option, wanted in (
            ("unique", self.unique),
            ("sparse", self.sparse),
        ):
            if bool(existing.get(option, False)) != wanted:
                found.append(f"{option}={bool(existing.get(option, False))} instead of {wanted}")
        partial = existing.get("partialFilterExpression")
        wanted_partial = None if self.partial_filter is None else plain(self.partial_filter)
        if (None if partial is None else plain(partial)) != wanted_partial:
            found.append(f"partialFilterExpression {partial} instead of {wanted_partial}")
        if (self.expire_after_seconds is None) != (existing.get("expireAfterSeconds") is None):
            found.append(
                f"expireAfterSeconds {existing.get('expireAfterSeconds')} "
                f"instead of {self.expire_after_seconds}"
            )
        if self.is_text and plain(existing.get("weights") or {}) != self.text_weights():
            found.append(f"weights {existing.get('weights')} instead of {self.text_weights()}")
        return found

    def expiry_differs(self, existing: Mapping[str, Any]) -> bool:
        expiry = existing.get("expireAfterSeconds")
        return (
            self.expire_after_seconds is not None
            and expiry is not None
            and (int(expiry) != self.expire_after_seconds)
        )


def index(
    keys: Sequence[tuple[str, IndexDirection]] | str,
    *,
    name: str = "",
    unique: bool = False,
    sparse: bool = False,
    partial_filter: Mapping[str, Any] | None = None,
    expire_after_seconds: int | None = None,
    weights: Mapping[str, int] | None = None,
    since: int = 1,
) -> IndexSpec:
    """An :class:`IndexSpec` written the way the stores call ``ensure_index``."""
    pairs = ((keys, 1),) if isinstance(keys, str) else tuple(keys)
    return IndexSpec(
        keys=pairs,
        name=name,
        unique=unique,
        sparse=sparse,
        partial_filter=partial_filter,
        expire_after_seconds=expire_after_seconds,
        weights=weights,
        since=since,
    )


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    """The collection's name in its service's own database (on the main MongoDB)."""
    service: ContentService
    role: CollectionRole
    tenancy: Tenancy
    holds: str
    """What the documents are, in a sentence (the package's documentation of the collection)."""
    validator: Mapping[str, Any]
    indexes: tuple[IndexSpec, ...] = ()
    since: int = 1
    stored_as: str = ""
    """Its name in a user's database, which holds every service's collections: the same
    name, except where two services have a collection of that name (their delivery
    bookkeeping)."""

    def __post_init__(self) -> None:
        if not self.stored_as:
            object.__setattr__(self, "stored_as", self.name)

    def indexes_until(self, version: int) -> tuple[IndexSpec, ...]:
        return tuple(i for i in self.indexes if i.since <= version)

    def collection_options(self) -> dict[str, Any]:
        """What ``listCollections`` reports as the options of a provisioned collection."""
        return {
            "validator": plain(self.validator),
            "validationLevel": VALIDATION_LEVEL,
            "validationAction": VALIDATION_ACTION,
        }


@dataclass(frozen=True)
class MainOnlyCollection:
    """A collection a content service keeps on the main MongoDB even for a BYOD user."""

    name: str
    service: ContentService
    reason: str


@dataclass(frozen=True)
class ServiceSchema:
    service: ContentService
    collections: tuple[CollectionSpec, ...]
    main_only: tuple[MainOnlyCollection, ...] = ()

    def collection(self, name: str) -> CollectionSpec:
        for spec in self.collections:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.service} declares no collection {name!r}")

    def collections_until(self, version: int) -> tuple[CollectionSpec, ...]:
        return tuple(c for c in self.collections if c.since <= version)

    def as_on_main(self) -> ServiceSchema:
        """The same schema under the names the service's own database uses (on main)."""
        return replace(
            self, collections=tuple(replace(c, stored_as=c.name) for c in self.collections)
        )


def collection(
    service: ContentService,
    name: str,
    holds: str,
    *indexes: IndexSpec,
    role: CollectionRole = CollectionRole.CONTENT,
    tenancy: Tenancy = Tenancy.USER_ID_FIELD,
    required: Sequence[str] = (),
    since: int = 1,
) -> CollectionSpec:
    """A collection whose validator requires ``_id``, the user (per ``tenancy``) and ``required``."""
    return CollectionSpec(
        name=name,
        service=service,
        role=role,
        tenancy=tenancy,
        holds=holds,
        validator=documents(tenancy=tenancy, required=required),
        indexes=indexes,
        since=since,
    )


def documents(
    *,
    tenancy: Tenancy = Tenancy.USER_ID_FIELD,
    required: Sequence[str] = (),
    properties: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``$jsonSchema`` validator for documents that always hold ``required``.

    ``additionalProperties`` stays open: a service adding a field must never be refused by a
    user's database, and a field's absence is only an error when every write path sets it.
    """
    names = ["_id"]
    typed: dict[str, Any] = {}
    if tenancy is not Tenancy.NO_USER_DATA:
        names.append("user_id")
        shared = tenancy is Tenancy.USER_OR_SHARED
        typed["user_id"] = {"bsonType": ["string", "null"] if shared else "string"}
    if tenancy is Tenancy.KEYED_BY_USER:
        typed["_id"] = {"bsonType": "string"}
    names += [n for n in required if n not in names]
    typed.update({k: dict(v) for k, v in (properties or {}).items()})
    return {"$jsonSchema": {"bsonType": "object", "required": names, "properties": typed}}


def _direction(value: Any) -> IndexDirection:
    # Servers report directions as int, float or Int64; text as the string "text".
    return value if isinstance(value, str) else int(value)


def plain(value: Any) -> Any:
    """SON and nested mappings as plain dicts, so specs compare equal to what a server returns."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
