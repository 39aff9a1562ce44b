"""The gateway's parts, built once in main.py and reached through ``app.state.gateway``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from muninn_gateway.auth.service import Authenticator
from muninn_gateway.openapi.service import OpenApiCatalogue
from muninn_gateway.proxy.service import UpstreamProxy
from muninn_gateway.ratelimit.clients import ClientAddresses
from muninn_gateway.ratelimit.service import RateLimiter
from muninn_gateway.routing.table import PublicRoutes, RouteTable


@dataclass(frozen=True)
class Gateway:
    routes: RouteTable
    public: PublicRoutes
    auth: Authenticator
    limiter: RateLimiter
    clients: ClientAddresses
    proxy: UpstreamProxy
    openapi: OpenApiCatalogue


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway
