"""GDPR erasure and export, the part every content service does the same way.

Erasure: on ``identity.user.erasure_requested`` a service deletes every document of the user
in its database (plus anything else it registered, such as vectors), drops that user's
unpublished events, records a hashed tombstone and confirms with
``privacy.erasure.completed`` — all in one transaction with the applied-event marker.

Export: ``GET /internal/privacy/export`` returns the caller's documents from this service;
identity gathers every service's part into one archive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bson import Decimal128, ObjectId
from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from muninn_shared.auth import CurrentPrincipal
from muninn_shared.content_schema import (
    SCHEMA_COLLECTION,
    SCHEMAS,
    CollectionRole,
    user_database_collections,
)
from muninn_shared.contracts.privacy import ServiceExport
from muninn_shared.events import EventEnvelope, Topic, new_event
from muninn_shared.events.payloads import ErasureCompleted, ErasureRequested
from muninn_shared.logging import get_logger
from muninn_shared.runtime import ServiceRuntime
from muninn_shared.storage.idempotency import PROCESSED
from muninn_shared.storage.mongo import erase_user_documents, run_transaction
from muninn_shared.storage.outbox import DEAD_LETTERS, LEASES, OUTBOX
from muninn_shared.storage.routed import route_for, serving
from muninn_shared.storage.tombstones import TOMBSTONES

log = get_logger(__name__)

INFRASTRUCTURE_COLLECTIONS = frozenset({OUTBOX, DEAD_LETTERS, LEASES, PROCESSED, TOMBSTONES})
SECRET_FIELD_SUFFIXES = ("_hash", "_ciphertext", "_secret")

ExtraEraser = Callable[[str, AsyncClientSession], Awaitable[dict[str, int]]]
"""Service-specific erasure run first, in the same transaction (cascades, vectors, …)."""


def redacted(value: Any) -> Any:
    """``value`` without any field named like a secret, at any depth: inside lists too, since
    a list of sub-documents (credentials, sources) is as likely to hold one as a sub-document."""
    if isinstance(value, dict):
        return {
            key: redacted(item)
            for key, item in value.items()
            if not (isinstance(key, str) and key.endswith(SECRET_FIELD_SUFFIXES))
        }
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


def _jsonable(doc: dict[str, Any]) -> dict[str, Any]:
    """BSON (ObjectId, datetimes, decimals) to plain JSON values; a Decimal128 (money) as
    its exact decimal string, never a float."""
    converted: dict[str, Any] = jsonable_encoder(
        doc,
        custom_encoder={
            ObjectId: str,
            bytes: lambda b: b.hex(),
            Decimal128: lambda d: str(d.to_decimal()),
        },
    )
    return converted


def _others_in_own_database(runtime: ServiceRuntime, user_id: str) -> frozenset[str]:
    """The collections of a BYOD user's database that are not this service's: every content
    service keeps its collections there, and each exports and erases only its own."""
    routes, placements = runtime.routes, runtime.placements
    if routes is None or placements is None:
        return frozenset()
    route = route_for(routes, user_id)
    if route is None or route.hosted:
        return frozenset()
    own = placements.own_collections()
    infrastructure = {
        spec.stored_as
        for schema in SCHEMAS.values()
        for spec in schema.collections
        if spec.role is CollectionRole.INFRASTRUCTURE
    }
    everything = {spec.stored_as for spec in user_database_collections()}
    return frozenset((everything - own) | infrastructure | {SCHEMA_COLLECTION})


async def export_user_documents(runtime: ServiceRuntime, user_id: str) -> ServiceExport:
    db = await runtime.stores.database_for(user_id)
    collections: dict[str, list[dict[str, Any]]] = {}
    skipped = INFRASTRUCTURE_COLLECTIONS | _others_in_own_database(runtime, user_id)
    for name in sorted(await db.list_collection_names()):
        if name in skipped or name.startswith("system."):
            continue
        docs = [redacted(d) async for d in db[name].find({"user_id": user_id})]
        if docs:
            collections[name] = [_jsonable(d) for d in docs]
    return ServiceExport(service=runtime.settings.service_name, collections=collections)


def install_erasure_consumer(
    runtime: ServiceRuntime, extra_erasers: Sequence[ExtraEraser] = ()
) -> None:
    service = runtime.settings.service_name

    async def erase_all(
        user_id: str,
        db: AsyncDatabase[dict[str, Any]],
        session: AsyncClientSession,
        *,
        on_main: bool = False,
    ) -> dict[str, int]:
        deleted: dict[str, int] = {}
        for eraser in extra_erasers:
            deleted.update(await eraser(user_id, session))
        skipped = INFRASTRUCTURE_COLLECTIONS
        if not on_main:
            skipped |= _others_in_own_database(runtime, user_id)
        for name, count in (
            await erase_user_documents(db, user_id, session=session, skip=skipped)
        ).items():
            deleted[name] = deleted.get(name, 0) + count
        return deleted

    async def sweep_late_writes(user_id: str) -> None:
        """Another consumer committed a write for the user while the erasure ran: remove it."""
        db = await runtime.stores.database_for(user_id)

        async def txn(session: AsyncClientSession) -> dict[str, int]:
            deleted = await erase_all(user_id, db, session)
            await runtime.outbox.discard_pending_for(user_id, session)
            return deleted

        async with runtime.mongo.start_session() as session:
            deleted = await run_transaction(session, txn)
        if any(deleted.values()):
            log.info("late writes of an erased user removed", user_id=user_id, deleted=deleted)

    runtime.consumers.on_late_erasure(sweep_late_writes)

    async def erase_own_database(user_id: str) -> dict[str, int]:
        """A BYOD user's content in their own database, in a transaction there (idempotent:
        should the rest fail, the redelivery erases nothing twice)."""
        route = runtime.routes.route_of(user_id) if runtime.routes is not None else None
        if route is None or route.hosted:
            return {}
        with serving(route):
            db = await runtime.stores.database_for(user_id)

            async def txn(session: AsyncClientSession) -> dict[str, int]:
                deleted = await erase_all(user_id, db, session)
                await runtime.outbox.discard_pending_for(user_id, session)
                return deleted

            async with runtime.mongo.start_session() as session:
                erased: dict[str, int] = await run_transaction(session, txn)
                return erased

    @runtime.consumers.on(
        Topic.IDENTITY_USERS,
        "identity.user.erasure_requested",
        name="privacy-erasure",
        on_main=True,
    )
    async def on_erasure_requested(event: EventEnvelope, session: AsyncClientSession) -> None:
        """Delete everything this service holds for the user, then confirm.

        Runs on main whatever the user's route: their own database is emptied first, then the
        tombstone, the confirmation and the forgotten route commit together on main, so the
        confirmation never waits in the outbox of a database Muninn no longer routes to."""
        request = ErasureRequested.model_validate(event.data)
        if service not in request.services:
            return
        deleted = await erase_own_database(request.user_id)
        for name, count in (
            await erase_all(request.user_id, runtime.main_db, session, on_main=True)
        ).items():
            deleted[name] = deleted.get(name, 0) + count
        await runtime.outbox.discard_pending_for(request.user_id, session)
        await runtime.tombstones.record(request.user_id, session)
        confirmation = ErasureCompleted(
            user_id=request.user_id, erasure_id=request.erasure_id, service=service, deleted=deleted
        )
        await runtime.outbox.put(
            new_event(
                "privacy.erasure.completed",
                source=service,
                subject=request.user_id,
                data=confirmation,
            ),
            session,
        )
        if runtime.routes is not None:
            await runtime.routes.forget(request.user_id, session)
        log.info(
            "user data erased",
            user_id=request.user_id,
            erasure_id=request.erasure_id,
            deleted=deleted,
        )


def privacy_router(runtime: ServiceRuntime) -> APIRouter:
    router = APIRouter(prefix="/internal/privacy", tags=["internal"], include_in_schema=False)

    @router.get("/export", response_model=ServiceExport)
    async def export(principal: CurrentPrincipal) -> ServiceExport:
        return await export_user_documents(runtime, principal.user_id)

    return router
