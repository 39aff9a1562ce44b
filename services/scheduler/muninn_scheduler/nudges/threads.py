"""E-mail threads with a contact: the last message they sent, and whether the user answered.

The projection keeps one entry per thread, and only the threads most recently active: a
follow-up is about a recent message, so older threads can be forgotten without loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

KEEP_THREADS = 20
MAX_SUBJECT = 200


@dataclass(frozen=True)
class Message:
    record_id: str
    thread_id: str
    direction: str
    at: datetime
    subject: str | None


def message_of(record_id: str, data: dict[str, Any], at: datetime) -> Message | None:
    """The e-mail an interaction record describes, or None when it is not an e-mail."""
    if data.get("kind") != "email" or data.get("direction") not in (
        "inbound",
        "outbound",
        "mutual",
    ):
        return None
    thread = data.get("thread_id")
    subject = data.get("subject")
    return Message(
        record_id=record_id,
        # A message without a thread is its own thread: nothing can be matched as its reply.
        thread_id=thread[:500] if isinstance(thread, str) and thread else f"message:{record_id}",
        direction=str(data["direction"]),
        at=at,
        subject=subject.strip()[:MAX_SUBJECT] if isinstance(subject, str) and subject else None,
    )


def _active(entry: dict[str, Any]) -> datetime:
    moments: list[datetime] = [
        m for m in (entry.get("inbound_at"), entry.get("replied_at")) if m is not None
    ]
    return max(moments)


def track(threads: list[dict[str, Any]], message: Message) -> list[dict[str, Any]]:
    """The threads after ``message``; the latest inbound one is what a follow-up is about."""
    by_id = {t["thread_id"]: dict(t) for t in threads}
    entry = by_id.setdefault(
        message.thread_id,
        {
            "thread_id": message.thread_id,
            "inbound_id": None,
            "inbound_at": None,
            "replied_at": None,
        },
    )
    if message.direction == "inbound":
        if entry["inbound_at"] is None or message.at >= entry["inbound_at"]:
            entry.update(inbound_id=message.record_id, inbound_at=message.at)
            entry["subject"] = message.subject or entry.get("subject")
    elif entry["replied_at"] is None or message.at > entry["replied_at"]:
        entry["replied_at"] = message.at
    return sorted(by_id.values(), key=_active)[-KEEP_THREADS:]


def forget(threads: list[dict[str, Any]], record_id: str) -> list[dict[str, Any]]:
    """The threads once an interaction is deleted: a deleted inbound message needs no reply."""
    kept: list[dict[str, Any]] = []
    for thread in threads:
        if thread.get("inbound_id") == record_id:
            thread = {**thread, "inbound_id": None, "inbound_at": None}
        if thread.get("inbound_at") is not None or thread.get("replied_at") is not None:
            kept.append(thread)
    return kept


def unanswered(
    threads: list[dict[str, Any]], now: datetime, after: timedelta
) -> list[dict[str, Any]]:
    """Threads whose last inbound message has waited ``after`` with no reply, not yet nudged."""
    found = []
    for thread in threads:
        inbound_at = thread.get("inbound_at")
        if inbound_at is None or thread.get("nudged_for") == thread.get("inbound_id"):
            continue
        replied = thread.get("replied_at")
        if replied is not None and replied >= inbound_at:
            continue
        if now - inbound_at >= after:
            found.append(thread)
    return found


def follow_up_source(thread: Mapping[str, Any]) -> dict[str, Any]:
    """What a follow-up about ``thread`` records, to be found again when it is answered."""
    return {
        "thread_id": thread["thread_id"],
        "message_id": thread["inbound_id"],
        "message_at": thread["inbound_at"],
    }


def answers(reply: Message, source: Mapping[str, Any]) -> bool:
    """Whether the user's ``reply`` answers the message a follow-up (``source``) is about:
    one in its thread sent no earlier than that message, as ``unanswered`` counts a reply
    (an older message of the user's synced late answers nothing that came after it)."""
    message_at = source.get("message_at")
    return (
        reply.direction != "inbound"
        and source.get("thread_id") == reply.thread_id
        and message_at is not None
        and reply.at >= message_at
    )
