"""``muninn memories add|search|list|forget|history``."""

from __future__ import annotations

from itertools import islice
from typing import Annotated

import typer

from muninn_client._generated import models as m
from muninn_client.cli.output import short
from muninn_client.cli.state import JsonFlag, handled, state_of

app = typer.Typer(help="Remember, search, list and forget memories.", no_args_is_help=True)


@app.command()
@handled
def add(
    context: typer.Context,
    text: Annotated[str, typer.Argument(help="What to remember.")],
    memory_context: Annotated[
        str | None, typer.Option("--context", help="work, personal, family …")
    ] = None,
    infer: Annotated[
        bool, typer.Option(help="Extract facts from the text (else stored as given).")
    ] = False,
    wait: Annotated[bool, typer.Option(help="Answer when the memory is searchable.")] = True,
    as_json: JsonFlag = False,
) -> None:
    """Remember TEXT."""
    state = state_of(context)
    out = state.output(as_json)
    body = m.MemoryCreate(content=text, context=memory_context, infer=infer)
    with state.client() as client, out.errors.status("remembering…", spinner="dots"):
        job = client.memories.create(body, wait=wait)
    stored = ", ".join(memory.id for memory in job.memories or []) or "-"
    out.result(job, f"[green]{job.status}[/green] job {job.id}; memories: {stored}")


@app.command()
@handled
def search(
    context: typer.Context,
    query: Annotated[str, typer.Argument(help="A question or keywords.")],
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Search memories (and documents) by meaning and keywords."""
    state = state_of(context)
    out = state.output(as_json)
    with state.client() as client:
        found = client.memories.search(m.SearchRequest(query=query, limit=limit))
    rows = [
        (
            f"{r.score:.2f}",
            r.kind,
            r.memory.id if r.memory else r.document.document_id if r.document else "",
            short(r.memory.content if r.memory else r.document.content if r.document else ""),
        )
        for r in found.results
    ]
    out.table(found, ["score", "kind", "id", "content"], rows, title=f"“{query}”")


@app.command("list")
@handled
def list_memories(
    context: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many to show (pages are followed).")] = 20,
    memory_context: Annotated[str | None, typer.Option("--context")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Your memories, newest first."""
    state = state_of(context)
    out = state.output(as_json)
    with state.client() as client:
        memories = list(
            islice(client.memories.list(context=memory_context, limit=min(limit, 100)), limit)
        )
    rows = [(mem.id, mem.type, mem.context or "", short(mem.content)) for mem in memories]
    out.table(memories, ["id", "type", "context", "content"], rows)


@app.command()
@handled
def forget(
    context: typer.Context,
    memory_id: Annotated[str, typer.Argument(help="The memory's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Delete a memory (its history keeps the deletion)."""
    state = state_of(context)
    with state.client() as client:
        client.memories.delete(memory_id)
    state.output(as_json).result({"deleted": memory_id}, f"forgot {memory_id}")


@app.command()
@handled
def history(
    context: typer.Context,
    memory_id: Annotated[str, typer.Argument(help="The memory's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Why a memory exists: its sources, and every change with who made it."""
    state = state_of(context)
    out = state.output(as_json)
    with state.client() as client:
        found = client.memories.history(memory_id)
    rows = [(str(c.at), c.operation, c.actor, short(c.reason or "", 60)) for c in found.changes]
    out.table(
        found, ["at", "operation", "actor", "reason"], rows, title=short(found.memory.content)
    )
