"""``muninn admin``: operator commands over the operator tools of a Muninn checkout.

They are not HTTP calls: ``dead-letters`` reads and writes Kafka's dead-letter topics
(``muninn_shared.deadletters``, Kafka's bootstrap address needed), ``backup`` and
``restore`` talk to MongoDB (``muninn_ops.backup``, the server's URI needed). Both libraries
come with a checkout's environment (``make install``), not with ``pip install muninn-client``.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import typer

from muninn_client.cli.state import JsonFlag, fail, state_of

app = typer.Typer(help="Operator commands (need Kafka or MongoDB access).", no_args_is_help=True)
dead_letters = typer.Typer(
    help="Dead letters of the Kafka topics: list, show, re-drive.", no_args_is_help=True
)
app.add_typer(dead_letters, name="dead-letters")

Bootstrap = Annotated[
    str | None,
    typer.Option(
        help="Kafka bootstrap servers (default: MUNINN_KAFKA_BOOTSTRAP or the local stack's)."
    ),
]
MongoUri = Annotated[
    str | None, typer.Option(help="MongoDB URI (default: MUNINN_MONGO_URI or the local stack's).")
]
DatabasePrefix = Annotated[
    str | None,
    typer.Option(
        help="The services' database prefix (default: MUNINN_MONGO_DATABASE_PREFIX or muninn_)."
    ),
]


Databases = Annotated[
    list[str] | None,
    typer.Option(
        "--database", help="Only this database (repeat for more); default: every service's."
    ),
]


def _mongo_args(uri: str | None, prefix: str | None, databases: list[str] | None) -> list[str]:
    argv = [*(["--uri", uri] if uri else []), *(["--prefix", prefix] if prefix else [])]
    for name in databases or []:
        argv += ["--database", name]
    return argv


def operator_tool(module: str, needs: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        fail(f"`{module}` is not installed: {needs} run from a Muninn checkout (`make install`)")


def _dead_letter_command(argv: list[str], bootstrap: str | None) -> tuple[int, str, str]:
    cli: Any = operator_tool("muninn_shared.deadletters.cli", "dead-letter commands are")
    out, err = io.StringIO(), io.StringIO()
    prefix = ["--bootstrap", bootstrap] if bootstrap else []
    code = asyncio.run(cli.run([*prefix, *argv], out, err))
    return int(code), out.getvalue(), err.getvalue()


def _finish(code: int, out: str, err: str) -> None:
    if out:
        typer.echo(out, nl=False)
    if err:
        typer.echo(err, nl=False, err=True)
    raise typer.Exit(code)


@dead_letters.command("list")
def list_dead_letters(
    context: typer.Context,
    topic: Annotated[str | None, typer.Option(help="A topic (or its .dlq topic).")] = None,
    consumer: Annotated[str | None, typer.Option(help="Only this consumer's.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Include those re-driven.")] = False,
    bootstrap: Bootstrap = None,
    as_json: JsonFlag = False,
) -> None:
    """Dead letters, oldest first."""
    argv = ["list"]
    argv += ["--topic", topic] if topic else []
    argv += ["--consumer", consumer] if consumer else []
    argv += ["--all"] if every else []
    wants_json = state_of(context).as_json or as_json
    code, out, err = _dead_letter_command([*argv, "--json"] if wants_json else argv, bootstrap)
    if wants_json and code == 0:
        out = json.dumps([json.loads(line) for line in out.splitlines() if line], indent=2) + "\n"
    _finish(code, out, err)


@dead_letters.command()
def show(
    letter_id: Annotated[str, typer.Argument(help="<topic>.dlq:<partition>:<offset>")],
    bootstrap: Bootstrap = None,
) -> None:
    """One dead letter in full (JSON), with its re-drives."""
    _finish(*_dead_letter_command(["show", letter_id], bootstrap))


@dead_letters.command()
def redrive(
    letter_ids: Annotated[
        list[str] | None, typer.Argument(help="Dead letters to re-drive.")
    ] = None,
    every: Annotated[bool, typer.Option(help="Every one the filters match.")] = False,
    topic: Annotated[str | None, typer.Option()] = None,
    consumer: Annotated[str | None, typer.Option()] = None,
    force: Annotated[bool, typer.Option(help="Also those re-driven before.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Only print what would be re-driven.")] = False,
    bootstrap: Bootstrap = None,
) -> None:
    """Publish dead letters' original events to their topics again."""
    argv = ["redrive", *(letter_ids or [])]
    argv += ["--every"] if every else []
    argv += ["--topic", topic] if topic else []
    argv += ["--consumer", consumer] if consumer else []
    argv += ["--force"] if force else []
    argv += ["--dry-run"] if dry_run else []
    _finish(*_dead_letter_command(argv, bootstrap))


def _backup_tool(argv: list[str], context: typer.Context, as_json: bool, label: str) -> None:
    backup: Any = operator_tool("muninn_ops.backup", "backup and restore are")
    args = backup.parser().parse_args(argv)
    out = state_of(context).output(as_json)
    try:
        with out.errors.status(f"{label}…", spinner="dots"):
            summary = asyncio.run(backup.run(args))
    except (LookupError, OSError, backup.RestoreRefusedError) as exc:
        fail(f"{args.command}: {exc}")
    out.result({"command": args.command, "summary": str(summary)}, str(summary))


@app.command()
def backup(
    context: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the dump to.")],
    uri: MongoUri = None,
    prefix: DatabasePrefix = None,
    databases: Databases = None,
    gzip: Annotated[bool, typer.Option(help="Compress the dump.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Dump every service's MongoDB database (mongodump's layout)."""
    argv = ["dump", "--out", str(out_dir), *_mongo_args(uri, prefix, databases)]
    _backup_tool([*argv, *(["--gzip"] if gzip else [])], context, as_json, "dumping")


@app.command()
def restore(
    context: typer.Context,
    from_dir: Annotated[Path, typer.Option("--dir", help="A dump written by `backup`.")],
    uri: MongoUri = None,
    prefix: DatabasePrefix = None,
    databases: Databases = None,
    drop: Annotated[bool, typer.Option(help="Replace databases that hold data.")] = False,
    reindex: Annotated[bool, typer.Option(help="Rebuild the vectors from MongoDB.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Restore a dump into a MongoDB server."""
    argv = ["restore", "--dir", str(from_dir), *_mongo_args(uri, prefix, databases)]
    argv += (["--drop"] if drop else []) + ([] if reindex else ["--no-reindex"])
    _backup_tool(argv, context, as_json, "restoring")
