"""Deploying the content schema on a user's own database, and what each attempt decides.

A registered store waits ``provisioning`` with no schema version. A periodic pass leases one
such store at a time, opens the user's database from its sealed connection string (every
host through the outbound guard again, every wait bounded) and runs
:func:`~muninn_shared.content_schema.deploy`, which records the version in the database's own
``_muninn_schema``. The store stays ``provisioning``: copying the hosted content and switching
the routing are the next steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from muninn_shared.content_schema import (
    SCHEMA_COLLECTION,
    DeployReport,
    IndexConflictError,
    SchemaTooNewError,
    deploy,
    user_database_collections,
)

from muninn_byod.stores.probe import ProbeFailedError, ProbeTarget, probe_session

NOT_PRIMARY = "store-not-primary"


@dataclass(frozen=True)
class Deployed:
    report: DeployReport
    db_stats: dict[str, Any]


class SchemaDeployer(Protocol):
    async def deploy(self, target: ProbeTarget, *, timeout: float, deadline: float) -> Deployed:
        """Deploy on ``target``'s database; raises :class:`ProbeFailedError` when the server
        cannot be used, and deploy's own errors as they are."""
        ...

    async def erase(self, target: ProbeTarget, *, timeout: float, deadline: float) -> list[str]:
        """Drop every collection Muninn made in ``target``'s database (the content schema's
        and ``_muninn_schema``), nothing else of it; the names dropped."""
        ...


class PyMongoSchemaDeployer:
    """Deploys over one direct connection to the server the guard passed, which must be the
    writable primary (no discovery of members it did not check)."""

    async def deploy(self, target: ProbeTarget, *, timeout: float, deadline: float) -> Deployed:
        async with probe_session(target, timeout, deadline) as client:
            hello = await client.admin.command("hello")
            if not hello.get("isWritablePrimary"):
                raise ProbeFailedError(
                    NOT_PRIMARY, "The server is not its replica set's writable primary."
                )
            database = client[target.database]
            report = await deploy(database)
            stats = await database.command("dbStats")
            return Deployed(report=report, db_stats=dict(stats))

    async def erase(self, target: ProbeTarget, *, timeout: float, deadline: float) -> list[str]:
        ours = {spec.stored_as for spec in user_database_collections()} | {SCHEMA_COLLECTION}
        async with probe_session(target, timeout, deadline) as client:
            database = client[target.database]
            present = set(await database.list_collection_names())
            dropped = sorted(ours & present)
            for name in dropped:
                await database.drop_collection(name)
            return dropped


@dataclass(frozen=True)
class RetryPolicy:
    first: timedelta
    longest: timedelta


def retry_after(failures: int, policy: RetryPolicy) -> timedelta:
    """The wait before the next attempt after ``failures`` failed ones in a row: doubled per
    failure from ``first``, never beyond ``longest``."""
    if failures < 1:
        return timedelta(0)
    # Capped exponent: a store failing for months must not overflow the multiplication.
    return min(policy.longest, policy.first * (1 << min(failures - 1, 32)))


def lease_until(now: datetime, deadline: float) -> datetime:
    """How long a claim keeps other replicas away: the deploy's own bound and a margin, so a
    replica that died mid-deploy frees the store soon after."""
    return now + timedelta(seconds=deadline * 2)


def failure_of(exc: Exception) -> tuple[str, str] | None:
    """The code and message an attempt's failure is recorded with (safe to show the owner);
    None for anything else (a bug, or the main database failing), which is logged."""
    if isinstance(exc, ProbeFailedError):
        return exc.code, str(exc)
    if isinstance(exc, SchemaTooNewError):
        return (
            "schema-too-new",
            f"The database records content schema version {exc.recorded}, newer than this "
            f"Muninn's {exc.allowed}; it is left as it is.",
        )
    if isinstance(exc, IndexConflictError):
        names = ", ".join(f"{c.collection}.{c.index}" for c in exc.conflicts)
        return (
            "schema-index-conflict",
            f"Indexes of the database contradict Muninn's of the same name: {names}. Nothing "
            "was changed; drop or rename them to go on.",
        )
    return None


def deployed_notes(report: DeployReport) -> list[str]:
    """What the deploy did, as notes on the store."""
    notes = [
        f"Content schema version {report.version} deployed: "
        f"{len(report.created_collections)} collections and "
        f"{len(report.created_indexes)} indexes created."
    ]
    notes += [f"Not supported by the server, working without: {item}" for item in report.degraded]
    notes.append(
        "Still provisioning: copying your hosted data to this database and switching to it "
        "come next; until then your data stays on Muninn's servers."
    )
    return notes
