"""Content-schema migrations: take a user's database from the version it records to a newer one.

:func:`deploy` only adds (collections, validators, indexes). What changes documents — a
renamed field, a backfill — is a :class:`Migration`: the ordered steps of one version.
:func:`migrate` composes the two, for each version above the recorded one, in order:

1. the version's steps, each rewriting the documents it still has to change in ``_id``
   order, in batches; after every batch the cursor (the last ``_id``, the step, the counts)
   is saved in ``_muninn_schema`` (``{_id: "migration"}``), so a run that stops anywhere is
   resumed there by the next one;
2. :func:`deploy` with ``target`` that version: the collections, validators and indexes of
   specs whose ``since`` is that version; it records the version, with a history entry that
   also lists the steps (``migration``).

The recorded version only moves once every step of that version finished and its indexes
exist: a failure leaves the database at its previous version. Steps are idempotent (each
touches only documents still in the old shape), so running one again changes nothing twice.
While a version rolls out the services must read both shapes (a renamed field under either
name) and write the new one; the code declaring the new version ships that way first.

One runner at a time per database: a lease document (``{_id: "migration_lease", owner,
expires_at}``) is taken before anything is written and renewed after every batch; a second
runner gets a ``busy`` report. ``dry_run`` takes no lease and writes nothing: it counts
what each step would change and lists the collections and indexes deploy would create.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from muninn_shared.content_schema.catalogue import SCHEMAS
from muninn_shared.content_schema.deploy import (
    SCHEMA_COLLECTION,
    STATE_ID,
    SchemaTooNewError,
    deploy,
)
from muninn_shared.content_schema.specs import ServiceSchema
from muninn_shared.content_schema.version import SCHEMA_VERSION

LEASE_ID = "migration_lease"
CURSOR_ID = "migration"

Doc = dict[str, Any]


class Step(ABC):
    """One change to the documents of one collection, applied batch by batch.

    ``selector`` finds the documents the step still has to change; ``apply`` changes those
    of a batch (given by ``_id``) and must leave them outside ``selector``: that is what
    makes the step idempotent and resumable.
    """

    collection: str

    @property
    @abstractmethod
    def description(self) -> str: ...

    @abstractmethod
    def selector(self) -> Doc:
        """The filter of the documents still to change."""

    @abstractmethod
    async def apply(self, collection: AsyncCollection[Doc], ids: Sequence[Any]) -> int:
        """Change the batch's documents (those of ``ids`` still matching); how many changed."""


@dataclass(frozen=True)
class RenameField(Step):
    """``old`` becomes ``new``. A document that already has ``new`` (written the new way
    while the migration ran) keeps its ``new``; its ``old`` is dropped."""

    collection: str
    old: str
    new: str

    def __post_init__(self) -> None:
        for name in (self.old, self.new):
            if not name or name == "_id" or name.startswith("$") or name.startswith("_id."):
                raise ValueError(f"cannot rename field {name!r}")
        if self.old == self.new or (
            self.new.startswith(self.old + ".") or self.old.startswith(self.new + ".")
        ):
            raise ValueError(f"cannot rename {self.old!r} to {self.new!r}")

    @property
    def description(self) -> str:
        return f"rename {self.collection}.{self.old} to {self.new}"

    def selector(self) -> Doc:
        return {self.old: {"$exists": True}}

    async def apply(self, collection: AsyncCollection[Doc], ids: Sequence[Any]) -> int:
        batch = {"_id": {"$in": list(ids)}, self.old: {"$exists": True}}
        moved = await collection.update_many(
            {**batch, self.new: {"$exists": False}}, {"$rename": {self.old: self.new}}
        )
        dropped = await collection.update_many(batch, {"$unset": {self.old: ""}})
        return moved.modified_count + dropped.modified_count


@dataclass(frozen=True)
class RewriteDocuments(Step):
    """``update`` on every document matching ``filter``; the update must take a document out
    of ``filter`` (a backfill: ``{field: {$exists: false}}`` → ``{$set: {field: …}}``)."""

    collection: str
    filter: Mapping[str, Any]
    update: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    what: str = ""

    def __post_init__(self) -> None:
        if not self.filter:
            raise ValueError("a rewrite needs a filter its update takes documents out of")

    @property
    def description(self) -> str:
        return self.what or f"rewrite {self.collection} where {dict(self.filter)}"

    def selector(self) -> Doc:
        return dict(self.filter)

    async def apply(self, collection: AsyncCollection[Doc], ids: Sequence[Any]) -> int:
        update: Any = (
            dict(self.update)
            if isinstance(self.update, Mapping)
            else [dict(stage) for stage in self.update]
        )
        result = await collection.update_many({"_id": {"$in": list(ids)}, **self.filter}, update)
        return result.modified_count


