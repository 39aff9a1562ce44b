"""Settings of the gateway (``MUNINN_*`` environment variables).

Dictionaries and lists are read as JSON, e.g.
``MUNINN_ROUTES='{"/v1/widgets": "memory"}'`` or ``MUNINN_CORS_ALLOWED_ORIGINS='["https://app.example"]'``.
"""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from muninn_shared.settings import CONTENT_SERVICES, DEFAULT_PORTS, ServiceSettings
from pydantic import Field, field_validator, model_validator

MIB = 1024 * 1024
MAX_REPLICAS = 64

API_ROOT = "v1"
MEM0_PREFIX = "/mem0"
"""The one path outside /v1 the gateway routes: mem0's API, whose client fixes its own paths
(``/v1/memories/``…) under the host an app gives it, and so must not share /v1."""
COMPAT_ROOTS = frozenset({MEM0_PREFIX.strip("/")})
ROUTED_ROOTS = frozenset({API_ROOT, *COMPAT_ROOTS})


def is_routed_path(path: str) -> bool:
    """Whether ``path`` lies where the route table may send requests (/v1, /mem0)."""
    return path.strip("/").split("/")[0] in ROUTED_ROOTS


DEFAULT_ROUTES: dict[str, str] = {
    "/v1/auth": "identity",
    "/v1/me": "identity",
    "/v1/conversations": "conversation",
    "/v1/advisors": "conversation",
    "/v1/advisor-board": "conversation",
    "/v1/team-templates": "conversation",
    "/v1/projects": "conversation",
    "/v1/notes": "conversation",
    "/v1/tags": "conversation",
    "/v1/bookmarks": "conversation",
    "/v1/snippets": "conversation",
    "/v1/usage": "conversation",
    "/v1/chat/completions": "conversation",
    "/v1/models": "conversation",
    "/v1/memories": "memory",
    "/v1/entities": "memory",
    "/v1/summaries": "memory",
    "/v1/documents": "memory",
    "/v1/interests": "memory",
    "/v1/reminders": "scheduler",
    "/v1/tasks": "scheduler",
    "/v1/experiences": "scheduler",
    "/v1/notifications": "scheduler",
    "/v1/providers": "scheduler",
    "/v1/expenses": "scheduler",
    "/v1/lists": "scheduler",
    # Learned from what the scheduler sees you do; the rest of /v1/me is identity's.
    "/v1/me/patterns": "scheduler",
    "/v1/integrations": "integrations",
    "/v1/contacts": "integrations",
    "/v1/interactions": "integrations",
    "/v1/people": "integrations",
    "/v1/people/search": "memory",
    "/v1/calendar": "integrations",
    "/v1/mail": "integrations",
    "/v1/byod": "byod",
    # The operator's routes: each service answers for what it owns.
    "/v1/admin/users": "identity",
    "/v1/admin/index": "memory",
    # mem0's hosted API, for apps that switch by changing the host (see README).
    MEM0_PREFIX: "memory",
}

DEFAULT_PUBLIC_ROUTES = [
    "POST /v1/auth/register",
    "POST /v1/auth/login",
    "POST /v1/auth/refresh",
]


def _base_url(url: str) -> str:
    """An upstream base URL as the proxy joins paths onto it: http(s), a host, no query."""
    cleaned = url.strip().rstrip("/")
    parsed = urlsplit(cleaned)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError(f"upstream URL {url!r} must be http(s)://host[:port][/path]")
    if parsed.query or parsed.fragment or parsed.username or parsed.password:
        raise ValueError(f"upstream URL {url!r} must carry no query, fragment or credentials")
    return cleaned


