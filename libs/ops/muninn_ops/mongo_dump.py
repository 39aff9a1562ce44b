"""Dump MongoDB databases in mongodump's directory layout, and restore such a dump.

The layout is mongodump's own, so ``mongorestore --dir <dump>`` (with ``--gzip`` for a
compressed dump) restores what this writes, and this restores what mongodump wrote::

    <dump>/<database>/<collection>.bson            the documents, one BSON document after another
    <dump>/<database>/<collection>.metadata.json   {"options", "indexes", "uuid", "collectionName", "type"}
                                                   in canonical Extended JSON

(``.bson.gz`` and ``.metadata.json.gz`` when compressed). Documents travel as raw BSON from
the cursor to the file and back, never decoded, so a dump holds every type exactly and uses
memory for one batch at a time, whatever the collection's size.

Each database is read in one snapshot session where the server offers one (point-in-time
reads across its collections); a server without snapshot reads gets plain reads, so each
collection is then read by one cursor from start to end, as mongodump does without --oplog.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from bson import decode_file_iter, json_util
from bson.codec_options import CodecOptions
from bson.json_util import CANONICAL_JSON_OPTIONS
from bson.raw_bson import RawBSONDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.errors import ConfigurationError, OperationFailure

Doc = dict[str, Any]

RAW = CodecOptions(document_class=RawBSONDocument)
BATCH_DOCUMENTS = 1000
BATCH_BYTES = 8 * 1024 * 1024
"""A restore inserts at most this many documents, or bytes, at once: bounded memory."""

INDEX_BOOKKEEPING = frozenset({"ns"})
"""Index fields that name where the index lived: wrong in any other database."""


class RestoreRefusedError(RuntimeError):
    """The target already holds data and the restore was not told to drop it."""


@dataclass
class CollectionDump:
    database: str
    collection: str
    documents: int
    bytes: int


@dataclass
class DumpReport:
    directory: Path
    collections: list[CollectionDump] = field(default_factory=list)
    snapshot: dict[str, bool] = field(default_factory=dict)
    """Per database: whether it was read at one point in time."""

    def documents(self, database: str) -> int:
        return sum(c.documents for c in self.collections if c.database == database)


@dataclass
class RestoreReport:
    collections: list[CollectionDump] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def documents(self, database: str) -> int:
        return sum(c.documents for c in self.collections if c.database == database)


def data_file(directory: Path, collection: str, compressed: bool) -> Path:
    return directory / f"{collection}.bson{'.gz' if compressed else ''}"


def metadata_file(directory: Path, collection: str, compressed: bool) -> Path:
    return directory / f"{collection}.metadata.json{'.gz' if compressed else ''}"


def _open_write(path: Path, compressed: bool) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "wb") if compressed else path.open("wb"))


def _open_read(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb"))


def metadata_of(collection_info: Mapping[str, Any], indexes: Iterable[Mapping[str, Any]]) -> Doc:
    """mongodump's metadata document for one collection (its ``metadata.json``)."""
    metadata: Doc = {
        "options": dict(collection_info.get("options") or {}),
        "indexes": [
            {k: v for k, v in index.items() if k not in INDEX_BOOKKEEPING} for index in indexes
        ],
        "collectionName": collection_info["name"],
        "type": collection_info.get("type", "collection"),
    }
    uuid = (collection_info.get("info") or {}).get("uuid")
    if uuid is not None:
        # mongodump writes the collection's UUID as 32 hex digits.
        metadata["uuid"] = uuid.hex() if isinstance(uuid, bytes) else str(uuid).replace("-", "")
    return metadata


@asynccontextmanager
async def _reading_session(
    client: AsyncMongoClient[Doc],
) -> AsyncIterator[AsyncClientSession | None]:
    """A snapshot session if the server can hold one, else none (plain reads)."""
    try:
        session = client.start_session(snapshot=True)
    except ConfigurationError:
        yield None
        return
    async with session:
        yield session


