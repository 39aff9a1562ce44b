"""``muninn reminders list|add|complete|delete``."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Literal

import typer

from muninn_client._generated import models as m
from muninn_client.cli.output import short
from muninn_client.cli.state import JsonFlag, handled, state_of

app = typer.Typer(help="Your reminders.", no_args_is_help=True)

Status = Literal["active", "fired", "completed"]


@app.command("list")
@handled
def list_reminders(
    context: typer.Context,
    status: Annotated[str | None, typer.Option(help="active, fired or completed")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: JsonFlag = False,
) -> None:
    """Your reminders, newest first."""
    state = state_of(context)
    out = state.output(as_json)
    if status not in (None, "active", "fired", "completed"):
        raise typer.BadParameter("active, fired or completed", param_hint="--status")
    chosen: Status | None = status  # type: ignore[assignment]
    with state.client() as client:
        found = list(islice(client.reminders.list(status=chosen, limit=min(limit, 100)), limit))
    rows = [(r.id, r.status, str(r.next_due_at or ""), short(r.title, 60)) for r in found]
    out.table(found, ["id", "status", "next due", "title"], rows)


@app.command()
@handled
def add(
    context: typer.Context,
    title: Annotated[str, typer.Argument(help="What to be reminded of.")],
    at: Annotated[
        str | None, typer.Option(help="When: an ISO date-time (2030-01-01T09:00:00Z).")
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone of --at.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a reminder."""
    state = state_of(context)
    given = {"title": title, "due_at": at, "timezone": timezone}
    body = m.ReminderIn.model_validate({k: v for k, v in given.items() if v is not None})
    with state.client() as client:
        reminder = client.reminders.create(body)
    state.output(as_json).result(
        reminder, f"reminder {reminder.id}: {reminder.title} at {reminder.next_due_at}"
    )


@app.command()
@handled
def complete(
    context: typer.Context,
    reminder_id: Annotated[str, typer.Argument()],
    as_json: JsonFlag = False,
) -> None:
    """Mark a reminder done."""
    state = state_of(context)
    with state.client() as client:
        reminder = client.reminders.complete(reminder_id)
    state.output(as_json).result(reminder, f"completed {reminder.id}")


@app.command()
@handled
def delete(
    context: typer.Context,
    reminder_id: Annotated[str, typer.Argument()],
    as_json: JsonFlag = False,
) -> None:
    """Delete a reminder."""
    state = state_of(context)
    with state.client() as client:
        client.reminders.delete(reminder_id)
    state.output(as_json).result({"deleted": reminder_id}, f"deleted {reminder_id}")
