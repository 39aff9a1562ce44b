"""Provision a user's database with the content schema, idempotently.

``deploy`` compares what the database holds with the package before it changes anything:
collections missing are created with their validator, validators that differ are set with
``collMod``, indexes missing are created, and a database already right is left untouched (no
DDL, no new history entry). An index of a declared name whose keys or options differ is a
conflict it reports by name and refuses to resolve: dropping a user's index is a migration's
decision, not provisioning's. What the server refuses as unsupported (a MongoDB-protocol
server without text indexes, say) is carried on in the report's ``degraded`` list, never
skipped silently.

The database records what it was provisioned to in ``_muninn_schema``: the version and a
history entry ``{version, applied_at, changes, degraded}`` per run that changed something.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import CollectionInvalid, OperationFailure

from muninn_shared.content_schema.catalogue import SCHEMAS
from muninn_shared.content_schema.specs import (
    CollectionSpec,
    IndexSpec,
    ServiceSchema,
    plain,
)
from muninn_shared.content_schema.version import SCHEMA_VERSION

SCHEMA_COLLECTION = "_muninn_schema"
STATE_ID = "schema"

# Server answers meaning "this server cannot do that" (the package's own validators and
# indexes are valid MongoDB): BadValue, FailedToParse, CommandNotFound, CannotCreateIndex,
# InvalidOptions, CommandNotSupported, NotImplemented. Anything else (unauthorized, network)
# is raised.
UNSUPPORTED_CODES = frozenset({2, 9, 59, 67, 72, 115, 238})

Doc = dict[str, Any]


class SchemaTooNewError(RuntimeError):
    """The database was provisioned to a version newer than this code may leave it at."""

    def __init__(self, database: str, recorded: int, allowed: int) -> None:
        super().__init__(
            f"database {database!r} is at content schema version {recorded}, above the "
            f"{allowed} asked for; provisioning never takes a database back"
        )
        self.database = database
        self.recorded = recorded
        self.allowed = allowed


@dataclass(frozen=True)
class IndexConflict:
    collection: str
    index: str
    differences: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.collection}.{self.index}: {'; '.join(self.differences)}"


class IndexConflictError(RuntimeError):
    """Existing indexes contradict the package; nothing was changed."""

    def __init__(self, database: str, conflicts: Sequence[IndexConflict]) -> None:
        listed = "\n".join(f"  {c}" for c in conflicts)
        super().__init__(f"indexes of database {database!r} conflict with the package:\n{listed}")
        self.database = database
        self.conflicts = tuple(conflicts)


@dataclass
class DeployReport:
    database: str
    recorded_version: int | None
    version: int
    created_collections: list[str] = field(default_factory=list)
    validators_applied: list[str] = field(default_factory=list)
    created_indexes: list[str] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)
    """What the server refused as unsupported, with its reason: the database works without."""
    undeclared_indexes: list[str] = field(default_factory=list)
    """Indexes the package does not declare: left in place."""
    tuned_expiries: list[str] = field(default_factory=list)
    """TTL indexes whose expiry the owning service retuned from its settings: left as tuned."""

    @property
    def changes(self) -> list[str]:
        return [
            *(f"created collection {name}" for name in self.created_collections),
            *(f"set validator of {name}" for name in self.validators_applied),
            *(f"created index {name}" for name in self.created_indexes),
        ]

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.recorded_version != self.version


async def deploy(
    database: AsyncDatabase[Doc],
    *,
    target: int = SCHEMA_VERSION,
    schemas: Iterable[ServiceSchema] = SCHEMAS.values(),
    latest: int = SCHEMA_VERSION,
    migration: Mapping[str, Any] | None = None,
) -> DeployReport:
    """Bring ``database`` (a user's) to content schema ``target``: every service's collections.

    ``schemas`` narrows or renames what is provisioned (a service's own database on main
    holds only its part, under its main names: ``SCHEMAS[service].as_on_main()``).
    ``latest`` is the newest version the caller knows (the package's ``SCHEMA_VERSION``; a
    test declaring its own next version in ``schemas`` passes that). ``migration``, given by
    the migrations runner once a version's steps finished, is kept in the history entry.

    Raises :class:`SchemaTooNewError` if the database records a version above ``target``,
    :class:`IndexConflictError` (before changing anything) if an index contradicts the
    package.
    """
    if not 1 <= target <= latest:
        raise ValueError(f"content schema version {target} is not between 1 and {latest}")
    state = await database[SCHEMA_COLLECTION].find_one({"_id": STATE_ID})
    recorded: int | None = None if state is None else int(state["version"])
    if recorded is not None and recorded > target:
        raise SchemaTooNewError(database.name, recorded, target)

    report = DeployReport(database.name, recorded, target)
    specs = [spec for schema in schemas for spec in schema.collections_until(target)]
    existing = {info["name"]: info for info in await (await database.list_collections()).to_list()}
    indexes: dict[str, Mapping[str, Any]] = {}
    for spec in specs:
        if spec.stored_as in existing:
            indexes[spec.stored_as] = await database[spec.stored_as].index_information()
    conflicts = [
        conflict
        for spec in specs
        for conflict in _conflicts(spec, target, indexes.get(spec.stored_as, {}))
    ]
    if conflicts:
        raise IndexConflictError(database.name, conflicts)

    for spec in specs:
        await _ensure_collection(database, spec, existing.get(spec.stored_as), report)
        await _ensure_indexes(database, spec, target, indexes.get(spec.stored_as, {}), report)

    if report.changed:
        now = datetime.now(UTC)
        entry = {
            "version": target,
            "applied_at": now,
            "changes": report.changes,
            "degraded": report.degraded,
        }
        if migration is not None:
            entry["migration"] = dict(migration)
        await database[SCHEMA_COLLECTION].update_one(
            {"_id": STATE_ID},
            {"$set": {"version": target, "updated_at": now}, "$push": {"history": entry}},
            upsert=True,
        )
    return report


async def recorded_version(database: AsyncDatabase[Doc]) -> int | None:
    """The content schema version ``database`` was provisioned to, if any."""
    state = await database[SCHEMA_COLLECTION].find_one({"_id": STATE_ID})
    return None if state is None else int(state["version"])


def _conflicts(
    spec: CollectionSpec, target: int, existing: Mapping[str, Any]
) -> list[IndexConflict]:
    found: list[IndexConflict] = []
    for wanted in spec.indexes_until(target):
        have = existing.get(wanted.name)
        if have is not None:
            differences = wanted.differences(have)
            if differences:
                found.append(IndexConflict(spec.stored_as, wanted.name, tuple(differences)))
            continue
        # The same keys under another name: the server would refuse ours (or, with other
        # options, keep two indexes where the package means one). Renaming is the owner's call.
        keys = _key(wanted.expected_key())
        for name, info in existing.items():
            if _key(info.get("key", [])) == keys:
                found.append(
                    IndexConflict(
                        spec.stored_as, wanted.name, (f"its keys are indexed as {name!r}",)
                    )
                )
    return found


async def _ensure_collection(
    database: AsyncDatabase[Doc],
    spec: CollectionSpec,
    existing: Mapping[str, Any] | None,
    report: DeployReport,
) -> None:
    wanted = spec.collection_options()
    if existing is None:
        try:
            await database.create_collection(spec.stored_as, **wanted)
            report.created_collections.append(spec.stored_as)
            return
        except CollectionInvalid:
            # Created by someone else since we listed: compare with it below.
            existing = (
                await (await database.list_collections(filter={"name": spec.stored_as})).to_list()
            )[0]
        except OperationFailure as refused:
            if refused.code not in UNSUPPORTED_CODES:
                raise
            await database.create_collection(spec.stored_as)
            report.created_collections.append(spec.stored_as)
            report.degraded.append(
                f"{spec.stored_as}: validator refused by the server ({_reason(refused)})"
            )
            return
    options = plain(existing.get("options") or {})
    if all(options.get(name) == value for name, value in wanted.items()):
        return
    try:
        await database.command("collMod", spec.stored_as, **wanted)
        report.validators_applied.append(spec.stored_as)
    except OperationFailure as refused:
        if refused.code not in UNSUPPORTED_CODES:
            raise
        report.degraded.append(
            f"{spec.stored_as}: validator refused by the server ({_reason(refused)})"
        )


async def _ensure_indexes(
    database: AsyncDatabase[Doc],
    spec: CollectionSpec,
    target: int,
    existing: Mapping[str, Any],
    report: DeployReport,
) -> None:
    collection = database[spec.stored_as]
    declared = spec.indexes_until(target)
    for wanted in declared:
        have = existing.get(wanted.name)
        if have is not None:
            if wanted.expiry_differs(have):
                report.tuned_expiries.append(f"{spec.stored_as}.{wanted.name}")
            continue
        try:
            await collection.create_index(list(wanted.keys), **wanted.create_options())
            report.created_indexes.append(f"{spec.stored_as}.{wanted.name}")
        except OperationFailure as refused:
            if refused.code not in UNSUPPORTED_CODES:
                raise
            report.degraded.append(
                f"{spec.stored_as}.{wanted.name}: {_kind(wanted)} refused by the server "
                f"({_reason(refused)})"
            )
    names = {i.name for i in declared}
    report.undeclared_indexes += [
        f"{spec.stored_as}.{name}" for name in existing if name != "_id_" and name not in names
    ]


def _key(pairs: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [(str(f), d if isinstance(d, str) else int(d)) for f, d in pairs]


def _kind(wanted: IndexSpec) -> str:
    return "text index" if wanted.is_text else "index"


def _reason(refused: OperationFailure) -> str:
    details = refused.details or {}
    return str(details.get("errmsg") or refused)
