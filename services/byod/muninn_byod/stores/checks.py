"""The decisions about a user's database, each refusal its own problem ``code``.

Pure functions over what the user sent and what the server answered (``hello``,
``buildInfo``, ``connectionStatus``), so every refusal can be tested without a server.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from muninn_shared.outbound.addresses import IPAddress, IPNetwork, allow_listed
from muninn_shared.problems import ProblemError, invalid_field
from pymongo import uri_parser
from pymongo.errors import ConfigurationError, InvalidURI

from muninn_byod.stores.models import Topology

# Transactions on replica sets since 4.0 and on sharded clusters since 4.2; 6.0 is the oldest
# release whose behaviour (validators, change streams, the `hello` command) the schema relies on.
MINIMUM_SERVER_VERSION = (6, 0)

# URI options a user may set. Anything else is refused: some name files on this host
# (tlsCAFile, tlsCertificateKeyFile, tlsCRLFile), some weaken TLS (tlsInsecure,
# tlsAllowInvalid*), some route through a proxy (proxyHost), some sign in with this host's
# own identity (authMechanismProperties for AWS, GCP, Azure, Kerberos).
ALLOWED_OPTIONS = frozenset(
    {
        "appname",
        "authmechanism",
        "authsource",
        "compressors",
        "connecttimeoutms",
        "directconnection",
        "heartbeatfrequencyms",
        "journal",
        "localthresholdms",
        "maxidletimems",
        "maxpoolsize",
        "maxstalenessseconds",
        "minpoolsize",
        "readconcernlevel",
        "readpreference",
        "readpreferencetags",
        "replicaset",
        "retryreads",
        "retrywrites",
        "serverselectiontimeoutms",
        "sockettimeoutms",
        "srvmaxhosts",
        "srvservicename",
        "ssl",
        "timeoutms",
        "tls",
        "uuidrepresentation",
        "w",
        "waitqueuetimeoutms",
        "wtimeoutms",
        "zlibcompressionlevel",
    }
)
# Password mechanisms only: X.509 needs a certificate file on this host, and GSSAPI,
# MONGODB-AWS and MONGODB-OIDC would sign in with this host's own identity.
ALLOWED_AUTH_MECHANISMS = frozenset({"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN", "DEFAULT"})

# A replica set has at most 50 members; a longer list is not a MongoDB answer.
MAX_MEMBERS = 50
MAX_VERSION_CHARS = 64

RESERVED_DATABASES = frozenset({"admin", "local", "config"})
_DATABASE_FORBIDDEN = re.compile(r'[/\\. "$*<>:|?\x00]')
MAX_DATABASE_BYTES = 63

# What the schema deploy, the data copy and the health check do in the user's database.
REQUIRED_ACTIONS = frozenset(
    {
        "find",
        "insert",
        "update",
        "remove",
        "createCollection",
        "createIndex",
        "collMod",
        "listCollections",
        "dbStats",
    }
)
# Built-in roles confined to one database, and what they grant of REQUIRED_ACTIONS; judged
# when a server lists roles but not privileges.
DATA_ROLES = frozenset({"readWrite", "dbOwner"})
SCHEMA_ROLES = frozenset({"dbAdmin", "dbOwner"})

LEAST_PRIVILEGE = "readWrite and dbAdmin on its own database only"


def refused(code: str, detail: str) -> ProblemError:
    return ProblemError(422, detail, code=code)


def invalid_uri(why: str) -> ProblemError:
    return invalid_field(
        f"The MongoDB connection string {why}.",
        loc=("body", "mongo_uri"),
        msg=why,
        code="store-uri-invalid",
    )


@dataclass(frozen=True)
class HostPort:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class StoreUri:
    """A parsed connection string; ``password`` never appears in a repr."""

    srv_host: str | None
    seeds: tuple[HostPort, ...]
    username: str | None
    password: str | None = field(repr=False)
    path_database: str | None
    auth_source: str
    auth_mechanism: str | None
    tls: bool
    replica_set: str | None


def screen_uri(uri: str) -> None:
    """Refuse what must not even reach the parser: a wrong scheme, a socket path as host,
    an option outside ``ALLOWED_OPTIONS`` (the parser itself opens the files some options
    name)."""
    lowered = uri.lower()
    if lowered.startswith("mongodb+srv://"):
        rest = uri[len("mongodb+srv://") :]
    elif lowered.startswith("mongodb://"):
        rest = uri[len("mongodb://") :]
    else:
        raise invalid_uri("must start with mongodb:// or mongodb+srv://")
    if any(c in uri for c in "\r\n\t\x00"):
        raise invalid_uri("holds control characters")
    authority, slash, path = rest.partition("/")
    if not slash and "?" in authority:
        raise invalid_uri("needs a '/' before its options")
    hosts = authority.rpartition("@")[2]
    if any("/" in unquote_plus(h) or h.lower().endswith(".sock") for h in hosts.split(",")):
        raise invalid_uri("names a socket path, not a host")
    options = path.partition("?")[2]
    if not options:
        return
    try:
        names = uri_parser.split_options(options, validate=False, warn=False, normalize=False)
    except (InvalidURI, ConfigurationError, ValueError):
        raise invalid_uri("has malformed options") from None
    for name in names:
        if name.lower() not in ALLOWED_OPTIONS:
            raise refused(
                "store-uri-option-refused",
                f"The connection string option {name!r} is not accepted here.",
            )


async def parse_store_uri(uri: str, *, timeout: float) -> StoreUri:
    """The connection string parsed (an SRV name resolved to its hosts), or a problem."""
    screen_uri(uri)
    try:
        async with asyncio.timeout(timeout):
            parsed = await asyncio.to_thread(
                uri_parser.parse_uri, uri, validate=True, warn=False, connect_timeout=timeout
            )
    except TimeoutError:
        raise refused(
            "store-uri-unresolved", "The SRV name of the connection string did not resolve in time."
        ) from None
    except ConfigurationError as exc:
        if uri.lower().startswith("mongodb+srv://") and "dns" in str(exc).lower():
            raise refused(
                "store-uri-unresolved", "The SRV name of the connection string does not resolve."
            ) from None
        raise invalid_uri(_safe_reason(exc, uri)) from None
    except (InvalidURI, ValueError, TypeError) as exc:
        raise invalid_uri(_safe_reason(exc, uri)) from None
    return store_uri_from(parsed, srv=uri.lower().startswith("mongodb+srv://"), uri=uri)


def store_uri_from(parsed: Mapping[str, Any], *, srv: bool, uri: str) -> StoreUri:
    # Option names as the parser normalised them (replicaSet, authSource): compared lowercase.
    options = {str(name).lower(): value for name, value in (parsed.get("options") or {}).items()}
    if options.get("loadbalanced"):
        raise refused("store-uri-option-refused", "Load-balanced deployments are not supported.")
    mechanism = options.get("authmechanism")
    if mechanism is not None and str(mechanism).upper() not in ALLOWED_AUTH_MECHANISMS:
        raise refused(
            "store-auth-mechanism-refused",
            "Only password sign-in (SCRAM-SHA-256, SCRAM-SHA-1, PLAIN) is accepted.",
        )
    seeds = tuple(HostPort(str(h), int(p)) for h, p in parsed.get("nodelist") or ())
    if not seeds:
        raise invalid_uri("names no host")
    if any("/" in s.host for s in seeds):
        raise invalid_uri("names a socket path, not a host")
    path_database = parsed.get("database") or None
    username = parsed.get("username")
    tls_option = options.get("tls", options.get("ssl"))
    return StoreUri(
        srv_host=_srv_host(uri) if srv else None,
        seeds=seeds,
        username=str(username) if username else None,
        password=parsed.get("password"),
        path_database=path_database,
        auth_source=str(options.get("authsource") or path_database or "admin"),
        auth_mechanism=str(mechanism) if mechanism is not None else None,
        tls=bool(tls_option) if tls_option is not None else srv,
        replica_set=options.get("replicaset"),
    )


def _srv_host(uri: str) -> str:
    authority = uri[len("mongodb+srv://") :].partition("/")[0].partition("?")[0]
    return authority.rpartition("@")[2].lower()


def _safe_reason(exc: Exception, uri: str) -> str:
    """The parser's reason, unless it might quote the credentials."""
    authority = uri.partition("://")[2].partition("/")[0]
    userinfo = authority.rpartition("@")[0]
    reason = str(exc).strip().rstrip(".")
    if not reason or len(reason) > 200 or (userinfo and userinfo in reason) or "@" in reason:
        return "cannot be parsed"
    return f"cannot be parsed ({reason})"