@dataclass(frozen=True)
class Migration:
    """What version ``to_version`` changes in documents, step by step, in order. Its new
    collections and indexes are the specs' with ``since=to_version``: not steps."""

    to_version: int
    description: str
    steps: tuple[Step, ...] = ()


MIGRATIONS: tuple[Migration, ...] = ()
"""The package's migrations, by version (see ``version.py`` for adding one). A version
without one only adds collections or indexes: deploy does it all."""


class Outcome(StrEnum):
    MIGRATED = "migrated"
    UP_TO_DATE = "up_to_date"
    BUSY = "busy"
    """Another runner holds the database's lease; nothing was done."""
    DRY_RUN = "dry_run"


@dataclass(frozen=True)
class Progress:
    """Where a run is: reported after each batch."""

    version: int
    step: int
    """The step's position in its migration (0-based)."""
    steps: int
    description: str
    documents: int
    """Documents the step changed so far (runs before a resume included)."""
    batches: int
    """Batches of the step so far (runs before a resume included)."""


@dataclass
class StepReport:
    version: int
    description: str
    collection: str
    documents: int = 0
    """Changed (this run and those it resumed), or, in a dry run, that would change."""
    batches: int = 0
    """Batches this run did."""
    resumed_after_batches: int | None = None
    """Batches an earlier run had done when this one resumed the step; None if not resumed."""


@dataclass
class VersionReport:
    version: int
    description: str
    steps: list[StepReport] = field(default_factory=list)
    schema_changes: list[str] = field(default_factory=list)
    """What deploy created for this version (or, in a dry run, would create)."""
    degraded: list[str] = field(default_factory=list)


@dataclass
class MigrationReport:
    database: str
    outcome: Outcome
    from_version: int | None
    """The version recorded when the run began."""
    version: int | None
    """The version recorded when it ended (in a dry run, unchanged)."""
    target: int
    versions: list[VersionReport] = field(default_factory=list)
    lease_owner: str | None = None
    """Who holds the lease, when ``busy``."""


class MigrationLeaseLostError(RuntimeError):
    """The lease ran out and another runner took it: this one stopped after its last batch."""


ProgressCallback = Callable[[Progress], Awaitable[None] | None]


def check_migrations(migrations: Iterable[Migration]) -> dict[int, Migration]:
    """The migrations by version; refused if two share one or one is below version 2."""
    found: dict[int, Migration] = {}
    for migration in migrations:
        if migration.to_version < 2:
            raise ValueError(f"a migration goes to version 2 or later, not {migration.to_version}")
        if migration.to_version in found:
            raise ValueError(f"two migrations to version {migration.to_version}")
        found[migration.to_version] = migration
    return found


def newest_version(migrations: Iterable[Migration], schemas: Iterable[ServiceSchema]) -> int:
    """The newest version the code knows: the package's, or above it a migration's or a spec's
    ``since`` (a test declaring its own next version)."""
    versions = [SCHEMA_VERSION, *(m.to_version for m in migrations)]
    for schema in schemas:
        for spec in schema.collections:
            versions.append(spec.since)
            versions += [i.since for i in spec.indexes]
    return max(versions)


def pending_versions(recorded: int | None, target: int) -> list[int]:
    """The versions a run goes through, in order; none for a database never provisioned
    (deploy provisions it at ``target`` at once: it has no documents to change)."""
    if recorded is None:
        return []
    return list(range(recorded + 1, target + 1))


def introduced(schemas: Iterable[ServiceSchema], version: int) -> list[tuple[str, str | None]]:
    """The collections (``(name, None)``) and indexes (``(collection, index)``) version
    ``version`` introduces, in the order deploy creates them."""
    found: list[tuple[str, str | None]] = []
    for schema in schemas:
        for spec in schema.collections_until(version):
            if spec.since == version:
                found.append((spec.stored_as, None))
            found += [(spec.stored_as, i.name) for i in spec.indexes if i.since == version]
    return found


