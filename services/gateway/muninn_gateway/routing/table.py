"""The route table: which service owns a public path (longest prefix, on whole segments)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from muninn_gateway.routing.replicas import DEFAULT_DOWN_SECONDS, ReplicaSet
from muninn_gateway.settings import ROUTED_ROOTS, GatewaySettings

T = TypeVar("T")

Segments = tuple[str, ...]


def split_path(path: str) -> Segments | None:
    """The segments of a request path, or None when the path must not be routed at all.

    Dot segments are refused rather than normalised: the gateway forwards the path as sent,
    so ``/v1/me/../../internal`` must never reach a service that might resolve it.
    """
    if not path.startswith("/") or "\x00" in path:
        return None
    segments = tuple(path[1:].split("/"))
    if any(segment in (".", "..") for segment in segments):
        return None
    if len(segments) > 1 and segments[-1] == "":
        segments = segments[:-1]
    return segments


def prefix_segments(prefix: str) -> Segments:
    return tuple(prefix.strip("/").split("/"))


class PrefixMap(Generic[T]):
    """Values keyed by path prefix; a lookup returns the value of the longest matching prefix."""

    def __init__(self, entries: Mapping[str, T]) -> None:
        self._entries: dict[Segments, T] = {prefix_segments(p): v for p, v in entries.items()}
        self._longest = max((len(k) for k in self._entries), default=0)

    def lookup(self, segments: Segments) -> T | None:
        found = self.longest_match(segments)
        return found[1] if found is not None else None

    def longest_match(self, segments: Segments) -> tuple[Segments, T] | None:
        """The longest prefix of ``segments`` with a value, and that value."""
        for length in range(min(len(segments), self._longest), 0, -1):
            value = self._entries.get(segments[:length])
            if value is not None:
                return segments[:length], value
        return None


@dataclass(frozen=True)
class Route:
    service: str
    replicas: ReplicaSet
    read_timeout: float
    max_body_bytes: int
    prefix: str = ""
    """The route-table prefix that matched (``/v1/memories``): the request's metrics label."""


class RouteTable:
    def __init__(
        self,
        routes: Mapping[str, str],
        *,
        service_urls: Mapping[str, list[str]],
        default_read_timeout: float,
        read_timeouts: Mapping[str, float],
        default_max_body_bytes: int,
        max_body_bytes: Mapping[str, int],
        replica_down_seconds: float = DEFAULT_DOWN_SECONDS,
    ) -> None:
        self._services = PrefixMap(routes)
        self.replicas = {
            name: ReplicaSet(name, urls, down_seconds=replica_down_seconds)
            for name, urls in service_urls.items()
        }
        self._default_read_timeout = default_read_timeout
        self._read_timeouts = PrefixMap(read_timeouts)
        self._default_max_body = default_max_body_bytes
        self._max_body = PrefixMap(max_body_bytes)
        self.services = sorted(set(routes.values()))

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> RouteTable:
        return cls(
            settings.routes,
            service_urls=settings.upstream_replica_urls(),
            default_read_timeout=settings.upstream_timeout_seconds,
            read_timeouts=settings.route_read_timeouts,
            default_max_body_bytes=settings.max_body_bytes,
            max_body_bytes=settings.route_max_body_bytes,
            replica_down_seconds=settings.upstream_down_seconds,
        )

    def service_for(self, path: str) -> str | None:
        segments = split_path(path)
        if segments is None or segments[0] not in ROUTED_ROOTS:
            return None
        return self._services.lookup(segments)

    def match(self, path: str) -> Route | None:
        segments = split_path(path)
        if segments is None or segments[0] not in ROUTED_ROOTS:
            return None
        found = self._services.longest_match(segments)
        if found is None:
            return None
        prefix, service = found
        return Route(
            prefix="/" + "/".join(prefix),
            service=service,
            replicas=self.replicas[service],
            read_timeout=self._read_timeouts.lookup(segments) or self._default_read_timeout,
            max_body_bytes=self._max_body.lookup(segments) or self._default_max_body,
        )


class PublicRoutes:
    """The few operations anyone may call (sign-up, sign-in, refresh)."""

    def __init__(self, entries: list[str]) -> None:
        self._entries: set[tuple[str, Segments]] = set()
        for entry in entries:
            method, _, path = entry.partition(" ")
            self._entries.add((method.upper(), prefix_segments(path)))

    def is_public(self, method: str, path: str) -> bool:
        segments = split_path(path)
        return segments is not None and (method.upper(), segments) in self._entries
