"""The content schema: every content collection's validator and indexes, in one place.

A BYOD user's MongoDB holds one database per content service, named as on the main MongoDB
(``muninn_conversation``, ``muninn_memory``, ``muninn_scheduler``, ``muninn_integrations``)
and holding the same collections under the same names, so a service reaches a user's data
through its store router whichever MongoDB holds it, and each service's export and erasure
(every collection of its database) stay right. Each database also holds the service's
outbox and applied-event markers, which must commit with the content
(:mod:`~muninn_shared.content_schema.infrastructure`); what stays on the main stores is
listed per service as ``main_only`` with the reason. ``docs/byod-schema.md`` maps this onto
the seed's tables.
"""

from muninn_shared.content_schema.catalogue import SCHEMAS, database_name
from muninn_shared.content_schema.deploy import (
    SCHEMA_COLLECTION,
    DeployReport,
    IndexConflict,
    IndexConflictError,
    SchemaTooNewError,
    deploy,
    recorded_version,
)
from muninn_shared.content_schema.specs import (
    CollectionRole,
    CollectionSpec,
    ContentService,
    IndexSpec,
    MainOnlyCollection,
    ServiceSchema,
    Tenancy,
)
from muninn_shared.content_schema.version import CHANGELOG, SCHEMA_VERSION

__all__ = [
    "CHANGELOG",
    "SCHEMAS",
    "SCHEMA_COLLECTION",
    "SCHEMA_VERSION",
    "CollectionRole",
    "CollectionSpec",
    "ContentService",
    "DeployReport",
    "IndexConflict",
    "IndexConflictError",
    "IndexSpec",
    "MainOnlyCollection",
    "SchemaTooNewError",
    "ServiceSchema",
    "Tenancy",
    "database_name",
    "deploy",
    "recorded_version",
]