async def migrate(
    database: AsyncDatabase[Doc],
    *,
    owner: str,
    target: int = SCHEMA_VERSION,
    migrations: Iterable[Migration] = MIGRATIONS,
    schemas: Iterable[ServiceSchema] | None = None,
    lease_seconds: float = 120.0,
    dry_run: bool = False,
    batch_size: int = 500,
    on_progress: ProgressCallback | None = None,
) -> MigrationReport:
    """Bring ``database`` (a user's) from its recorded content schema version to ``target``.

    ``owner`` names this runner in the lease (a runner that died holding it is succeeded
    at once by one of the same owner, by anyone once ``lease_seconds`` passed). ``schemas``
    (default: the package's) and ``migrations`` must describe the same versions.

    Returns a report whose outcome is ``busy`` when another runner holds the lease. Raises
    :class:`SchemaTooNewError` if the database records a version above ``target``, and
    what a step or deploy raises (the database then stays at the last version completed;
    the next run resumes where this one stopped).
    """
    if batch_size < 1:
        raise ValueError("a batch holds at least one document")
    chosen = tuple(SCHEMAS.values()) if schemas is None else tuple(schemas)
    by_version = check_migrations(migrations)
    latest = newest_version(by_version.values(), chosen)
    if not 1 <= target <= latest:
        raise ValueError(f"content schema version {target} is not between 1 and {latest}")
    runner = _Runner(database, chosen, by_version, latest, target, batch_size, on_progress)
    recorded = await runner.recorded()
    if recorded == target:
        return runner.report(Outcome.UP_TO_DATE, recorded)
    if dry_run:
        return await runner.dry_run(recorded)

    lease = _Lease(database[SCHEMA_COLLECTION], owner, timedelta(seconds=lease_seconds))
    holder = await lease.take()
    if holder is not None:
        return runner.report(Outcome.BUSY, recorded, lease_owner=holder)
    try:
        runner.lease = lease
        # Read again under the lease: another runner may have finished meanwhile.
        recorded = await runner.recorded()
        if recorded == target:
            return runner.report(Outcome.UP_TO_DATE, recorded)
        return await runner.run(recorded)
    finally:
        await lease.release()


class _Lease:
    def __init__(self, schema: AsyncCollection[Doc], owner: str, duration: timedelta) -> None:
        self._schema = schema
        self.owner = owner
        self._duration = duration

    async def take(self) -> str | None:
        """None once taken; otherwise who holds it."""
        now = datetime.now(UTC)
        try:
            await self._schema.update_one(
                {"_id": LEASE_ID, "$or": [{"owner": self.owner}, {"expires_at": {"$lte": now}}]},
                {"$set": {"owner": self.owner, "expires_at": now + self._duration}},
                upsert=True,
            )
        except DuplicateKeyError:
            held = await self._schema.find_one({"_id": LEASE_ID})
            return str(held.get("owner")) if held is not None else "another runner"
        return None

    async def renew(self) -> None:
        now = datetime.now(UTC)
        kept = await self._schema.update_one(
            {"_id": LEASE_ID, "owner": self.owner},
            {"$set": {"expires_at": now + self._duration}},
        )
        if kept.matched_count != 1:
            raise MigrationLeaseLostError(
                f"the migration lease of {self._schema.database.name!r} was taken over"
            )

    async def release(self) -> None:
        await self._schema.delete_one({"_id": LEASE_ID, "owner": self.owner})


@dataclass
class _Cursor:
    version: int
    step: int = 0
    after: Any = None
    """The last ``_id`` of the step done; None before its first batch."""
    sweep: bool = False
    """The step's second pass from the start (documents written the old way behind it)."""
    documents: int = 0
    batches: int = 0

    def as_doc(self) -> Doc:
        return {
            "version": self.version,
            "step": self.step,
            "after": self.after,
            "sweep": self.sweep,
            "documents": self.documents,
            "batches": self.batches,
        }


