"""The delivery bookkeeping every content service keeps beside its content.

A state change and the event announcing it commit in one transaction (the outbox), and an
event's effect commits with the marker saying it was applied (idempotent consumers). A
transaction spans one MongoDB deployment, so for a user whose content lives in their own
database these collections must live there too. Every service has them under the same names
in its own database (``muninn_shared.storage.outbox`` and ``.idempotency``); in a user's
database, which holds every service's collections, each service's are prefixed with the
service (``conversation_outbox``, ``memory_processed_events``…), so no relay publishes
another service's events and no consumer reads another's markers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from muninn_shared.content_schema.specs import (
    CollectionRole,
    CollectionSpec,
    ContentService,
    MainOnlyCollection,
    Tenancy,
    documents,
    index,
)
from muninn_shared.storage.idempotency import PROCESSED
from muninn_shared.storage.outbox import DEAD_LETTERS, LEASES, OUTBOX
from muninn_shared.storage.parking import PARKED
from muninn_shared.storage.routes import ROUTES
from muninn_shared.storage.tombstones import TOMBSTONES

# ``processed_events_retention_days``' default; each service retunes the expiry from its
# setting at start-up, and provisioning leaves a retuned expiry alone.
APPLIED_EVENT_RETENTION = timedelta(days=14)

NULLABLE_USER = {"user_id": {"bsonType": ["string", "null"]}}


def delivery_collections(service: ContentService) -> tuple[CollectionSpec, ...]:
    return tuple(
        replace(spec, stored_as=f"{service.value}_{spec.name}")
        for spec in _delivery_collections(service)
    )


def _delivery_collections(service: ContentService) -> tuple[CollectionSpec, ...]:
    return (
        CollectionSpec(
            name=OUTBOX,
            service=service,
            role=CollectionRole.INFRASTRUCTURE,
            # ``user_id`` is the event's subject, absent for the few events about no user.
            tenancy=Tenancy.NO_USER_DATA,
            holds="Events written with the change they announce, until the relay publishes them.",
            validator=documents(
                tenancy=Tenancy.NO_USER_DATA,
                required=("event_id", "topic", "envelope", "created_at"),
                properties=NULLABLE_USER,
            ),
            indexes=(
                index([("published_at", 1), ("_id", 1)]),
                index("user_id"),
                index("event_id", unique=True),
            ),
        ),
        CollectionSpec(
            name=DEAD_LETTERS,
            service=service,
            role=CollectionRole.INFRASTRUCTURE,
            tenancy=Tenancy.NO_USER_DATA,
            holds="Outbox rows the relay could not publish, with the error, kept for an operator.",
            validator=documents(
                tenancy=Tenancy.NO_USER_DATA,
                required=("event_id", "envelope", "error", "dead_lettered_at"),
                properties=NULLABLE_USER,
            ),
            indexes=(index("user_id"),),
        ),
        CollectionSpec(
            name=LEASES,
            service=service,
            role=CollectionRole.INFRASTRUCTURE,
            tenancy=Tenancy.NO_USER_DATA,
            holds="The lease of the one relay replica publishing this database's outbox.",
            validator=documents(tenancy=Tenancy.NO_USER_DATA, required=("owner", "expires_at")),
        ),
        CollectionSpec(
            name=PROCESSED,
            service=service,
            role=CollectionRole.INFRASTRUCTURE,
            tenancy=Tenancy.NO_USER_DATA,
            holds="Which consumer applied which event, committed with the event's effect.",
            validator=documents(
                tenancy=Tenancy.NO_USER_DATA,
                required=("consumer", "event_id", "applied_at"),
            ),
            indexes=(
                index(
                    "applied_at",
                    expire_after_seconds=int(APPLIED_EVENT_RETENTION.total_seconds()),
                ),
            ),
        ),
    )


def delivery_main_only(service: ContentService) -> tuple[MainOnlyCollection, ...]:
    return (
        MainOnlyCollection(
            TOMBSTONES,
            service,
            "Hashes of erased users, checked before any event is applied: they must outlive "
            "the user's database registration, which the erasure ends.",
        ),
        MainOnlyCollection(
            ROUTES,
            service,
            "Where each BYOD user's content lives: read before any user's database is known.",
        ),
        MainOnlyCollection(
            PARKED,
            service,
            "Events about a user whose own database is down, kept until it answers again.",
        ),
    )