def _normalise_prefix(prefix: str) -> str:
    cleaned = "/" + prefix.strip().strip("/")
    segments = cleaned.split("/")[1:]
    if segments[0] not in ROUTED_ROOTS:
        raise ValueError(f"route prefix {prefix!r} must lie under /v1 (or be {MEM0_PREFIX})")
    if any(s in ("", ".", "..") for s in segments):
        raise ValueError(f"route prefix {prefix!r} has an empty or dot segment")
    return cleaned


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    port: int = DEFAULT_PORTS["gateway"]

    routes: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_ROUTES),
        description="Path prefix (whole segments, under /v1 or /mem0) -> upstream service; longest prefix "
        "wins. Setting it replaces the whole default table.",
    )
    public_routes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PUBLIC_ROUTES),
        description="'METHOD /path' pairs that need no credential (they get the stricter per-IP limit).",
    )
    api_key_prefix: str = Field(
        default="mk_", description="How identity's API keys begin; tells them apart from JWTs."
    )

    connect_timeout_seconds: float = Field(default=2.0, gt=0)
    route_read_timeouts: dict[str, float] = Field(
        default_factory=lambda: {
            "/v1/chat/completions": 300.0,
            "/v1/conversations": 300.0,
            # A write with wait=true is answered when its job is done: up to memory's
            # MUNINN_INGESTION_WAIT_TIMEOUT_SECONDS (30 s by default).
            "/v1/memories": 40.0,
            # Parsing and embedding a large PDF happens before the upload is answered.
            "/v1/documents": 120.0,
            # Connecting an account waits for its server (discovery, a first listing): up to
            # the integrations service's connect check, 120 s at the most.
            "/v1/integrations": 130.0,
            # A calendar write waits for the user's server, twice the connector timeout.
            "/v1/calendar": 90.0,
            # Registering a user's own database checks its servers first: up to byod's
            # registration deadline, 110 s at the most.
            "/v1/byod": 120.0,
            # mem0's add answers once its memories are stored, or PENDING after memory's
            # MUNINN_MEM0_ADD_WAIT_SECONDS (10 s, 60 s at the most).
            MEM0_PREFIX: 65.0,
        },
        description="Per-prefix wait for response headers and between body chunks; "
        "other routes use upstream_timeout_seconds.",
    )
    stream_idle_timeout_seconds: float = Field(
        default=300.0,
        gt=0,
        description="Longest silence tolerated inside a text/event-stream response.",
    )
    retry_after_seconds: int = Field(default=5, ge=1)
    upstream_replicas: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Several base URLs for a service, e.g. "
        '{"memory": ["http://memory-1:8083", "http://memory-2:8083"]}: requests go round robin '
        "and one whose connection is refused is tried on the next replica. Replaces "
        "MUNINN_<SERVICE>_URL for that service's routes (its first URL serves the gateway's own "
        "calls); for Compose or bare metal without a load balancer in front of the replicas.",
    )
    upstream_down_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a replica that refused a connection is tried only after the others.",
    )
    max_upstream_connections: int = Field(default=512, ge=1)

    max_body_bytes: int = Field(default=MIB, ge=0)
    route_max_body_bytes: dict[str, int] = Field(
        default_factory=lambda: {"/v1/documents": 25 * MIB},
        description="Per-prefix request body limits for routes that take uploads.",
    )

    api_key_cache_ttl_seconds: float = Field(
        default=120.0,
        ge=0,
        description="How long an exchanged API key stays cached (also bounds revocation delay); "
        "never more than half the exchanged token's lifetime.",
    )
    api_key_cache_size: int = Field(default=10_000, ge=1)
    api_key_exchange_timeout_seconds: float = Field(default=3.0, gt=0)

    rate_limit_enabled: bool = Field(default=True)
    rate_limit_store: Literal["memory", "mongodb"] = Field(
        default="memory",
        description="memory: token buckets in each gateway process (N replicas allow N times "
        "the rate); mongodb: fixed windows shared by every replica (MUNINN_MONGO_URI).",
    )
    rate_limit_store_timeout_ms: int = Field(default=500, ge=50)
    rate_limit_store_cooldown_seconds: float = Field(
        default=10.0,
        gt=0,
        description="After the shared store fails, limits are kept in this process this long.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="CIDRs of proxies whose X-Forwarded-For is believed (the right-most "
        "address outside them is the client); empty: the connection's peer is the client.",
    )
    login_backoff_base_seconds: float = Field(default=1.0, gt=0)
    login_backoff_cap_seconds: float = Field(
        default=60.0, gt=0, description="Longest wait between sign-in attempts for one account."
    )
    login_backoff_forget_seconds: float = Field(
        default=3600.0, gt=0, description="Failed sign-ins are forgotten after this long."
    )
    rate_limit_user_per_minute: float = Field(default=600.0, gt=0)
    rate_limit_user_burst: int = Field(default=120, ge=1)
    rate_limit_ip_per_minute: float = Field(default=1200.0, gt=0)
    rate_limit_ip_burst: int = Field(default=240, ge=1)
    rate_limit_public_per_minute: float = Field(
        default=10.0, gt=0, description="Per IP, on the public auth routes (slows brute force)."
    )
    rate_limit_public_burst: int = Field(default=10, ge=1)
    rate_limit_max_tracked_keys: int = Field(default=100_000, ge=100)

    cors_allowed_origins: list[str] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    cors_max_age_seconds: int = Field(default=600, ge=0)

    readiness_timeout_seconds: float = Field(default=1.5, gt=0)
    readiness_upstreams: list[str] | None = Field(
        default=None,
        description="Services whose /readyz gate the gateway's; default every routed service.",
    )

    # The MCP server at /mcp and the OAuth endpoints in front of identity.
    mcp_enabled: bool = Field(default=True, description="Serve the MCP server at /mcp.")
    mcp_tool_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest wait for the service behind one tool call."
    )
    mcp_integrations_check_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long the answer to 'is the integrations service up?' is kept; the "
        "contact and calendar tools are listed only while it is.",
    )
    mcp_max_body_bytes: int = Field(default=MIB, ge=1024)

    openapi_cache_ttl_seconds: float = Field(default=60.0, ge=0)
    openapi_fetch_timeout_seconds: float = Field(default=3.0, gt=0)

    # Token revocations (identity.session.revoked), read from Kafka by every replica.
    revocation_feed_enabled: bool = Field(
        default=True,
        description="Off only for tests without a broker: revoked tokens then work until expiry.",
    )
    revocation_cache_size: int = Field(default=200_000, ge=1000)
    revocation_catch_up_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Start-up fails when the recent revocations cannot be read."
    )
    revocation_clock_skew_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Kept beyond the access-token lifetime, for clocks that disagree.",
    )

    @property
    def revocation_lifetime_seconds(self) -> float:
        return self.access_token_ttl_seconds + self.revocation_clock_skew_seconds

    @field_validator("routes")
    @classmethod
    def _check_routes(cls, routes: dict[str, str]) -> dict[str, str]:
        checked: dict[str, str] = {}
        for prefix, service in routes.items():
            if service not in CONTENT_SERVICES:
                raise ValueError(f"route {prefix!r} names unknown service {service!r}")
            checked[_normalise_prefix(prefix)] = service
        return checked

    @field_validator("route_read_timeouts", "route_max_body_bytes")
    @classmethod
    def _check_overrides(cls, overrides: dict[str, float]) -> dict[str, float]:
        for value in overrides.values():
            if value <= 0:
                raise ValueError("per-route overrides must be positive")
        return {_normalise_prefix(prefix): value for prefix, value in overrides.items()}

    @field_validator("public_routes")
    @classmethod
    def _check_public(cls, routes: list[str]) -> list[str]:
        checked = []
        for entry in routes:
            method, _, path = entry.strip().partition(" ")
            if not method or not path.strip():
                raise ValueError(f"public route {entry!r} must read 'METHOD /path'")
            checked.append(f"{method.upper()} {_normalise_prefix(path)}")
        return checked

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, cidrs: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(cidr.strip(), strict=False)) for cidr in cidrs]

    @field_validator("readiness_upstreams")
    @classmethod
    def _check_readiness(cls, services: list[str] | None) -> list[str] | None:
        for service in services or []:
            if service not in CONTENT_SERVICES:
                raise ValueError(f"unknown service {service!r}")
        return services

    @field_validator("upstream_replicas")
    @classmethod
    def _check_replicas(cls, replicas: dict[str, list[str]]) -> dict[str, list[str]]:
        checked: dict[str, list[str]] = {}
        for service, urls in replicas.items():
            if service not in CONTENT_SERVICES:
                raise ValueError(f"upstream_replicas names unknown service {service!r}")
            if not 1 <= len(urls) <= MAX_REPLICAS:
                raise ValueError(f"{service} needs between 1 and {MAX_REPLICAS} replica URLs")
            cleaned = [_base_url(url) for url in urls]
            if len(set(cleaned)) != len(cleaned):
                raise ValueError(f"{service} lists a replica URL twice")
            checked[service] = cleaned
        return checked

    @model_validator(mode="after")
    def _api_key_prefix_given(self) -> GatewaySettings:
        if not self.api_key_prefix:
            raise ValueError("api_key_prefix must not be empty")
        return self

    def upstream_urls(self) -> dict[str, str]:
        """The one base URL of every service the gateway calls itself (API-key exchange,
        OpenAPI documents): a service's first replica when it has several."""
        return {name: urls[0] for name, urls in self.upstream_replica_urls().items()}

    def upstream_replica_urls(self) -> dict[str, list[str]]:
        """Every base URL of every service the route table (or API-key exchange) talks to."""
        names = {*self.routes.values(), "identity"}
        return {
            name: self.upstream_replicas.get(name) or [self.service_url(name)]
            for name in sorted(names)
        }