class _Runner:
    def __init__(
        self,
        database: AsyncDatabase[Doc],
        schemas: tuple[ServiceSchema, ...],
        migrations: Mapping[int, Migration],
        latest: int,
        target: int,
        batch_size: int,
        on_progress: ProgressCallback | None,
    ) -> None:
        self._db = database
        self._schema = database[SCHEMA_COLLECTION]
        self._schemas = schemas
        self._migrations = migrations
        self._latest = latest
        self._target = target
        self._batch = batch_size
        self._on_progress = on_progress
        self.lease: _Lease | None = None
        self._from: int | None = None
        self._versions: list[VersionReport] = []

    async def recorded(self) -> int | None:
        state = await self._schema.find_one({"_id": STATE_ID})
        recorded = None if state is None else int(state["version"])
        if recorded is not None and recorded > self._target:
            raise SchemaTooNewError(self._db.name, recorded, self._target)
        if self._from is None:
            self._from = recorded
        return recorded

    def report(
        self, outcome: Outcome, version: int | None, *, lease_owner: str | None = None
    ) -> MigrationReport:
        return MigrationReport(
            database=self._db.name,
            outcome=outcome,
            from_version=self._from,
            version=version,
            target=self._target,
            versions=self._versions,
            lease_owner=lease_owner,
        )

    def _migration(self, version: int) -> Migration:
        return self._migrations.get(version) or Migration(version, "new collections or indexes")

    async def dry_run(self, recorded: int | None) -> MigrationReport:
        existing = set(await self._db.list_collection_names())
        if recorded is None:
            # Never provisioned: deploy would create every collection up to the target.
            entry = VersionReport(self._target, "provisioning")
            for schema in self._schemas:
                for spec in schema.collections_until(self._target):
                    if spec.stored_as not in existing:
                        entry.schema_changes.append(f"create collection {spec.stored_as}")
            self._versions.append(entry)
            return self.report(Outcome.DRY_RUN, recorded)
        for version in pending_versions(recorded, self._target):
            migration = self._migration(version)
            entry = VersionReport(version, migration.description)
            for step in migration.steps:
                count = 0
                if step.collection in existing:
                    count = await self._db[step.collection].count_documents(step.selector())
                entry.steps.append(StepReport(version, step.description, step.collection, count))
            for name, index in introduced(self._schemas, version):
                if index is None:
                    if name not in existing:
                        entry.schema_changes.append(f"create collection {name}")
                    continue
                have = await self._db[name].index_information() if name in existing else {}
                if index not in have:
                    entry.schema_changes.append(f"create index {name}.{index}")
            self._versions.append(entry)
        return self.report(Outcome.DRY_RUN, recorded)

    async def run(self, recorded: int | None) -> MigrationReport:
        if recorded is None:
            deployed = await deploy(
                self._db, target=self._target, schemas=self._schemas, latest=self._latest
            )
            self._versions.append(
                VersionReport(self._target, "provisioning", [], deployed.changes, deployed.degraded)
            )
            return self.report(Outcome.MIGRATED, self._target)
        saved = await self._schema.find_one({"_id": CURSOR_ID})
        for version in pending_versions(recorded, self._target):
            migration = self._migration(version)
            entry = VersionReport(version, migration.description)
            self._versions.append(entry)
            cursor = _Cursor(version)
            if saved is not None and saved.get("version") == version:
                cursor = _Cursor(
                    version,
                    step=int(saved.get("step", 0)),
                    after=saved.get("after"),
                    sweep=bool(saved.get("sweep", False)),
                    documents=int(saved.get("documents", 0)),
                    batches=int(saved.get("batches", 0)),
                )
            for position, step in enumerate(migration.steps):
                if position < cursor.step:
                    continue  # finished by an earlier run
                entry.steps.append(await self._run_step(migration, position, step, cursor))
                cursor = _Cursor(version, step=position + 1)
                await self._save(cursor)
            await self._renew()
            deployed = await deploy(
                self._db,
                target=version,
                schemas=self._schemas,
                latest=self._latest,
                migration={
                    "description": migration.description,
                    "steps": [
                        {"step": s.description, "documents": s.documents} for s in entry.steps
                    ],
                },
            )
            entry.schema_changes = deployed.changes
            entry.degraded = deployed.degraded
            await self._schema.delete_one({"_id": CURSOR_ID, "version": {"$lte": version}})
        return self.report(Outcome.MIGRATED, self._target)

    async def _run_step(
        self, migration: Migration, position: int, step: Step, cursor: _Cursor
    ) -> StepReport:
        resumed = cursor.batches if cursor.batches or cursor.after is not None else None
        report = StepReport(
            migration.to_version, step.description, step.collection, resumed_after_batches=resumed
        )
        report.documents = cursor.documents
        collection = self._db[step.collection]
        while True:
            await self._renew()
            query = step.selector()
            if cursor.after is not None:
                query = {"$and": [query, {"_id": {"$gt": cursor.after}}]}
            found = collection.find(query, {"_id": 1}).sort("_id", 1).limit(self._batch)
            ids = [doc["_id"] for doc in await found.to_list()]
            if not ids:
                if cursor.sweep:
                    return report
                # Once more from the start: documents behind the cursor written the old way.
                cursor.sweep, cursor.after = True, None
                await self._save(cursor)
                continue
            changed = await step.apply(collection, ids)
            cursor.after = ids[-1]
            cursor.documents += changed
            cursor.batches += 1
            report.documents = cursor.documents
            report.batches += 1
            await self._save(cursor)
            await self._progress(
                Progress(
                    version=migration.to_version,
                    step=position,
                    steps=len(migration.steps),
                    description=step.description,
                    documents=cursor.documents,
                    batches=cursor.batches,
                )
            )

    async def _save(self, cursor: _Cursor) -> None:
        await self._schema.update_one(
            {"_id": CURSOR_ID},
            {"$set": {**cursor.as_doc(), "updated_at": datetime.now(UTC)}},
            upsert=True,
        )

    async def _renew(self) -> None:
        if self.lease is not None:
            await self.lease.renew()

    async def _progress(self, progress: Progress) -> None:
        if self._on_progress is None:
            return
        outcome = self._on_progress(progress)
        if inspect.isawaitable(outcome):
            await outcome
