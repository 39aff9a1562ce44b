"""Operator command for the outbox rows a service's relay set aside as undeliverable.

    python -m muninn_shared.storage.outbox_dead_letters --service conversation list
    python -m muninn_shared.storage.outbox_dead_letters --service conversation show ID
    python -m muninn_shared.storage.outbox_dead_letters --service conversation requeue ID

It reads the same ``MUNINN_MONGO_URI`` and ``MUNINN_MONGO_DATABASE_PREFIX`` as the services.
``requeue`` puts the row back at the end of the service's outbox (cut to the size cap again if
it is a valid event); the running relay publishes it, or sets it aside again if it still
cannot be published.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from bson import ObjectId
from bson.errors import InvalidId

from muninn_shared.settings import CONTENT_SERVICES, ServiceSettings
from muninn_shared.storage.mongo import create_mongo_client
from muninn_shared.storage.outbox import Outbox


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    envelope = doc.get("envelope") if isinstance(doc.get("envelope"), dict) else {}
    return {
        "id": str(doc["_id"]),
        "dead_lettered_at": str(doc.get("dead_lettered_at")),
        "topic": doc.get("topic"),
        "type": envelope.get("type") if envelope else None,
        "event_id": doc.get("event_id"),
        "user_id": doc.get("user_id"),
        "error": doc.get("error"),
    }


def _parse_id(raw: str) -> ObjectId:
    try:
        return ObjectId(raw)
    except (InvalidId, TypeError):
        raise SystemExit(f"not a dead-letter id: {raw!r}") from None


async def run(args: argparse.Namespace, out: TextIO) -> int:
    settings = ServiceSettings(service_name=args.service)
    client = create_mongo_client(settings.mongo_uri)
    try:
        outbox = Outbox(client[settings.mongo_database], max_event_bytes=settings.event_max_bytes)
        if args.command == "list":
            rows = await outbox.dead_letters(limit=args.limit)
            for row in rows:
                out.write(json.dumps(_summary(row)) + "\n")
            total = await outbox.dead_letter_count()
            out.write(f"{total} outbox dead letter(s) in {settings.mongo_database}\n")
            return 0
        dead_letter_id = _parse_id(args.id)
        if args.command == "show":
            doc = await outbox.dead_letter(dead_letter_id)
            if doc is None:
                out.write(f"no dead letter {args.id}\n")
                return 1
            out.write(json.dumps(doc, default=str, indent=2) + "\n")
            return 0
        new_row = await outbox.requeue(dead_letter_id)
        if new_row is None:
            out.write(f"no dead letter {args.id}\n")
            return 1
        out.write(f"dead letter {args.id} re-queued as outbox row {new_row}\n")
        return 0
    finally:
        await client.close()


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m muninn_shared.storage.outbox_dead_letters",
        description="List, show and re-queue the outbox rows a service's relay set aside.",
    )
    cli.add_argument(
        "--service",
        required=True,
        choices=CONTENT_SERVICES,
        help="whose database (MUNINN_MONGO_DATABASE_PREFIX + service)",
    )
    commands = cli.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="dead letters, newest first")
    listing.add_argument("--limit", type=int, default=100)
    commands.add_parser("show", help="one dead letter in full").add_argument("id")
    commands.add_parser("requeue", help="back to the end of the outbox").add_argument("id")
    return cli


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    return asyncio.run(run(parser().parse_args(argv), out))


if __name__ == "__main__":
    raise SystemExit(main())
