"""What every route of the byod service takes: the caller and the services that answer them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from muninn_shared.auth import CurrentPrincipal
from muninn_shared.http.services import services_of

from muninn_byod.migrations.service import MigrationService
from muninn_byod.moves.service import MoveService
from muninn_byod.stores.service import StoreService


@dataclass(frozen=True)
class ByodServices:
    stores: StoreService
    moves: MoveService
    migrations: MigrationService


Services = Annotated[ByodServices, Depends(services_of(ByodServices))]


@dataclass(frozen=True)
class Caller:
    """Who calls (the authenticated user) and the services that answer them."""

    user_id: str
    services: ByodServices


async def get_caller(principal: CurrentPrincipal, services: Services) -> Caller:
    return Caller(principal.user_id, services)


CurrentCaller = Annotated[Caller, Depends(get_caller)]
