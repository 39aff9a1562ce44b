"""What an audit entry says happened: the action, the kind of resource, and who acted.

The entries themselves live in identity's audit log (``integrations.audit.recorded``).
"""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"
    MERGE = "merge"
    CONNECT = "connect"
    DISCONNECT = "disconnect"


class ResourceType(StrEnum):
    CONTACT = "contact"
    INTERACTION = "interaction"
    INTEGRATION = "integration"
    RELATIONSHIP = "relationship"
    INTEREST = "interest"


class ActorKind(StrEnum):
    USER = "user"  # through the API, as the signed-in user
    SYNC = "sync"  # a change synced from a connected account
    SYSTEM = "system"  # Muninn itself: a conversation mention, a sweep, an expired credential
