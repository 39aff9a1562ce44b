"""Which failures mean a dependency is down rather than that an event cannot be applied.

A consumer that dead-letters during a MongoDB failover or a broker restart loses every event
that arrives meanwhile (someone has to re-drive them, and an erasure caught by it never
completes). Such failures say nothing about the event: the consumer waits them out instead.
Only the errors below count; anything else is the handler failing on its input.

Generic socket errors (``OSError``) are deliberately not outages: a handler that calls a
user-supplied address (a webhook, a mailbox) would otherwise stall its whole partition for as
long as that one user's server is down.
"""

from __future__ import annotations

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from muninn_shared.messaging.event_keys import IdentityUnavailableError
from muninn_shared.storage.routes import StoreUnavailableError, WritesPausedError

MONGODB = "mongodb"
KAFKA = "kafka"
IDENTITY = "identity"

# Labels the server or driver attach to errors that succeed when the operation is retried
# (a transaction that met a failover, a commit whose outcome is unknown). Retrying is safe
# for consumers: the applied-event marker commits with the handler's writes.
_RETRYABLE_LABELS = (
    "TransientTransactionError",
    "UnknownTransactionCommitResult",
    "RetryableWriteError",
)

# Server error codes of a node that is stepping down, shutting down or cannot reach its peers.
_UNAVAILABLE_CODES = frozenset(
    {
        6,  # HostUnreachable
        7,  # HostNotFound
        89,  # NetworkTimeout
        91,  # ShutdownInProgress
        189,  # PrimarySteppedDown
        9001,  # SocketException
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)


def unavailable_dependency(exc: BaseException) -> str | None:
    """``"mongodb"``, ``"kafka"`` or ``"identity"`` if ``exc`` (or what caused it) says that one is down.

    Causes are followed because handlers and libraries wrap errors (``raise X from exc``, or
    raising while handling one), and exception groups are searched member by member.
    """
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found = _classify(current)
        if found is not None:
            return found
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)
    return None


def _classify(exc: BaseException) -> str | None:
    if isinstance(exc, StoreUnavailableError):
        return f"user store {exc.store_id}"
    if isinstance(exc, WritesPausedError):
        return "user store switch"
    if isinstance(exc, IdentityUnavailableError):
        return IDENTITY  # no key to seal or open with: the event waits, as for a broker outage
    if isinstance(exc, ConnectionFailure):
        return MONGODB
    if isinstance(exc, PyMongoError) and any(exc.has_error_label(x) for x in _RETRYABLE_LABELS):
        return MONGODB
    if isinstance(exc, OperationFailure) and exc.code in _UNAVAILABLE_CODES:
        return MONGODB
    if isinstance(exc, KafkaConnectionError | KafkaTimeoutError):
        return KAFKA
    if isinstance(exc, KafkaError) and exc.retriable:
        return KAFKA
    return None
