"""Settings of the outbound guard, mixed into the settings of every service that calls
user-supplied URLs."""

from __future__ import annotations

from pydantic import Field, IPvAnyNetwork

from muninn_shared.outbound.guard import OutboundGuard, OutboundPolicy
from muninn_shared.settings import ServiceSettings


class OutboundSettings(ServiceSettings):
    outbound_allow_cidrs: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Private networks user-supplied URLs may reach (JSON list of CIDRs), "
        'e.g. ["192.168.1.0/24"] for a Nextcloud on the LAN.',
    )
    outbound_require_https: bool | None = Field(
        default=None, description="Refuse plain http; unset = only when environment is prod."
    )

    def outbound_policy(self) -> OutboundPolicy:
        require_https = self.outbound_require_https
        if require_https is None:
            require_https = self.environment == "prod"
        return OutboundPolicy(
            allow_cidrs=tuple(self.outbound_allow_cidrs), require_https=require_https
        )

    def outbound_guard(self) -> OutboundGuard:
        return OutboundGuard(self.outbound_policy())