def database_name(requested: str | None, uri: StoreUri) -> str:
    """The database to use: the one asked for, else the URI's; a legal, non-system name."""
    name = requested if requested is not None else uri.path_database
    if not name:
        raise invalid_field(
            "Name the database: in the body or in the connection string's path.",
            loc=("body", "database"),
            msg="required when the connection string has no database",
            code="store-database-required",
        )
    why: str | None = None
    if name.lower() in RESERVED_DATABASES:
        why = f"{name!r} is a system database"
    elif _DATABASE_FORBIDDEN.search(name):
        why = 'may not contain / \\ . space " $ * < > : | ?'
    elif len(name.encode()) > MAX_DATABASE_BYTES:
        why = f"is longer than {MAX_DATABASE_BYTES} bytes"
    if why is not None:
        raise invalid_field(
            f"The database name {why}.",
            loc=("body", "database"),
            msg=why,
            code="store-database-invalid",
        )
    return name


def all_within(addresses: Iterable[IPAddress], networks: Sequence[IPNetwork]) -> bool:
    found = list(addresses)
    return bool(found) and all(allow_listed(a, tuple(networks)) for a in found)


def require_tls(tls: bool, addresses: Iterable[IPAddress], plaintext: Sequence[IPNetwork]) -> None:
    if not tls and not all_within(addresses, plaintext):
        raise refused(
            "store-tls-required",
            "The connection string must use TLS (tls=true, or mongodb+srv://); plain "
            "connections are accepted only on networks the operator allows.",
        )


