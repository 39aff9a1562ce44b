"""The content schema: every content collection's validator and indexes, in one place.

A BYOD user registers one database of their own (``muninn_byod``'s stores). It holds every
content service's collections under the names they have in each service's own database on
the main MongoDB — those names are unique across services — except the delivery bookkeeping
every service has under the same names (outbox, applied-event markers), which is prefixed
with its service there (:mod:`~muninn_shared.content_schema.infrastructure`): it must live
beside the content, since a state change and its event commit in one transaction. What stays
on the main stores is listed per service as ``main_only`` with the reason.
``docs/byod-schema.md`` maps this onto the seed's tables.
"""

from muninn_shared.content_schema.catalogue import SCHEMAS, user_database_collections
from muninn_shared.content_schema.deploy import (
    SCHEMA_COLLECTION,
    DeployReport,
    IndexConflict,
    IndexConflictError,
    SchemaTooNewError,
    deploy,
    recorded_version,
)
from muninn_shared.content_schema.migrations import (
    MIGRATIONS,
    Migration,
    MigrationLeaseLostError,
    MigrationReport,
    Outcome,
    Progress,
    RenameField,
    RewriteDocuments,
    Step,
    migrate,
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
    "MIGRATIONS",
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
    "Migration",
    "MigrationLeaseLostError",
    "MigrationReport",
    "Outcome",
    "Progress",
    "RenameField",
    "RewriteDocuments",
    "SchemaTooNewError",
    "ServiceSchema",
    "Step",
    "Tenancy",
    "deploy",
    "migrate",
    "recorded_version",
    "user_database_collections",
]
