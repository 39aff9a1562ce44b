"""Register a user's own database, show it, forget it, and watch its health.

Registration checks everything before it writes anything: the connection string, every
address it leads to (outbound guard, TLS), the server (reachable, version, transactions),
the account (signed in, confined to its own database) and the optional Qdrant. Only then are
the credentials sealed in the vault and the record written, ``provisioning``, in one
transaction. The schema deploy, the data copy and the routing switch are later steps.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from muninn_shared.logging import get_logger
from muninn_shared.outbound import OutboundGuard, OutboundRefusedError
from muninn_shared.outbound.addresses import IPAddress, IPNetwork
from muninn_shared.problems import ProblemError, invalid_field, not_found
from muninn_shared.storage.mongo import in_transaction
from muninn_shared.storage.routes import OwnDatabase
from muninn_shared.vault.envelope import SealBrokenError
from muninn_shared.vault.models import VaultSecret
from muninn_shared.vault.service import UnknownKeyError, Vault
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from muninn_byod.stores.checks import (
    AccountVerdict,
    HostPort,
    StoreUri,
    all_within,
    announced_members,
    database_name,
    judge_account,
    parse_store_uri,
    refused,
    require_tls,
    server_version,
    topology_of,
)
from muninn_byod.stores.models import (
    FORGETTABLE,
    MOVABLE_BACK,
    Store,
    StoreRegistration,
    StoreStatus,
    Topology,
)
from muninn_byod.stores.probe import (
    Measurement,
    MongoProbe,
    ProbeFailedError,
    ProbeTarget,
    QdrantProbe,
    ServerAnswers,
)
from muninn_byod.stores.provision import (
    NOT_PRIMARY,
    Deployed,
    RetryPolicy,
    SchemaDeployer,
    deployed_notes,
    failure_of,
    lease_until,
    retry_after,
)
from muninn_byod.stores.store import StoreRecordStore

log = get_logger(__name__)

MONGO_URI_FIELD = "mongo_uri"
QDRANT_KEY_FIELD = "qdrant_api_key"


class OwnDatabaseUnreachableError(ConnectionFailure):
    """The user's database could not be emptied now; an outage, so the erasure waits."""


@dataclass(frozen=True)
class StorePolicy:
    check_timeout: float
    register_deadline: float
    plaintext_networks: tuple[IPNetwork, ...]
    unauthenticated_networks: tuple[IPNetwork, ...]
    health_interval: timedelta
    health_timeout: float
    health_batch: int
    provision_timeout: float
    provision_batch: int
    provision_retry: RetryPolicy


@dataclass(frozen=True)
class CheckedServer:
    """What registration learnt of the user's MongoDB."""

    answers: ServerAnswers
    addresses: tuple[IPAddress, ...]


@dataclass(frozen=True)
class RegistrationChecks:
    """What registration found, once every check passed."""

    uri: StoreUri
    database: str
    topology: Topology
    version: str
    verdict: AccountVerdict
    qdrant_host: str | None