def topology_of(hello: Mapping[str, Any]) -> Topology:
    """Transactions need a replica set or a sharded cluster (and sessions)."""
    if hello.get("msg") == "isdbgrid":
        topology = Topology.SHARDED
    elif hello.get("setName"):
        topology = Topology.REPLICA_SET
    else:
        raise refused(
            "store-transactions-unavailable",
            "The server is a standalone: Muninn needs transactions, so a replica set (a "
            "single-member one will do) or a sharded cluster.",
        )
    if hello.get("logicalSessionTimeoutMinutes") is None:
        raise refused(
            "store-transactions-unavailable",
            "The server does not support sessions, so it cannot run transactions.",
        )
    return topology


def announced_members(hello: Mapping[str, Any]) -> list[HostPort]:
    """The members a replica set announces: a driver would connect to them too."""
    members: list[HostPort] = []
    for key in ("hosts", "passives", "arbiters"):
        for entry in hello.get(key) or ():
            host, _, port = str(entry).rpartition(":")
            if not host or not port.isdigit():
                raise refused(
                    "store-address-refused",
                    "The server announces a member address that is not valid.",
                )
            member = HostPort(host.strip("[]"), int(port))
            if member not in members:
                members.append(member)
            if len(members) > MAX_MEMBERS:
                raise refused(
                    "store-answers-malformed",
                    f"The server announces more than {MAX_MEMBERS} members.",
                )
    return members


