"""``muninn``: the Muninn API from a terminal, over the SDK.

    muninn login                      sign in (the credentials file is mode 0600)
    muninn memories add|search|list|forget|history
    muninn chat "message"             the reply streams into the terminal
    muninn reminders list|add|complete|delete
    muninn export --output FILE       everything of yours, with a progress bar
    muninn admin users|reembed        the instance's accounts and index (an operator's login)
    muninn admin dead-letters|backup|restore   operator tools (Kafka / MongoDB access)

``--json`` (before or after the command) prints JSON for scripts.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from muninn_client._generated import models as m
from muninn_client.cli import admin, config, memories, reminders
from muninn_client.cli.state import JsonFlag, State, fail, handled, state_of
from muninn_client.client import Muninn
from muninn_client.errors import APIError
from muninn_client.streaming import Delta, Done, Failed, MessageStarted, Snapshot

app = typer.Typer(
    name="muninn",
    help="The Muninn API from a terminal: memories, chat, reminders, export, operator tools.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(memories.app, name="memories")
app.add_typer(reminders.app, name="reminders")
app.add_typer(admin.app, name="admin")


@app.callback()
def root(
    context: typer.Context,
    base_url: Annotated[
        str | None,
        typer.Option(help="The gateway (default: MUNINN_BASE_URL, the saved one, or :8080)."),
    ] = None,
    config_path: Annotated[
        Path | None, typer.Option("--config", help="Credentials file (default: MUNINN_CONFIG).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    context.obj = State(config_path or config.default_path(), base_url, as_json)


@app.command()
@handled
def login(
    context: typer.Context,
    email: Annotated[str | None, typer.Option(help="Your account's e-mail.")] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Asked for when not given (MUNINN_PASSWORD).", envvar="MUNINN_PASSWORD"),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(help="Sign in with an API key (mk_…) instead.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Sign in and save the credentials for the next commands."""
    state = state_of(context)
    out = state.output(as_json)
    base_url = state.server()
    if api_key:
        with Muninn(base_url, api_key=api_key) as client:
            user = client.me.get()
        profile = config.Profile(base_url=base_url, email=user.email, api_key=api_key)
    else:
        email = email or typer.prompt("E-mail")
        secret = password or getpass.getpass("Password: ")
        with Muninn(base_url) as client:
            session = client.login(email, secret)
        user = session.user
        tokens = client.credential
        profile = config.Profile(
            base_url=base_url,
            email=user.email,
            access_token=session.tokens.access_token,
            refresh_token=session.tokens.refresh_token,
            expires_at=getattr(tokens, "expires_at", None),
        )
    config.save(state.config_path, profile)
    out.result(
        {"user": user, "base_url": base_url, "config": str(state.config_path)},
        f"signed in as [bold]{user.email}[/bold] at {base_url}",
    )


@app.command()
@handled
def logout(context: typer.Context, as_json: JsonFlag = False) -> None:
    """End the session and delete the saved credentials."""
    state = state_of(context)
    profile = state.profile()
    if profile is not None and profile.refresh_token:
        try:
            with state.client() as client:
                client.logout()
        except APIError as exc:
            # The saved credentials go regardless: a session the server no longer knows
            # needs no ending.
            state.output().error(f"the server did not end the session: {exc}")
    removed = config.forget(state.config_path)
    state.output(as_json).result(
        {"signed_out": removed}, "signed out" if removed else "was not signed in"
    )


@app.command()
@handled
def whoami(context: typer.Context, as_json: JsonFlag = False) -> None:
    """The signed-in account."""
    state = state_of(context)
    with state.client() as client:
        user = client.me.get()
    state.output(as_json).result(user, f"{user.email} ({user.name or 'no name'}) {user.id}")


@app.command()
@handled
def chat(
    context: typer.Context,
    message: Annotated[str, typer.Argument(help="What to say.")],
    conversation: Annotated[
        str | None, typer.Option("--conversation", "-c", help="Continue this conversation.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title of a new conversation.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Send MESSAGE; the reply streams into the terminal as it is written."""
    state = state_of(context)
    out = state.output(as_json)
    with state.client() as client:
        conversation_id = conversation or client.conversations.create({"title": title}).id
        reply: m.Message | None = None
        for event in client.conversations.stream_message(conversation_id, {"content": message}):
            if isinstance(event, Delta) and not out.as_json:
                out.console.print(event.text, end="", markup=False, highlight=False)
            elif isinstance(event, Snapshot) and not out.as_json:
                out.console.print(event.content, end="", markup=False, highlight=False)
            elif isinstance(event, MessageStarted):
                reply = event.assistant_message
            elif isinstance(event, Done | Failed):
                reply = event.message or reply
    if out.as_json:
        out.json({"conversation_id": conversation_id, "message": reply})
        return
    out.console.print()
    if reply is not None and reply.status != "complete":
        fail(f"the reply ended {reply.status}: {reply.error or 'no reason given'}")
    out.errors.print(f"[dim]conversation {conversation_id}[/dim]")


@app.command()
@handled
def export(
    context: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write the archive to.")],
    as_json: JsonFlag = False,
) -> None:
    """Export everything of yours from every service into one JSON file."""
    state = state_of(context)
    out = state.output(as_json)
    written = 0
    scratch = output.with_name(output.name + ".part")
    with state.client() as client, client.raw_stream("POST", "/v1/me/export") as answer:
        total = int(answer.headers.get("content-length") or 0) or None
        columns = (
            TextColumn("exporting"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
        )
        with (
            Progress(*columns, console=out.errors, disable=out.as_json) as progress,
            scratch.open("wb") as sink,
        ):
            task = progress.add_task("export", total=total)
            for chunk in answer.iter_bytes():
                sink.write(chunk)
                written += len(chunk)
                progress.update(task, advance=len(chunk))
    scratch.replace(output)
    out.result({"output": str(output), "bytes": written}, f"wrote {written} bytes to {output}")


def main() -> None:
    app()
