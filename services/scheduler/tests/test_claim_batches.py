"""How due timers are grouped into claim batches."""

from __future__ import annotations

from muninn_scheduler.timers.store import DueRef
from muninn_scheduler.timers.wheel import claim_batches


def refs(*specs: tuple[str, str, str | None]) -> list[DueRef]:
    return [DueRef(id=i, kind=k, ref_id=r) for i, k, r in specs]


def test_one_kind_per_batch_and_size_limits() -> None:
    due = refs(
        ("t1", "reminder", "r1"),
        ("t2", "reminder", "r2"),
        ("t3", "notification.webhook", "n1"),
        ("t4", "reminder", "r3"),
        ("t5", "notification.webhook", "n2"),
    )
    batches = claim_batches(due, {"reminder": 2, "notification.webhook": 1})
    assert sorted(batches) == sorted([["t1", "t2"], ["t4"], ["t3"], ["t5"]])


def test_two_timers_of_one_object_never_share_a_batch() -> None:
    due = refs(("t1", "reminder", "r1"), ("t2", "reminder", "r1"), ("t3", "reminder", "r2"))
    batches = claim_batches(due, {"reminder": 10})
    assert batches == [["t1", "t3"], ["t2"]]


def test_unknown_kinds_are_claimed_alone() -> None:
    assert claim_batches(refs(("t1", "mystery", None), ("t2", "mystery", None)), {}) == [
        ["t1"],
        ["t2"],
    ]