def server_version(build_info: Mapping[str, Any]) -> str:
    version = "".join(c for c in str(build_info.get("version") or "") if c.isprintable())
    version = version[:MAX_VERSION_CHARS]
    parts = build_info.get("versionArray")
    numbers: list[int] = []
    if isinstance(parts, list) and parts:
        numbers = [int(p) for p in parts[:2] if isinstance(p, int)]
    else:
        for piece in version.split(".")[:2]:
            digits = re.match(r"\d+", piece)
            if digits is None:
                break
            numbers.append(int(digits.group()))
    if len(numbers) < 2 or tuple(numbers) < MINIMUM_SERVER_VERSION:
        minimum = ".".join(map(str, MINIMUM_SERVER_VERSION))
        raise refused(
            "store-version-unsupported",
            f"The server runs MongoDB {version or 'of an unknown version'}; "
            f"{minimum} or later is needed.",
        )
    return version


@dataclass(frozen=True)
class AccountVerdict:
    authenticated: bool
    notes: tuple[str, ...] = ()


def judge_account(
    connection_status: Mapping[str, Any],
    database: str,
    *,
    signed_in: bool,
    unauthenticated_allowed: bool,
    can_read_unauthenticated: bool,
) -> AccountVerdict:
    """Accept an account confined to ``database`` that can do there what Muninn does, or an
    unauthenticated development server on a network the operator allows."""
    info: Mapping[str, Any] = connection_status.get("authInfo") or {}
    users = info.get("authenticatedUsers") or []
    if not users:
        if signed_in:
            raise refused(
                "store-credentials-rejected",
                "The server did not accept the user name and password.",
            )
        if not unauthenticated_allowed:
            raise refused(
                "store-authentication-required",
                f"Connect with a database user ({LEAST_PRIVILEGE}); servers that ask for no "
                "credentials are accepted only on development networks the operator allows.",
            )
        if not can_read_unauthenticated:
            raise refused(
                "store-authentication-required",
                f"The server requires a user: add one to the connection string ({LEAST_PRIVILEGE}).",
            )
        return AccountVerdict(
            authenticated=False,
            notes=(
                "unauthenticated: the server asks for no credentials; accepted because it is "
                "on a development network the operator allows",
            ),
        )
    privileges = info.get("authenticatedUserPrivileges") or []
    if privileges:
        _judge_privileges(privileges, database)
        return AccountVerdict(authenticated=True)
    _judge_roles(info.get("authenticatedUserRoles") or [], database)
    return AccountVerdict(
        authenticated=True,
        notes=("privileges judged from the account's roles: the server does not list privileges",),
    )


def too_broad(what: str) -> ProblemError:
    return refused(
        "store-privileges-too-broad",
        f"The account {what}. Use a user limited to this database ({LEAST_PRIVILEGE}).",
    )


def insufficient(missing: Iterable[str]) -> ProblemError:
    return refused(
        "store-privileges-insufficient",
        f"The account cannot {', '.join(sorted(missing))} in its database; give it "
        f"{LEAST_PRIVILEGE}.",
    )


def _judge_privileges(privileges: Sequence[Mapping[str, Any]], database: str) -> None:
    granted: set[str] = set()
    for privilege in privileges:
        resource: Mapping[str, Any] = privilege.get("resource") or {}
        if resource.get("anyResource"):
            raise too_broad("has privileges on any resource")
        if resource.get("cluster"):
            raise too_broad("has cluster-wide privileges")
        target = resource.get("db")
        if target == "":
            raise too_broad("can reach every database")
        if target != database:
            raise too_broad(f"can reach another database ({target!r})")
        if resource.get("collection") == "":
            granted.update(str(a) for a in privilege.get("actions") or ())
    missing = REQUIRED_ACTIONS - granted
    if missing:
        raise insufficient(missing)


def _judge_roles(roles: Sequence[Mapping[str, Any]], database: str) -> None:
    names: set[str] = set()
    for role in roles:
        target = role.get("db")
        if target != database:
            raise too_broad(f"has the role {role.get('role')!r} on {target!r}")
        names.add(str(role.get("role")))
    if not names & DATA_ROLES or not names & SCHEMA_ROLES:
        raise insufficient(["read, write, create collections and set validators"])