class StoreService:
    def __init__(
        self,
        *,
        client: AsyncMongoClient[dict[str, Any]],
        store: StoreRecordStore,
        vault: Vault,
        guard: OutboundGuard,
        mongo_probe: MongoProbe,
        qdrant_probe: QdrantProbe,
        policy: StorePolicy,
        deployer: SchemaDeployer,
    ) -> None:
        self._client = client
        self._store = store
        self._vault = vault
        self._guard = guard
        self._mongo = mongo_probe
        self._qdrant = qdrant_probe
        self._policy = policy
        self._deployer = deployer

    async def register(self, user_id: str, request: StoreRegistration) -> Store:
        bound = log.bind(user_id=user_id)
        if await self._store.current(user_id) is not None:
            raise already_registered()
        try:
            async with asyncio.timeout(self._policy.register_deadline):
                checks = await self._check_registration(request)
        except TimeoutError:
            raise refused(
                "store-check-timed-out",
                "Checking the data store did not finish in time; try again, or check that "
                "its servers answer promptly.",
            ) from None
        uri, database, verdict = checks.uri, checks.database, checks.verdict
        qdrant_host = checks.qdrant_host
        qdrant_key = request.qdrant_api_key.get_secret_value() if request.qdrant_api_key else None
        uri_text = request.mongo_uri.get_secret_value()

        now = datetime.now(UTC)
        store_id = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "_id": store_id,
            "user_id": user_id,
            "status": StoreStatus.PROVISIONING.value,
            "database": database,
            "hosts": [str(seed) for seed in uri.seeds],
            "srv_host": uri.srv_host,
            "tls": uri.tls,
            "authenticated": verdict.authenticated,
            "server_version": checks.version,
            "topology": checks.topology.value,
            "qdrant_host": qdrant_host,
            "schema_version": None,
            "data_sizes": None,
            "last_health_check": None,
            "error": None,
            "notes": list(verdict.notes),
            "health_due_at": now,
            "schema_deployed_at": None,
            "provision_attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        secret_values = {MONGO_URI_FIELD: uri_text}
        if request.qdrant_url is not None:
            secret_values["qdrant_url"] = request.qdrant_url
        if qdrant_key is not None:
            secret_values[QDRANT_KEY_FIELD] = qdrant_key

        async def write(session: AsyncClientSession) -> None:
            await self._store.insert(doc, session)
            await self._vault.put(user_id, store_id, VaultSecret(secret_values), session)

        try:
            await in_transaction(self._client, write)
        except DuplicateKeyError:
            raise already_registered() from None
        # The audit line: who registered what, never a credential or a full URI.
        bound.info(
            "byod store registered",
            store_id=store_id,
            hosts=doc["hosts"],
            database=database,
            tls=uri.tls,
            authenticated=verdict.authenticated,
            qdrant_host=qdrant_host,
        )
        return await self.current(user_id)

    async def _check_registration(self, request: StoreRegistration) -> RegistrationChecks:
        """Every check, in order, the first failure a problem; nothing is written."""
        uri = await parse_store_uri(
            request.mongo_uri.get_secret_value(), timeout=self._policy.check_timeout
        )
        database = database_name(request.database, uri)
        qdrant_key = request.qdrant_api_key.get_secret_value() if request.qdrant_api_key else None
        if request.qdrant_url is None and qdrant_key is not None:
            raise invalid_field(
                "A Qdrant API key needs its Qdrant URL.",
                loc=("body", "qdrant_url"),
                msg="required with qdrant_api_key",
                code="qdrant-url-required",
            )
        server = await self._check_server(uri, database)
        # The answers come from a server the user chose: any shape at all.
        try:
            topology = topology_of(server.answers.hello)
            version = server_version(server.answers.build_info)
            verdict = judge_account(
                server.answers.connection_status,
                database,
                signed_in=uri.username is not None,
                unauthenticated_allowed=all_within(
                    server.addresses, self._policy.unauthenticated_networks
                ),
                can_read_unauthenticated=server.answers.can_list_collections,
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            raise malformed_answers() from None
        qdrant_host = None
        if request.qdrant_url is not None:
            qdrant_host = await self._check_qdrant(request.qdrant_url, qdrant_key)
        return RegistrationChecks(uri, database, topology, version, verdict, qdrant_host)

    async def current(self, user_id: str) -> Store:
        found = await self._store.current(user_id)
        if found is None:
            raise not_found("Data store")
        return found

    async def forget(self, user_id: str) -> None:
        """Forget a store nothing was copied to, and destroy its credentials."""
        found = await self.current(user_id)
        if found.status not in FORGETTABLE:
            raise not_forgettable(found.status)

        async def work(session: AsyncClientSession) -> bool:
            if not await self._store.delete_in(user_id, found.id, FORGETTABLE, session):
                return False
            await self._vault.destroy(user_id, found.id, session)
            return True

        if not await in_transaction(self._client, work):
            # Its status moved on (a schema deploy began) between the read and the delete.
            raise not_forgettable((await self.current(user_id)).status)
        log.info("byod store forgotten", user_id=user_id, store_id=found.id)

    async def erase_own_database(self, user_id: str, session: AsyncClientSession) -> dict[str, int]:
        """On the user's erasure: empty their own database of everything Muninn wrote there,
        before the store record and its credentials go (with the erasure's transaction).

        A server that cannot be reached fails the erasure, which is retried until it can:
        the credentials are kept until then, or nothing could clean it later."""
        found = await self._store.current(user_id)
        if found is None:
            return {}
        if found.status in FORGETTABLE and found.schema_version is None:
            return {}  # nothing was ever written there
        targets = await self._reopen(user_id, found, self._policy.health_timeout)
        failure: ProbeFailedError | None = None
        for target, _addresses in targets:
            try:
                dropped = await self._deployer.erase(
                    target,
                    timeout=self._policy.health_timeout,
                    deadline=self._policy.provision_timeout,
                )
            except ProbeFailedError as exc:
                failure = exc
                continue
            log.info("own database emptied", user_id=user_id, store_id=found.id, dropped=dropped)
            return {"own_database_collections": len(dropped)}
        assert failure is not None
        raise OwnDatabaseUnreachableError(f"{found.id}: {failure.code}")

    async def check_health_due(self) -> int:
        """Ping every active or degraded store whose check is due (up to a batch); how many."""
        checked = 0
        while checked < self._policy.health_batch:
            now = datetime.now(UTC)
            claimed = await self._store.claim_health_check(now, now + self._policy.health_interval)
            if claimed is None:
                break
            user_id, found = claimed
            try:
                await self.check_health(user_id, found)
            except Exception:  # one store's failure must not hold up the others' checks
                log.exception("byod store health check failed", user_id=user_id, store_id=found.id)
            checked += 1
        return checked

    async def check_health(self, user_id: str, found: Store) -> None:
        bound = log.bind(user_id=user_id, store_id=found.id)
        now = datetime.now(UTC)
        changes: dict[str, Any]
        try:
            measurement = await self._ping(user_id, found)
        except ProbeFailedError as exc:
            changes = {
                "status": StoreStatus.DEGRADED.value,
                "last_health_check": {"at": now, "ok": False, "latency_ms": None},
                "error": {"code": exc.code, "message": str(exc), "at": now},
            }
            if found.status is StoreStatus.ACTIVE:
                bound.warning("byod store degraded", code=exc.code)
        else:
            stats = measurement.db_stats
            changes = {
                "status": StoreStatus.ACTIVE.value,
                "last_health_check": {"at": now, "ok": True, "latency_ms": measurement.latency_ms},
                "error": None,
                "data_sizes": {
                    "objects": _size(stats.get("objects")),
                    "data_bytes": _size(stats.get("dataSize")),
                    "storage_bytes": _size(stats.get("storageSize")),
                    "index_bytes": _size(stats.get("indexSize")),
                    "measured_at": now,
                },
            }
            if found.status is StoreStatus.DEGRADED:
                bound.info("byod store healthy again")
        changes["updated_at"] = now
        await self._store.record_health(user_id, found.id, changes)

    async def _ping(self, user_id: str, found: Store) -> Measurement:
        targets = await self._reopen(user_id, found, self._policy.health_timeout)
        failure: ProbeFailedError | None = None
        for target, _addresses in targets:
            try:
                return await self._mongo.measure(target, timeout=self._policy.health_timeout)
            except ProbeFailedError as exc:
                failure = exc
        assert failure is not None  # there is always at least one seed
        raise failure

    async def _reopen(
        self, user_id: str, found: Store, timeout: float
    ) -> list[tuple[ProbeTarget, list[IPAddress]]]:
        """The store's servers from its sealed connection string, each address through the
        outbound guard again; every refusal a :class:`ProbeFailedError`."""
        try:
            secret = await self._vault.get(user_id, found.id)
        except (SealBrokenError, UnknownKeyError):
            log.error("byod store credentials do not open", user_id=user_id, store_id=found.id)
            raise ProbeFailedError(
                "store-credentials-unavailable", "The stored credentials cannot be opened."
            ) from None
        if secret is None:
            raise ProbeFailedError(
                "store-credentials-unavailable", "The stored credentials are missing."
            )
        try:
            uri = await parse_store_uri(secret[MONGO_URI_FIELD], timeout=timeout)
            targets = await self._targets(uri, found.database)
        except ProblemError as exc:
            raise ProbeFailedError(exc.code, exc.detail) from None
        addresses = [address for _target, resolved in targets for address in resolved]
        if not found.authenticated and not all_within(
            addresses, self._policy.unauthenticated_networks
        ):
            # Accepted without credentials on a development network the operator has since
            # stopped allowing (or the name now leads elsewhere).
            raise ProbeFailedError(
                "store-authentication-required",
                "The server asks for no credentials and is no longer on an allowed "
                "development network.",
            )
        return targets

    async def provision_due(self) -> int:
        """Deploy the schema on every provisioning store whose attempt is due (up to a
        batch); how many were attempted."""
        attempted = 0
        while attempted < self._policy.provision_batch:
            now = datetime.now(UTC)
            claim = uuid.uuid4().hex
            claimed = await self._store.claim_provisioning(
                now, lease_until(now, self._policy.provision_timeout), claim
            )
            if claimed is None:
                break
            user_id, found = claimed
            try:
                await self.provision(user_id, found, claim)
            except Exception:  # one store's failure must not hold up the others' deploys
                log.exception("byod store provisioning failed", user_id=user_id, store_id=found.id)
            attempted += 1
        return attempted

    async def provision(self, user_id: str, found: Store, claim: str) -> None:
        """One deploy attempt on a store leased under ``claim``; its outcome recorded."""
        bound = log.bind(user_id=user_id, store_id=found.id)
        try:
            async with asyncio.timeout(self._policy.provision_timeout):
                deployed = await self._deploy(user_id, found)
        except Exception as exc:
            failure = failure_of(exc)
            if failure is None and isinstance(exc, TimeoutError):
                failure = ("store-unreachable", "Deploying the schema did not finish in time.")
            if failure is None:
                raise
            code, message = failure
            now = datetime.now(UTC)
            failures = found.provision_attempts + 1
            bound.warning("byod schema deploy failed", code=code, attempts=failures)
            await self._store.record_provisioning(
                user_id,
                found.id,
                claim,
                {
                    "error": {"code": code, "message": message, "at": now},
                    "provision_attempts": failures,
                    "next_attempt_at": now + retry_after(failures, self._policy.provision_retry),
                    "updated_at": now,
                },
            )
            return
        now = datetime.now(UTC)
        report, stats = deployed.report, deployed.db_stats
        await self._store.record_provisioning(
            user_id,
            found.id,
            claim,
            {
                "schema_version": report.version,
                "schema_deployed_at": now,
                "error": None,
                "provision_attempts": 0,
                "next_attempt_at": None,
                "data_sizes": {
                    "objects": _size(stats.get("objects")),
                    "data_bytes": _size(stats.get("dataSize")),
                    "storage_bytes": _size(stats.get("storageSize")),
                    "index_bytes": _size(stats.get("indexSize")),
                    "measured_at": now,
                },
                "updated_at": now,
            },
            notes=deployed_notes(report),
        )
        bound.info(
            "byod schema deployed",
            version=report.version,
            created_collections=len(report.created_collections),
            created_indexes=len(report.created_indexes),
            degraded=report.degraded,
        )

    async def _deploy(self, user_id: str, found: Store) -> Deployed:
        targets = await self._reopen(user_id, found, self._policy.health_timeout)
        failure: ProbeFailedError | None = None
        for target, _addresses in targets:
            try:
                return await self._deployer.deploy(
                    target,
                    timeout=self._policy.health_timeout,
                    deadline=self._policy.provision_timeout,
                )
            except ProbeFailedError as exc:
                failure = exc
                # Another seed may be up, or be the primary; any other refusal is the store's.
                if exc.code not in ("store-unreachable", NOT_PRIMARY):
                    break
        assert failure is not None  # there is always at least one seed
        raise failure

    async def _targets(
        self, uri: StoreUri, database: str
    ) -> list[tuple[ProbeTarget, list[IPAddress]]]:
        """Every seed as a probe target with the addresses it resolved to, each guarded (and
        plain only where allowed)."""
        targets: list[tuple[ProbeTarget, list[IPAddress]]] = []
        for seed in uri.seeds:
            addresses = await self._guarded(seed)
            require_tls(uri.tls, addresses, self._policy.plaintext_networks)
            target = ProbeTarget(
                address=seed,
                tls=uri.tls,
                database=database,
                username=uri.username,
                password=uri.password,
                auth_source=uri.auth_source,
                auth_mechanism=uri.auth_mechanism,
            )
            targets.append((target, addresses))
        return targets

    async def _guarded(self, member: HostPort) -> list[IPAddress]:
        try:
            return await self._guard.addresses(member.host, member.port)
        except OutboundRefusedError as exc:
            log.info("byod address refused", host=member.host, reason=exc.reason)
            raise refused("store-address-refused", exc.public_message) from None

    async def _check_server(self, uri: StoreUri, database: str) -> CheckedServer:
        targets = await self._targets(uri, database)
        addresses = [address for _target, resolved in targets for address in resolved]
        answers: ServerAnswers | None = None
        failure: ProbeFailedError | None = None
        for target, _addresses in targets:
            try:
                answers = await self._mongo.answers(target, timeout=self._policy.check_timeout)
                break
            except ProbeFailedError as exc:
                failure = exc
                if exc.code != "store-unreachable":
                    break
        if answers is None:
            assert failure is not None
            raise refused(failure.code, str(failure))
        # A replica set's members are where a driver goes next: they must pass too.
        try:
            members = announced_members(answers.hello)
        except (AttributeError, KeyError, TypeError, ValueError):
            raise malformed_answers() from None
        for member in members:
            if member in uri.seeds:
                continue
            member_addresses = await self._guarded(member)
            require_tls(uri.tls, member_addresses, self._policy.plaintext_networks)
            addresses += member_addresses
        return CheckedServer(answers=answers, addresses=tuple(addresses))

    async def _check_qdrant(self, url: str, api_key: str | None) -> str:
        parts = urlsplit(url.strip())
        try:
            host = parts.hostname
            port = parts.port
        except ValueError:
            host = None
            port = None
        if parts.scheme not in ("http", "https") or not host:
            raise invalid_field(
                "The Qdrant URL must be http(s)://host[:port].",
                loc=("body", "qdrant_url"),
                msg="not an http(s) URL with a host",
                code="qdrant-url-invalid",
            )
        if parts.username is not None or parts.password is not None:
            raise invalid_field(
                "The Qdrant URL must not carry credentials; send the API key as qdrant_api_key.",
                loc=("body", "qdrant_url"),
                msg="carries credentials",
                code="qdrant-url-invalid",
            )
        default_port = 443 if parts.scheme == "https" else 80
        try:
            addresses = await self._guard.addresses(host, port or default_port)
        except OutboundRefusedError as exc:
            log.info("byod qdrant address refused", host=host, reason=exc.reason)
            raise refused("qdrant-address-refused", exc.public_message) from None
        if parts.scheme != "https" and not all_within(addresses, self._policy.plaintext_networks):
            raise refused(
                "qdrant-tls-required",
                "The Qdrant URL must use https; plain http is accepted only on networks the "
                "operator allows.",
            )
        try:
            await self._qdrant.check(url.strip(), api_key, timeout=self._policy.check_timeout)
        except ProbeFailedError as exc:
            raise refused(exc.code, str(exc)) from None
        return f"{host}:{port}" if port else host

    # --- moving data: what the moves feature asks of a store -----------------------------------

    async def ready_to_copy(self, limit: int) -> list[tuple[str, Store]]:
        """Provisioning stores whose schema is deployed: their user's data can be copied."""
        return await self._store.deployed_in(StoreStatus.PROVISIONING, limit)

    async def disconnecting(self, limit: int) -> list[tuple[str, Store]]:
        return await self._store.deployed_in(StoreStatus.DISCONNECTING, limit)

    async def advance(
        self, user_id: str, store_id: str, expected: frozenset[StoreStatus], status: StoreStatus
    ) -> bool:
        """Move the store to ``status`` if it is still in one of ``expected``."""
        return await self._store.advance(user_id, store_id, expected, status, datetime.now(UTC))

    async def own_database(self, user_id: str, found: Store) -> OwnDatabase:
        """The store as the content services connect to it (from the sealed credentials)."""
        secret = await self._vault.get(user_id, found.id)
        if secret is None:
            raise ProbeFailedError(
                "store-credentials-unavailable", "The stored credentials are missing."
            )
        return OwnDatabase(
            store_id=found.id,
            mongo_uri=secret[MONGO_URI_FIELD],
            database=found.database,
            qdrant_url=secret.get("qdrant_url"),
            qdrant_api_key=secret.get(QDRANT_KEY_FIELD),
        )

    # Schema migrations: muninn_byod.migrations drives them; the store record is this
    # feature's, so it reaches it through these.

    async def open_targets(self, user_id: str, found: Store) -> list[ProbeTarget]:
        """The store's servers, reopened from its sealed connection string (each address
        through the outbound guard again); a refusal is a :class:`ProbeFailedError`."""
        return [
            target for target, _ in await self._reopen(user_id, found, self._policy.health_timeout)
        ]

    async def disconnect(self, user_id: str) -> Store:
        """Begin moving the user's data back to the hosted databases (then forgetting them)."""
        found = await self.current(user_id)
        if not await self.advance(user_id, found.id, MOVABLE_BACK, StoreStatus.DISCONNECTING):
            raise ProblemError(
                409,
                f"A store that is {found.status.value} cannot be disconnected; only an active or "
                "degraded one.",
                code="store-not-disconnectable",
            )
        log.info("byod store disconnecting", user_id=user_id, store_id=found.id)
        return await self.current(user_id)

    async def forget_disconnected(self, user_id: str, store_id: str) -> None:
        """The data is back on the hosted databases: forget the store and its credentials."""

        async def work(session: AsyncClientSession) -> bool:
            if not await self._store.delete_in(
                user_id, store_id, frozenset({StoreStatus.DISCONNECTING}), session
            ):
                return False
            await self._vault.destroy(user_id, store_id, session)
            return True

        if await in_transaction(self._client, work):
            log.info("byod store forgotten after disconnecting", user_id=user_id, store_id=store_id)

    async def claim_migration(
        self, target: int, now: datetime, lease_until: datetime, claim: str
    ) -> tuple[str, Store, StoreStatus] | None:
        return await self._store.claim_migration(target, now, lease_until, claim)

    async def record_migration_progress(
        self, user_id: str, store_id: str, claim: str, progress: dict[str, Any]
    ) -> bool:
        return await self._store.record_migration_progress(user_id, store_id, claim, progress)

    async def finish_migration(
        self,
        user_id: str,
        store_id: str,
        claim: str,
        changes: dict[str, Any],
        notes: list[str] | None = None,
    ) -> bool:
        return await self._store.finish_migration(user_id, store_id, claim, changes, notes)


def _size(reported: object) -> int:
    """A size as the user's server reported it; anything but a count reads as 0."""
    if isinstance(reported, bool) or not isinstance(reported, int | float):
        return 0
    if isinstance(reported, float) and not math.isfinite(reported):
        return 0
    return max(0, min(int(reported), 2**62))


def malformed_answers() -> ProblemError:
    return refused(
        "store-answers-malformed", "The server's answers are not shaped as MongoDB's are."
    )


def already_registered() -> ProblemError:
    return ProblemError(
        409,
        "You already registered a data store; remove it before registering another.",
        code="store-already-registered",
    )


def not_forgettable(status: StoreStatus) -> ProblemError:
    return ProblemError(
        409,
        f"The data store is {status.value}: your data is being or has been copied to it. "
        "Disconnecting with the data copied back is not available yet.",
        code="store-not-forgettable",
    )
