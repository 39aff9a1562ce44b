"""Follow-up threads and job-change wording, the pure parts of the relationship nudges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from muninn_scheduler.nudges import jobs, threads
from muninn_scheduler.nudges.gate import contact_allows, user_allows
from muninn_scheduler.nudges.models import NudgeSettings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WAIT = timedelta(days=3)


def mail(record_id: str, direction: str, days: float, thread: str = "t1") -> threads.Message:
    found = threads.message_of(
        record_id,
        {"kind": "email", "direction": direction, "thread_id": thread, "subject": " Deposit "},
        START + timedelta(days=days),
    )
    assert found is not None
    return found


def test_only_emails_with_a_direction_are_messages() -> None:
    assert threads.message_of("r", {"kind": "meeting", "direction": "mutual"}, START) is None
    assert threads.message_of("r", {"kind": "email"}, START) is None
    lone = threads.message_of("r", {"kind": "email", "direction": "inbound"}, START)
    assert lone is not None
    assert lone.thread_id == "message:r"


def test_unanswered_after_the_wait_and_cleared_by_a_reply() -> None:
    tracked = threads.track([], mail("in-1", "inbound", 0))
    assert threads.unanswered(tracked, START + timedelta(days=2), WAIT) == []
    (waiting,) = threads.unanswered(tracked, START + timedelta(days=3), WAIT)
    assert waiting["inbound_id"] == "in-1"
    assert waiting["subject"] == "Deposit"
    replied = threads.track(tracked, mail("out-1", "outbound", 1))
    assert threads.unanswered(replied, START + timedelta(days=9), WAIT) == []


def test_a_new_inbound_after_the_reply_waits_again_and_nudged_ones_do_not_repeat() -> None:
    tracked = threads.track([], mail("in-1", "inbound", 0))
    tracked = threads.track(tracked, mail("out-1", "outbound", 1))
    tracked = threads.track(tracked, mail("in-2", "inbound", 2))
    (waiting,) = threads.unanswered(tracked, START + timedelta(days=6), WAIT)
    assert waiting["inbound_id"] == "in-2"
    nudged = [{**t, "nudged_for": t["inbound_id"]} for t in tracked]
    assert threads.unanswered(nudged, START + timedelta(days=7), WAIT) == []
    # An older inbound message arriving late does not replace the newest one.
    late = threads.track(tracked, mail("in-0", "inbound", -1))
    assert late[0]["inbound_id"] == "in-2"


def test_deleting_the_inbound_message_clears_it() -> None:
    tracked = threads.track([], mail("in-1", "inbound", 0))
    assert threads.forget(tracked, "in-1") == []
    assert threads.forget(tracked, "other") == tracked


def test_threads_are_bounded_keeping_the_most_recent() -> None:
    tracked: list[dict[str, Any]] = []
    for n in range(threads.KEEP_THREADS + 5):
        tracked = threads.track(tracked, mail(f"in-{n}", "inbound", n, thread=f"t{n}"))
    assert len(tracked) == threads.KEEP_THREADS
    assert tracked[0]["thread_id"] == "t5"


def test_job_change_wording_and_identity() -> None:
    moved = {"previous_company": "Acme", "company": "Spotify", "title": "Product Designer"}
    title, body = jobs.describe("Ana Silva", moved)
    assert title == "Ana Silva is starting at Spotify"
    assert "as Product Designer (before: Acme)" in body
    assert "congratulations" in body
    promoted = {
        "previous_company": "Acme",
        "previous_title": "VP",
        "company": "Acme",
        "title": "CTO",
    }
    assert jobs.describe("Ana Silva", promoted)[0] == "Ana Silva is now CTO at Acme"
    same_place = {"previous_title": "VP", "company": "Acme", "title": "CTO"}
    assert jobs.describe("Ana Silva", same_place)[0] == "Ana Silva is now CTO at Acme"
    assert jobs.change_key(moved) == jobs.change_key({**moved, "detected_at": "later"})
    assert jobs.change_key(moved) != jobs.change_key(promoted)
    assert jobs.change_key({"previous_company": "Acme"}) is None


def test_gates_per_kind_and_per_contact() -> None:
    prefs = NudgeSettings(follow_ups=False)
    assert not user_allows(prefs, "follow_up", START)
    assert user_allows(prefs, "job_change", START)
    assert not user_allows(NudgeSettings(snoozed_until=START + WAIT), "briefing", START)
    assert contact_allows(None, START)
    assert not contact_allows({"opt_out": True}, START)
    assert not contact_allows({"snoozed_until": START + WAIT}, START)
    assert contact_allows({"snoozed_until": START - WAIT}, START)


def test_a_reply_answers_the_follow_ups_of_its_thread_about_earlier_messages() -> None:
    (thread,) = threads.track([], mail("in-1", "inbound", 0))
    source = threads.follow_up_source(thread)
    assert source == {"thread_id": "t1", "message_id": "in-1", "message_at": START}
    assert threads.answers(mail("out-1", "outbound", 4), source)
    assert threads.answers(mail("call-1", "mutual", 4), source)
    assert threads.answers(mail("out-same", "outbound", 0), source), "as unanswered counts it"
    assert not threads.answers(mail("out-0", "outbound", -1), source), "older, synced late"
    assert not threads.answers(mail("out-2", "outbound", 4, thread="t2"), source)
    assert not threads.answers(mail("in-2", "inbound", 4), source), "they wrote again"
    assert not threads.answers(mail("out-1", "outbound", 4), {"thread_id": "t1"})
