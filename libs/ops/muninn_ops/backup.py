"""``python -m muninn_ops.backup``: dump Muninn's databases, restore them, snapshot Qdrant.

    dump     --uri URI --out DIR [--prefix muninn_] [--gzip] [--database NAME ...]
    restore  --uri URI --dir DIR [--drop] [--no-reindex] [--database NAME ...]
    qdrant-snapshot  --url URL --out DIR [--api-key KEY]
    qdrant-recover   --url URL --dir DIR [--api-key KEY]

``dump`` writes every service's database (``<prefix><service>``, the services' own
``MUNINN_MONGO_DATABASE_PREFIX``) that exists on the server, in mongodump's layout.
``restore`` refuses databases that already hold documents unless ``--drop``; afterwards it
marks the memory database's records for re-indexing, so the memory service rebuilds its
vectors from MongoDB (skip with ``--no-reindex`` when a Qdrant snapshot is recovered too).
Exit status 0 on success, 1 with the reason on stderr otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from muninn_shared.settings import SERVICE_NAMES
from pymongo import AsyncMongoClient

from muninn_ops.mongo_dump import (
    RestoreRefusedError,
    dump_databases,
    dumped_collections,
    restore_dump,
    summary,
)
from muninn_ops.qdrant_snapshots import recover_collections, snapshot_collections
from muninn_ops.vectors import mark_for_reindex

Doc = dict[str, Any]

DEFAULT_URI = "mongodb://127.0.0.1:27027/?directConnection=true"
"""The local stack's MongoDB (``make run``), like the services' default."""


def service_databases(prefix: str) -> list[str]:
    return [f"{prefix}{service}" for service in SERVICE_NAMES]


async def dump(uri: str, out: Path, prefix: str, databases: Sequence[str], gzip: bool) -> str:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(uri)
    try:
        present = set(await client.list_database_names())
        wanted = list(databases) or [n for n in service_databases(prefix) if n in present]
        missing = [name for name in wanted if name not in present]
        if missing:
            raise LookupError(f"no database {', '.join(missing)} on the server")
        if not wanted:
            raise LookupError(f"no database named {prefix}<service> on the server")
        report = await dump_databases(client, wanted, out, compressed=gzip)
    finally:
        await client.close()
    return summary(report)


async def restore(
    uri: str, directory: Path, prefix: str, databases: Sequence[str], drop: bool, reindex: bool
) -> str:
    if not directory.is_dir() or not any(dumped_collections(directory)):
        raise LookupError(f"{directory} holds no dump")
    client: AsyncMongoClient[Doc] = AsyncMongoClient(uri)
    try:
        report = await restore_dump(client, directory, databases=databases or None, drop=drop)
        lines = [summary(report)]
        memory = f"{prefix}memory"
        if reindex and any(c.database == memory for c in report.collections):
            marked = await mark_for_reindex(client[memory])
            lines.append(
                f"marked for re-indexing in {marked.database}: {json.dumps(marked.marked)}"
            )
    finally:
        await client.close()
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m muninn_ops.backup", description=__doc__.split("\n")[0]
    )
    commands = top.add_subparsers(dest="command", required=True)

    def mongo(command: argparse.ArgumentParser) -> None:
        command.add_argument("--uri", default=os.environ.get("MUNINN_MONGO_URI", DEFAULT_URI))
        command.add_argument(
            "--prefix", default=os.environ.get("MUNINN_MONGO_DATABASE_PREFIX", "muninn_")
        )
        command.add_argument("--database", action="append", default=[], dest="databases")

    dumping = commands.add_parser("dump", help="dump the services' databases (mongodump's layout)")
    mongo(dumping)
    dumping.add_argument("--out", type=Path, required=True)
    dumping.add_argument("--gzip", action="store_true")

    restoring = commands.add_parser("restore", help="restore a dump into a server")
    mongo(restoring)
    restoring.add_argument("--dir", type=Path, required=True)
    restoring.add_argument("--drop", action="store_true", help="replace databases holding data")
    restoring.add_argument(
        "--no-reindex", action="store_false", dest="reindex", help="leave the vector index alone"
    )

    for name, help_text, target in (
        ("qdrant-snapshot", "snapshot every Qdrant collection to a directory", "--out"),
        ("qdrant-recover", "recover Qdrant collections from a directory of snapshots", "--dir"),
    ):
        qdrant = commands.add_parser(name, help=help_text)
        qdrant.add_argument("--url", default=os.environ.get("MUNINN_QDRANT_URL"), required=False)
        qdrant.add_argument("--api-key", default=os.environ.get("MUNINN_QDRANT_API_KEY"))
        qdrant.add_argument(target, type=Path, required=True, dest="directory")
    return top


async def run(args: argparse.Namespace) -> str:
    if args.command == "dump":
        return await dump(args.uri, args.out, args.prefix, args.databases, args.gzip)
    if args.command == "restore":
        return await restore(
            args.uri, args.dir, args.prefix, args.databases, args.drop, args.reindex
        )
    if not args.url:
        raise LookupError("no Qdrant server: pass --url or set MUNINN_QDRANT_URL")
    if args.command == "qdrant-snapshot":
        taken = await snapshot_collections(args.url, args.directory, api_key=args.api_key)
        return "\n".join(f"{s.collection}: {s.path} ({s.size} bytes)" for s in taken)
    recovered = await recover_collections(args.url, args.directory, api_key=args.api_key)
    return "\n".join(f"recovered {name}" for name in recovered)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(asyncio.run(run(args)))
    except (RestoreRefusedError, LookupError, OSError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