async def dump_databases(
    client: AsyncMongoClient[Doc],
    databases: Iterable[str],
    directory: Path,
    *,
    compressed: bool = False,
) -> DumpReport:
    """Write every collection of ``databases`` under ``directory`` (which may not exist yet).

    Views and the server's own ``system.*`` collections are left out, as mongodump leaves
    them. Each data file is written under a temporary name and renamed once complete, so a
    dump that stopped never leaves a truncated file that looks whole.
    """
    directory.mkdir(parents=True, exist_ok=True)
    report = DumpReport(directory)
    for name in databases:
        database = client[name]
        (directory / name).mkdir(exist_ok=True)
        infos = await (await database.list_collections()).to_list()
        async with _reading_session(client) as session:
            report.snapshot[name] = session is not None
            for info in sorted(infos, key=lambda i: str(i["name"])):
                if info.get("type", "collection") != "collection":
                    continue
                if str(info["name"]).startswith("system."):
                    continue
                try:
                    dumped = await _dump_collection(
                        database, info, directory / name, compressed, session
                    )
                except OperationFailure:
                    if session is None:
                        raise
                    # A server that takes the session but refuses snapshot reads (no
                    # majority read concern): this database is read plainly instead.
                    session, report.snapshot[name] = None, False
                    dumped = await _dump_collection(
                        database, info, directory / name, compressed, session
                    )
                report.collections.append(dumped)
    return report


async def _dump_collection(
    database: AsyncDatabase[Doc],
    info: Mapping[str, Any],
    directory: Path,
    compressed: bool,
    session: AsyncClientSession | None,
) -> CollectionDump:
    name = str(info["name"])
    collection = database.get_collection(name, codec_options=RAW)
    indexes = await (await database[name].list_indexes()).to_list()
    written = documents = 0
    target = data_file(directory, name, compressed)
    partial = target.with_name(target.name + ".partial")
    with _open_write(partial, compressed) as out:
        # Natural order without a sort: no index needed, no server-side sort memory.
        async for document in collection.find({}, session=session, batch_size=BATCH_DOCUMENTS):
            raw = bytes(cast(RawBSONDocument, document).raw)
            out.write(raw)
            written += len(raw)
            documents += 1
    partial.replace(target)
    text = json_util.dumps(metadata_of(info, indexes), json_options=CANONICAL_JSON_OPTIONS)
    with _open_write(metadata_file(directory, name, compressed), compressed) as out:
        out.write(text.encode())
    return CollectionDump(database.name, name, documents, written)


@dataclass(frozen=True)
class DumpedCollection:
    database: str
    collection: str
    data: Path | None
    metadata: Path | None


def dumped_collections(directory: Path) -> Iterator[DumpedCollection]:
    """The collections of a dump directory, database by database (mongodump's or ours)."""
    for database_dir in sorted(p for p in directory.iterdir() if p.is_dir()):
        names: dict[str, dict[str, Path]] = {}
        for path in database_dir.iterdir():
            for suffix, kind in (
                (".metadata.json.gz", "metadata"),
                (".metadata.json", "metadata"),
                (".bson.gz", "data"),
                (".bson", "data"),
            ):
                if path.name.endswith(suffix):
                    names.setdefault(path.name[: -len(suffix)], {})[kind] = path
                    break
        for collection in sorted(names):
            if collection.startswith("system."):
                continue
            found = names[collection]
            yield DumpedCollection(
                database_dir.name, collection, found.get("data"), found.get("metadata")
            )


def read_metadata(path: Path | None) -> Doc:
    if path is None:
        return {}
    with _open_read(path) as source:
        loaded: Doc = json_util.loads(source.read().decode(), json_options=CANONICAL_JSON_OPTIONS)
    return loaded


def raw_documents(path: Path) -> Iterator[RawBSONDocument]:
    with _open_read(path) as source:
        yield from decode_file_iter(source, codec_options=RAW)


