"""One guard for every call to a user-supplied URL (webhooks, calendars, mailboxes, feeds,
user-owned databases): public internet only unless the operator allow-lists a network."""

from muninn_shared.outbound.guard import (
    NOT_HTTPS,
    NOT_PUBLIC,
    OutboundGuard,
    OutboundPolicy,
    OutboundRefusedError,
    Resolver,
    system_resolver,
)
from muninn_shared.outbound.settings import OutboundSettings
from muninn_shared.outbound.transport import GuardedTransport, guarded_client

__all__ = [
    "NOT_HTTPS",
    "NOT_PUBLIC",
    "GuardedTransport",
    "OutboundGuard",
    "OutboundPolicy",
    "OutboundRefusedError",
    "OutboundSettings",
    "Resolver",
    "guarded_client",
    "system_resolver",
]
