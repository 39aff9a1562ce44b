"""``python -m muninn_shared.content_schema.upgrade``: the pre-rollout schema step.

Brings each content service's own database on the main MongoDB (``<prefix><service>``) to
the content schema this code ships — collections with their validators, indexes, and any
migration's document steps — through the same :func:`migrate` byod runs on users' own
databases, then exits. Run it before a new version's pods start (a Kubernetes Job, a
Compose one-shot service): the services then find their schema in place, and a database a
newer Muninn already upgraded is refused here, before any old pod could write to it.

Running it again changes nothing (``up_to_date``). Exit status: 0 done, 2 a database is at a
newer schema version than this code (roll forward, or restore a backup of that version),
3 another runner holds a database's lease (run again), 1 anything else. Users' own (BYOD)
databases are migrated by the byod service's background pass once its new pods run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient

from muninn_shared.content_schema.catalogue import SCHEMAS
from muninn_shared.content_schema.deploy import SchemaTooNewError
from muninn_shared.content_schema.migrations import MigrationReport, Outcome, migrate
from muninn_shared.content_schema.specs import ContentService

Doc = dict[str, Any]

TOO_NEW_EXIT = 2
BUSY_EXIT = 3


async def upgrade_main_databases(
    client: AsyncMongoClient[Doc], prefix: str, *, owner: str
) -> list[MigrationReport]:
    """Every content service's database on main, in catalogue order; stops at the first
    database that is too new (raised) so none is taken further than the code knows."""
    reports = []
    for service in ContentService:
        database = client[f"{prefix}{service.value}"]
        reports.append(
            await migrate(database, owner=owner, schemas=[SCHEMAS[service].as_on_main()])
        )
    return reports


async def run(uri: str, prefix: str) -> int:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(uri)
    owner = f"schema-upgrade@{socket.gethostname()}"
    try:
        reports = await upgrade_main_databases(client, prefix, owner=owner)
    except SchemaTooNewError as refused:
        print(f"refused: {refused}", file=sys.stderr)
        return TOO_NEW_EXIT
    finally:
        await client.close()
    for report in reports:
        print(
            f"{report.database}: {report.outcome} (version {report.from_version} -> {report.version})"
        )
    return BUSY_EXIT if any(r.outcome is Outcome.BUSY for r in reports) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m muninn_shared.content_schema.upgrade")
    parser.add_argument("--uri", default=os.environ.get("MUNINN_MONGO_URI"))
    parser.add_argument(
        "--prefix", default=os.environ.get("MUNINN_MONGO_DATABASE_PREFIX", "muninn_")
    )
    args = parser.parse_args(argv)
    if not args.uri:
        parser.error("no MongoDB: pass --uri or set MUNINN_MONGO_URI")
    return asyncio.run(run(args.uri, args.prefix))


if __name__ == "__main__":
    sys.exit(main())
