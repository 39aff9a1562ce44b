"""Typed client of the Muninn API: ``Muninn`` (sync) and ``AsyncMuninn`` (async).

Every operation of the public API is a method of a resource group (``client.memories``,
``client.conversations`` …); the models are generated from the API's OpenAPI document.
"""

from muninn_client._generated import models
from muninn_client._generated.resources import OPERATIONS
from muninn_client._transport import RetryPolicy
from muninn_client.auth import ApiKey, Tokens
from muninn_client.client import AsyncMuninn, Muninn
from muninn_client.errors import (
    APIError,
    BadRequest,
    Conflict,
    Forbidden,
    MuninnError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TransportError,
    Unauthorized,
    ValidationFailed,
)
from muninn_client.pagination import AsyncPaginator, Paginator
from muninn_client.streaming import ChatEvent, Delta, Done, Failed, MessageStarted, Snapshot

__all__ = [
    "OPERATIONS",
    "APIError",
    "ApiKey",
    "AsyncMuninn",
    "AsyncPaginator",
    "BadRequest",
    "ChatEvent",
    "Conflict",
    "Delta",
    "Done",
    "Failed",
    "Forbidden",
    "MessageStarted",
    "Muninn",
    "MuninnError",
    "NotFound",
    "Paginator",
    "PayloadTooLarge",
    "RateLimited",
    "RetryPolicy",
    "ServerError",
    "ServiceUnavailable",
    "Snapshot",
    "Tokens",
    "TransportError",
    "Unauthorized",
    "ValidationFailed",
    "models",
]