async def restore_dump(
    client: AsyncMongoClient[Doc],
    directory: Path,
    *,
    databases: Iterable[str] | None = None,
    rename: dict[str, str] | None = None,
    drop: bool = False,
) -> RestoreReport:
    """Restore a dump directory into ``client``'s server.

    ``databases`` restores only those (names as in the dump); ``rename`` maps a dumped
    database to another name. A target database that already holds documents is refused
    (:class:`RestoreRefusedError`, before anything is written) unless ``drop``, which drops
    it first. Per collection, as mongorestore does: created with its options (validator
    included), documents inserted as they were dumped (validation bypassed: they were valid
    when written, and a validator tightened since must not lose them), then its indexes.
    """
    rename = rename or {}
    chosen = None if databases is None else set(databases)
    dumped = [c for c in dumped_collections(directory) if chosen is None or c.database in chosen]
    targets = sorted({rename.get(c.database, c.database) for c in dumped})
    report = RestoreReport()
    occupied = [name for name in targets if await _holds_documents(client[name])]
    if occupied and not drop:
        raise RestoreRefusedError(
            f"database(s) {', '.join(occupied)} already hold documents; restore into an empty "
            "server, or pass drop to replace them"
        )
    for name in targets:
        if name in await client.list_database_names():
            await client.drop_database(name)
            report.dropped.append(name)
    for item in dumped:
        database = client[rename.get(item.database, item.database)]
        metadata = read_metadata(item.metadata)
        await _restore_collection(database, item, metadata, report)
    return report


async def _holds_documents(database: AsyncDatabase[Doc]) -> bool:
    for name in await database.list_collection_names():
        if name.startswith("system."):
            continue
        if await database[name].find_one({}, projection={"_id": 1}) is not None:
            return True
    return False


async def _restore_collection(
    database: AsyncDatabase[Doc],
    item: DumpedCollection,
    metadata: Doc,
    report: RestoreReport,
) -> None:
    options = dict(metadata.get("options") or {})
    await database.create_collection(item.collection, **options)
    collection = database.get_collection(item.collection, codec_options=RAW)
    documents = written = 0
    batch: list[RawBSONDocument] = []
    batch_bytes = 0
    for document in raw_documents(item.data) if item.data is not None else iter(()):
        batch.append(document)
        batch_bytes += len(document.raw)
        if len(batch) >= BATCH_DOCUMENTS or batch_bytes >= BATCH_BYTES:
            await collection.insert_many(batch, ordered=True, bypass_document_validation=True)
            documents, written = documents + len(batch), written + batch_bytes
            batch, batch_bytes = [], 0
    if batch:
        await collection.insert_many(batch, ordered=True, bypass_document_validation=True)
        documents, written = documents + len(batch), written + batch_bytes
    indexes = [
        _index_for_create(index)
        for index in metadata.get("indexes", [])
        if index.get("name") != "_id_"
    ]
    if indexes:
        await database.command("createIndexes", item.collection, indexes=indexes)
        report.indexes += [f"{database.name}.{item.collection}.{i['name']}" for i in indexes]
    report.collections.append(CollectionDump(database.name, item.collection, documents, written))


def _index_for_create(index: Doc) -> Doc:
    """An index as createIndexes takes it: the dumped spec without where it lived."""
    spec = {k: v for k, v in index.items() if k not in INDEX_BOOKKEEPING}
    # Extended JSON may give the version as Int64; createIndexes wants a plain number.
    if "v" in spec:
        spec["v"] = int(spec["v"])
    return spec


def summary(report: DumpReport | RestoreReport) -> str:
    """One line per database: collections and documents (for the command's output)."""
    by_database: dict[str, list[CollectionDump]] = {}
    for item in report.collections:
        by_database.setdefault(item.database, []).append(item)
    return json.dumps(
        {
            name: {
                "collections": len(items),
                "documents": sum(i.documents for i in items),
                "bytes": sum(i.bytes for i in items),
            }
            for name, items in sorted(by_database.items())
        },
        indent=2,
    )
