"""The provisioning pass's decisions: how long a claim holds, when a failed store is tried
again, and what each failure is recorded as."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from muninn_byod.stores.probe import ProbeFailedError
from muninn_byod.stores.provision import (
    RetryPolicy,
    deployed_notes,
    failure_of,
    lease_until,
    retry_after,
)
from muninn_shared.content_schema import (
    DeployReport,
    IndexConflict,
    IndexConflictError,
    SchemaTooNewError,
)

POLICY = RetryPolicy(first=timedelta(minutes=1), longest=timedelta(hours=1))


def test_the_wait_doubles_per_failure_up_to_the_longest() -> None:
    waits = [retry_after(failures, POLICY) for failures in range(1, 9)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(hours=1)
    assert retry_after(10_000, POLICY) == timedelta(hours=1)


def test_no_failure_means_no_wait() -> None:
    assert retry_after(0, POLICY) == timedelta(0)


def test_a_claim_outlasts_the_deploy_it_covers() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert lease_until(now, 120) > now + timedelta(seconds=120)


def test_each_failure_is_recorded_with_its_own_code() -> None:
    assert failure_of(ProbeFailedError("store-unreachable", "down")) == (
        "store-unreachable",
        "down",
    )
    too_new = failure_of(SchemaTooNewError("notes", 7, 1))
    assert too_new is not None
    assert too_new[0] == "schema-too-new"
    assert "7" in too_new[1]
    conflict = failure_of(IndexConflictError("notes", [IndexConflict("memories", "by_user", ())]))
    assert conflict is not None
    assert conflict[0] == "schema-index-conflict"
    assert "memories.by_user" in conflict[1]


def test_an_unknown_failure_is_not_recorded_as_the_stores() -> None:
    assert failure_of(RuntimeError("bug")) is None


def test_the_notes_say_what_was_deployed_and_what_is_next() -> None:
    report = DeployReport(
        "notes",
        None,
        1,
        created_collections=["a", "b"],
        created_indexes=["a.x"],
        degraded=["a.text: text index refused by the server (no)"],
    )
    notes = deployed_notes(report)
    assert notes[0] == ("Content schema version 1 deployed: 2 collections and 1 indexes created.")
    assert any("a.text" in note for note in notes)
    assert "Still provisioning" in notes[-1]
