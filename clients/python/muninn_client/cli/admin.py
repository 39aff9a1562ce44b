"""``muninn admin``: commands for the operator who runs a Muninn.

Two kinds. ``users`` and ``reembed`` call the API through the gateway like every other
command, signed in (``muninn login``) as an account the operator listed in identity's
``MUNINN_OPERATOR_EMAILS``: only such a session holds the ``operator`` scope, which neither
the ``admin`` scope nor any API key grants (the server answers 403 ``operator-only``).

The others are not HTTP calls but local tools: ``dead-letters`` reads and writes Kafka's
dead-letter topics (``muninn_shared.deadletters``, Kafka's bootstrap address needed),
``backup`` and ``restore`` talk to MongoDB (``muninn_ops.backup``, the server's URI needed).
Both libraries come with a checkout's environment (``make install``), not with
``pip install muninn-client``.
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import time
from collections.abc import Sequence
from datetime import datetime
from itertools import islice
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Literal

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from muninn_client._generated import models as m
from muninn_client.cli.output import Output, short
from muninn_client.cli.state import JsonFlag, fail, handled, state_of
from muninn_client.client import Muninn
from muninn_client.errors import ServiceUnavailable, TransportError

app = typer.Typer(
    help="Operator commands: accounts and the index (an operator's login), dead letters "
    "(Kafka access), backup and restore (MongoDB access).",
    no_args_is_help=True,
)
dead_letters = typer.Typer(
    help="Dead letters of the Kafka topics: list, show, re-drive.", no_args_is_help=True
)
app.add_typer(dead_letters, name="dead-letters")
users = typer.Typer(
    help="The accounts of this Muninn, newest first; `show ID` for one (an operator's login)."
)
app.add_typer(users, name="users")

AccountStatus = Literal["active", "erasing"]

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


# -- over the API, as the operator ---------------------------------------------------------


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment is not None else ""


def _facts(out: Output, value: Any, rows: Sequence[tuple[str, Any]], title: str) -> None:
    """One thing as a two-column table (JSON with --json)."""
    if out.as_json:
        out.json(value)
        return
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, shown in rows:
        table.add_row(name, "" if shown is None else str(shown))
    out.console.print(table)


@users.callback(invoke_without_command=True)
@handled
def list_users(
    context: typer.Context,
    q: Annotated[
        str | None,
        typer.Option("--q", "-q", help="Only accounts whose email or name holds this text."),
    ] = None,
    status: Annotated[str | None, typer.Option(help="active or erasing")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many to show (pages are followed).")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Every account, newest first; `muninn admin users show ID` for one."""
    if context.invoked_subcommand is not None:
        return
    if status not in (None, "active", "erasing"):
        raise typer.BadParameter("active or erasing", param_hint="--status")
    chosen: AccountStatus | None = status  # type: ignore[assignment]
    state = state_of(context)
    out = state.output(as_json)
    with state.client() as client:
        found = list(
            islice(client.admin.list_users(q=q, status=chosen, limit=min(limit, 100)), limit)
        )
    rows = [
        (
            user.id,
            user.email,
            short(user.name, 40),
            user.status,
            _when(user.created_at),
            _when(user.last_login_at),
            "yes" if user.operator else "",
        )
        for user in found
    ]
    columns = ["id", "email", "name", "status", "created", "last sign-in", "operator"]
    out.table(found, columns, rows, title=f"{len(found)} accounts")


@users.command("show")
@handled
def show_user(
    context: typer.Context,
    user_id: Annotated[str, typer.Argument(help="The account's id.")],
    as_json: JsonFlag = False,
) -> None:
    """One account: email, name, state, when it was made and last used."""
    state = state_of(context)
    with state.client() as client:
        user = client.admin.get_user(user_id)
    rows = [
        ("id", user.id),
        ("email", user.email),
        ("name", user.name),
        ("status", user.status),
        ("operator", "yes" if user.operator else "no"),
        ("created", _when(user.created_at)),
        ("last sign-in", _when(user.last_login_at)),
        ("last active", _when(user.last_active_at)),
    ]
    _facts(state.output(as_json), user, rows, title=user.email)


def _copy_line(migration: m.IndexMigration) -> str:
    if migration.state == "idle":
        return "idle: the index is the configured model's, nothing to copy"
    line = f"{migration.state}: {migration.copied} / {migration.total} ({migration.progress:.0%})"
    return line + (f", {migration.source} -> {migration.target}" if migration.source else "")


def _print_index(out: Output, index: m.IndexState) -> None:
    where = "shared Qdrant server" if index.shared else "an index of its own (in the process)"
    migration = index.migration
    pending = index.pending
    rows: list[tuple[str, Any]] = [
        ("answered by", f"memory instance {index.instance_id}, {where}"),
        ("model", index.embedding_model),
        ("reads from", index.read_collection),
        ("re-embedding", _copy_line(migration)),
    ]
    if migration.error:
        rows.append(("last error", short(migration.error, 200)))
    rows.append(
        (
            "waiting to be indexed",
            f"{pending.memories} memories, {pending.document_chunks} document chunks, "
            f"{pending.summaries} summaries",
        )
    )
    _facts(out, index, rows, title="memory index")


def _watching(index: m.IndexState) -> str:
    error = index.migration.error
    retrying = f", retrying after: {short(error, 60)}" if error else ""
    return f"re-embedding (memory {index.instance_id}{retrying})"


def _watch(client: Muninn, out: Output, index: m.IndexState, interval: float) -> m.IndexState:
    """Polls until the copy is no longer running; a restarting memory service is waited out."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out.errors, disable=out.as_json) as progress:
        migration = index.migration
        task = progress.add_task(
            _watching(index),
            total=migration.total or None,
            completed=migration.copied,
        )
        while index.migration.state == "running":
            time.sleep(interval)
            try:
                index = client.admin.get_index()
            except (ServiceUnavailable, TransportError) as exc:
                progress.update(task, description=f"memory unreachable ({exc}); still watching")
                continue
            migration = index.migration
            progress.update(
                task,
                description=_watching(index),
                total=migration.total or None,
                completed=migration.copied,
            )
    return index


@app.command()
@handled
def reembed(
    context: typer.Context,
    watch: Annotated[
        bool, typer.Option(help="Follow a running copy with a progress bar until it ends.")
    ] = False,
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between polls.")] = 2.0,
    as_json: JsonFlag = False,
) -> None:
    """The memory index: its model, the collection read, a model switch's re-embedding.

    Exit status 1 when the re-embedding failed. With --json, the (final) state as JSON.
    """
    state = state_of(context)
    out = state.output(as_json)
    with state.client() as client:
        index = client.admin.get_index()
        if watch:
            index = _watch(client, out, index, interval)
    _print_index(out, index)
    if index.migration.state == "failed":
        raise typer.Exit(1)
