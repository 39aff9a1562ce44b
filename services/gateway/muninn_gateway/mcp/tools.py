"""The MCP tools: each one a described, typed request to a service's existing endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from muninn_gateway.auth.models import Caller
from muninn_gateway.mcp import arguments as a
from muninn_gateway.mcp.upstream import Answer, Upstream, segment


@dataclass(frozen=True)
class ToolCall:
    caller: Caller
    upstream: Upstream
    request_id: str
    client_address: str

    async def send(self, method: str, path: str, **options: Any) -> Answer:
        return await self.upstream.call(
            self.caller,
            method,
            path,
            request_id=self.request_id,
            client_address=self.client_address,
            **options,
        )


Run = Callable[[ToolCall, Any], Awaitable[Answer]]


@dataclass(frozen=True)
class Tool:
    name: str
    title: str
    description: str
    arguments: type[BaseModel]
    scope: Literal["read", "write"]
    run: Run
    needs_integrations: bool = False
    destructive: bool = False
    idempotent: bool = False


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()


async def _remember(call: ToolCall, args: a.Remember) -> Answer:
    body: dict[str, Any] = {"tags": args.tags, "wait": True}
    if args.context is not None:
        body["context"] = args.context
    if args.text is not None:
        body["content"] = args.text
    else:
        body["messages"] = [
            m.model_dump(mode="json", exclude_none=True) for m in args.messages or []
        ]
        body["infer"] = True
    return await call.send("POST", "/v1/memories", body=body)


async def _recall(call: ToolCall, args: a.Recall) -> Answer:
    filters: dict[str, Any] = {"types": args.types, "entities": args.entities}
    if args.context is not None:
        filters["context"] = args.context
    if args.after is not None or args.before is not None:
        filters["time"] = {"after": _iso(args.after), "before": _iso(args.before)}
    body = {
        "query": args.query,
        "limit": args.limit,
        "token_budget": args.token_budget,
        "filters": filters,
        "sources": ["memories", "documents"] if args.include_documents else ["memories"],
    }
    answer = await call.send("POST", "/v1/memories/search", body=body)
    if not answer.ok or not isinstance(answer.body, dict):
        return answer
    hits = answer.body.get("results", [])
    return Answer(
        answer.status,
        {
            "results": [_found(hit) for hit in hits if isinstance(hit, dict)],
            "token_count": answer.body.get("token_count"),
        },
    )


def _found(hit: dict[str, Any]) -> dict[str, Any]:
    """What a model needs of a search hit: the text, what it is about, when, how sure.

    Provenance, score components and bookkeeping fields stay with memory_history: they would
    take most of the token budget and tell the model nothing it can use to answer.
    """
    if hit.get("kind") == "document":
        return {"kind": "document", "score": hit.get("score"), **(hit.get("document") or {})}
    memory = hit.get("memory") or {}
    return {
        "kind": "memory",
        "id": memory.get("id"),
        "content": memory.get("content"),
        "type": memory.get("type"),
        "context": memory.get("context"),
        "occurred_at": memory.get("occurred_at"),
        "entities": [e.get("name") for e in memory.get("entities", []) if isinstance(e, dict)],
        "tags": memory.get("tags", []),
        "source": (hit.get("provenance") or {}).get("source"),
        "score": hit.get("score"),
    }


async def _list_memories(call: ToolCall, args: a.ListMemories) -> Answer:
    query = {
        "type": args.types,
        "context": args.context,
        "tag": args.tag,
        "after": _iso(args.after),
        "before": _iso(args.before),
        "limit": args.limit,
        "cursor": args.cursor,
    }
    return await call.send("GET", "/v1/memories", query=query)


async def _forget_memory(call: ToolCall, args: a.MemoryRef) -> Answer:
    answer = await call.send("DELETE", f"/v1/memories/{segment(args.memory_id)}")
    if answer.ok:
        return Answer(answer.status, {"forgotten": args.memory_id})
    return answer


async def _memory_history(call: ToolCall, args: a.MemoryRef) -> Answer:
    return await call.send("GET", f"/v1/memories/{segment(args.memory_id)}/history")


async def _create_reminder(call: ToolCall, args: a.CreateReminder) -> Answer:
    body = args.model_dump(mode="json", exclude_none=True)
    return await call.send("POST", "/v1/reminders", body=body)


async def _list_reminders(call: ToolCall, args: a.ListReminders) -> Answer:
    return await call.send("GET", "/v1/reminders", query=args.model_dump(mode="json"))


async def _complete_reminder(call: ToolCall, args: a.ReminderRef) -> Answer:
    return await call.send("POST", f"/v1/reminders/{segment(args.reminder_id)}/complete")


async def _create_task(call: ToolCall, args: a.CreateTask) -> Answer:
    body = args.model_dump(mode="json", exclude_none=True)
    return await call.send("POST", "/v1/tasks", body=body)


async def _list_tasks(call: ToolCall, args: a.ListTasks) -> Answer:
    return await call.send("GET", "/v1/tasks", query=args.model_dump(mode="json"))


async def _complete_task(call: ToolCall, args: a.TaskRef) -> Answer:
    return await call.send("POST", f"/v1/tasks/{segment(args.task_id)}/complete")


PROFILE_PARTS = "interactions,interests,relationships,memories"


async def _lookup_contact(call: ToolCall, args: a.LookupContact) -> Answer:
    found = await call.send("GET", "/v1/contacts", query={"q": args.name, "limit": args.limit})
    if not found.ok or not isinstance(found.body, dict):
        return found
    ids = [item["id"] for item in found.body.get("items", []) if isinstance(item, dict)]
    profiles = await asyncio.gather(
        *(
            call.send("GET", f"/v1/contacts/{segment(str(i))}", query={"include": PROFILE_PARTS})
            for i in ids
        )
    )
    return Answer(200, {"contacts": [p.body for p in profiles if p.ok]})


async def _list_events(call: ToolCall, args: a.ListEvents) -> Answer:
    query = {"start": _iso(args.start), "end": _iso(args.end)}
    return await call.send("GET", "/v1/calendar/events", query=query)


TOOLS: tuple[Tool, ...] = (
    Tool(
        "remember",
        "Remember",
        "Store something about the user in their long-term memory: one fact as `text`, or "
        "recent conversation `messages` to learn facts from (corrections replace what was "
        "known). Answers with the memories that were added or changed. Use it when the user "
        "shares something lasting about themselves, their people, plans or preferences.",
        a.Remember,
        "write",
        _remember,
    ),
    Tool(
        "recall",
        "Recall memories",
        "Search the user's memories by meaning and keywords, newest facts preferred, within a "
        "token budget. Use it before answering anything that depends on what the user told you "
        "before (people, places, preferences, past events). Each result has the memory's id, "
        "text, type, when it happened, who or what it is about, and its score; memory_history "
        "tells where one came from.",
        a.Recall,
        "read",
        _recall,
        idempotent=True,
    ),
    Tool(
        "list_memories",
        "List memories",
        "List the user's memories newest first, optionally filtered; pages with next_cursor. "
        "Prefer recall to find something specific.",
        a.ListMemories,
        "read",
        _list_memories,
        idempotent=True,
    ),
    Tool(
        "forget_memory",
        "Forget a memory",
        "Delete one memory by id (from recall or list_memories) when the user asks you to "
        "forget it or it is wrong. Cannot be undone from here.",
        a.MemoryRef,
        "write",
        _forget_memory,
        destructive=True,
        idempotent=True,
    ),
    Tool(
        "memory_history",
        "Memory history",
        "Why a memory exists: the messages it came from, how it was extracted, and every "
        "version and change with its time.",
        a.MemoryRef,
        "read",
        _memory_history,
        idempotent=True,
    ),
    Tool(
        "create_reminder",
        "Create a reminder",
        "Remind the user of something at a time: `local_time` in their own time zone (what "
        "they usually mean) or an exact `due_at`, optionally repeating with an RRULE. Quiet "
        "hours are respected when it is delivered.",
        a.CreateReminder,
        "write",
        _create_reminder,
    ),
    Tool(
        "list_reminders",
        "List reminders",
        "The user's reminders, newest first, with their next times.",
        a.ListReminders,
        "read",
        _list_reminders,
        idempotent=True,
    ),
    Tool(
        "complete_reminder",
        "Complete a reminder",
        "Mark a reminder done (a repeating one stops repeating).",
        a.ReminderRef,
        "write",
        _complete_reminder,
        idempotent=True,
    ),
    Tool(
        "create_task",
        "Create a task",
        "Add a to-do for the user, with an optional deadline, planned time, priority and estimate.",
        a.CreateTask,
        "write",
        _create_task,
    ),
    Tool(
        "list_tasks",
        "List tasks",
        "The user's tasks, newest first, filtered by status, context, priority or deadline.",
        a.ListTasks,
        "read",
        _list_tasks,
        idempotent=True,
    ),
    Tool(
        "complete_task",
        "Complete a task",
        "Mark a task done; a repeating task gets its next occurrence.",
        a.TaskRef,
        "write",
        _complete_task,
        idempotent=True,
    ),
    Tool(
        "lookup_contact",
        "Look up a contact",
        "Find people in the user's address book by the start of a name or e-mail address, "
        "with what is known about each: recent interactions, interests, relationships and "
        "memories about them.",
        a.LookupContact,
        "read",
        _lookup_contact,
        needs_integrations=True,
        idempotent=True,
    ),
    Tool(
        "list_calendar_events",
        "List calendar events",
        "The user's calendar events between two moments, recurring ones expanded, by start time.",
        a.ListEvents,
        "read",
        _list_events,
        needs_integrations=True,
        idempotent=True,
    ),
)
