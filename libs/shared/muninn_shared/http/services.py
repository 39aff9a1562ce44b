"""The dependency every service's routes take to reach its feature services.

Each service's main.py builds one frozen container of its feature services and puts it on
``app.state.services``; its deps.py names the container's type once with ``services_of``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request

T = TypeVar("T")


def services_of(container: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A FastAPI dependency giving the app's ``container`` (typed, for the routes' sake)."""

    async def get_services(request: Request) -> T:
        services: T = request.app.state.services
        return services

    return get_services
