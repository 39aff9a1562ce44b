"""Registration, health and Qdrant decisions with the user's servers replaced at the port
boundary (fixed ``hello``/``buildInfo``/``connectionStatus`` answers): every refusal is a
problem with its own code, and nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address, ip_network
from typing import Any

import httpx
import pytest
from muninn_byod.stores.checks import REQUIRED_ACTIONS
from muninn_byod.stores.models import Store, StoreRegistration, StoreStatus, Topology
from muninn_byod.stores.probe import (
    HttpQdrantProbe,
    Measurement,
    ProbeFailedError,
    ProbeTarget,
    ServerAnswers,
)
from muninn_byod.stores.provision import PyMongoSchemaDeployer, RetryPolicy
from muninn_byod.stores.service import StorePolicy, StoreService
from muninn_shared.outbound import OutboundGuard, OutboundPolicy
from muninn_shared.problems import ProblemError
from muninn_shared.vault.models import VaultSecret
from pydantic import SecretStr

PUBLIC = "203.0.113.10"  # documentation range: refused by the guard unless allow-listed
ADDRESSES = {
    "db.example.com": PUBLIC,
    "db2.example.com": PUBLIC,
    "internal.example.com": "10.0.0.5",
    "metadata.example.com": "169.254.169.254",
    "local.example.com": "127.0.0.1",
    "qdrant.example.com": PUBLIC,
}


async def resolve(host: str, port: int) -> list[Any]:
    if host not in ADDRESSES:
        raise OSError("unknown host")
    return [ip_address(ADDRESSES[host])]


def guard() -> OutboundGuard:
    # The tests' stand-in for the public internet is allow-listed, as an operator would a LAN.
    return OutboundGuard(
        OutboundPolicy(allow_cidrs=(ip_network(f"{PUBLIC}/32"),), require_https=False),
        resolver=resolve,
    )


def good_answers(**changes: Any) -> ServerAnswers:
    answers: dict[str, Any] = {
        "hello": {
            "setName": "rs0",
            "hosts": ["db.example.com:27017"],
            "logicalSessionTimeoutMinutes": 30,
        },
        "build_info": {"version": "7.0.12", "versionArray": [7, 0, 12, 0]},
        "connection_status": {
            "authInfo": {
                "authenticatedUsers": [{"user": "ana", "db": "admin"}],
                "authenticatedUserRoles": [{"role": "readWrite", "db": "notes"}],
                "authenticatedUserPrivileges": [
                    {
                        "resource": {"db": "notes", "collection": ""},
                        "actions": sorted(REQUIRED_ACTIONS),
                    }
                ],
            }
        },
        "can_list_collections": True,
    }
    answers.update(changes)
    return ServerAnswers(**answers)


@dataclass
class FakeMongo:
    answer: ServerAnswers | ProbeFailedError = field(default_factory=good_answers)
    measured: Measurement | ProbeFailedError = field(
        default_factory=lambda: Measurement(
            1.5, {"objects": 3, "dataSize": 300, "storageSize": 4096, "indexSize": 8192}
        )
    )
    asked: list[ProbeTarget] = field(default_factory=list)

    async def answers(self, target: ProbeTarget, *, timeout: float) -> ServerAnswers:
        self.asked.append(target)
        if isinstance(self.answer, ProbeFailedError):
            raise self.answer
        return self.answer

    async def measure(self, target: ProbeTarget, *, timeout: float) -> Measurement:
        self.asked.append(target)
        if isinstance(self.measured, ProbeFailedError):
            raise self.measured
        return self.measured


@dataclass
class FakeQdrant:
    failure: ProbeFailedError | None = None
    checked: list[tuple[str, str | None]] = field(default_factory=list)

    async def check(self, url: str, api_key: str | None, *, timeout: float) -> None:
        self.checked.append((url, api_key))
        if self.failure is not None:
            raise self.failure


@dataclass
class NothingWritten:
    """The store of records: registration's checks run before any of these is reached."""

    existing: Store | None = None
    health: list[dict[str, Any]] = field(default_factory=list)

    async def current(self, user_id: str) -> Store | None:
        return self.existing

    async def insert(self, doc: dict[str, Any], session: Any) -> None:
        raise AssertionError("a refused registration wrote a record")

    async def record_health(self, user_id: str, store_id: str, changes: dict[str, Any]) -> bool:
        self.health.append(changes)
        return True


class NoTransactions:
    """The MongoDB client: only a registration that passed every check reaches it."""

    def start_session(self) -> Any:
        raise AssertionError("every check passed: the registration reached its write")


@dataclass
class FakeVault:
    secret: VaultSecret | None = None

    async def put(self, *args: Any, **kwargs: Any) -> bool:
        raise AssertionError("a refused registration sealed a secret")

    async def get(self, user_id: str, record_id: str) -> VaultSecret | None:
        return self.secret


def service(
    mongo: FakeMongo | None = None,
    qdrant: FakeQdrant | None = None,
    records: NothingWritten | None = None,
    vault: FakeVault | None = None,
) -> StoreService:
    return StoreService(
        client=NoTransactions(),  # type: ignore[arg-type]
        store=records or NothingWritten(),  # type: ignore[arg-type]
        vault=vault or FakeVault(),  # type: ignore[arg-type]
        guard=guard(),
        mongo_probe=mongo or FakeMongo(),
        qdrant_probe=qdrant or FakeQdrant(),
        policy=StorePolicy(
            check_timeout=1,
            register_deadline=10,
            plaintext_networks=(ip_network("127.0.0.0/8"),),
            unauthenticated_networks=(ip_network("127.0.0.0/8"),),
            health_interval=timedelta(minutes=5),
            health_timeout=1,
            health_batch=10,
            provision_timeout=10,
            provision_batch=10,
            provision_retry=RetryPolicy(first=timedelta(minutes=1), longest=timedelta(hours=1)),
        ),
        deployer=PyMongoSchemaDeployer(),
    )


def registration(
    uri: str = "mongodb://ana:pw@db.example.com/notes?tls=true", **fields: Any
) -> StoreRegistration:
    return StoreRegistration(mongo_uri=SecretStr(uri), **fields)


async def refusal(svc: StoreService, request: StoreRegistration) -> ProblemError:
    with pytest.raises(ProblemError) as error:
        await svc.register("ana", request)
    return error.value


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("internal.example.com", "private"),
        ("metadata.example.com", "metadata"),
        ("nowhere.example.com", "unknown"),
    ],
)
async def test_a_host_the_guard_refuses_is_never_asked(host: str, why: str) -> None:
    mongo = FakeMongo()
    problem = await refusal(service(mongo), registration(f"mongodb://ana:pw@{host}/notes?tls=true"))
    assert (problem.status, problem.code) == (422, "store-address-refused"), why
    assert mongo.asked == []


async def test_every_seed_is_guarded_not_only_the_first() -> None:
    mongo = FakeMongo()
    uri = "mongodb://ana:pw@db.example.com,internal.example.com/notes?tls=true"
    assert (await refusal(service(mongo), registration(uri))).code == "store-address-refused"
    assert mongo.asked == []


async def test_a_member_the_replica_set_announces_is_guarded_too() -> None:
    hello = {
        "setName": "rs0",
        "hosts": ["db.example.com:27017", "internal.example.com:27017"],
        "logicalSessionTimeoutMinutes": 30,
    }
    problem = await refusal(service(FakeMongo(good_answers(hello=hello))), registration())
    assert problem.code == "store-address-refused"


async def test_plain_connections_need_an_allowed_network() -> None:
    mongo = FakeMongo()
    problem = await refusal(service(mongo), registration("mongodb://ana:pw@db.example.com/notes"))
    assert problem.code == "store-tls-required"
    assert mongo.asked == []


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (ProbeFailedError("store-unreachable", "down"), "store-unreachable"),
        (ProbeFailedError("store-credentials-rejected", "no"), "store-credentials-rejected"),
        (ProbeFailedError("store-tls-failed", "bad cert"), "store-tls-failed"),
    ],
)
async def test_a_server_that_cannot_be_asked_is_refused(
    failure: ProbeFailedError, code: str
) -> None:
    assert (await refusal(service(FakeMongo(failure)), registration())).code == code


async def test_the_next_seed_is_tried_when_one_is_down_but_not_when_credentials_fail() -> None:
    @dataclass
    class FirstDown(FakeMongo):
        async def answers(self, target: ProbeTarget, *, timeout: float) -> ServerAnswers:
            self.asked.append(target)
            if len(self.asked) == 1:
                raise ProbeFailedError("store-unreachable", "down")
            return good_answers()

    mongo = FirstDown()
    two = "mongodb://ana:pw@db.example.com,db2.example.com/notes?tls=true"
    with pytest.raises(AssertionError, match="every check passed"):
        await service(mongo).register("ana", registration(two))
    assert [t.address.host for t in mongo.asked] == ["db.example.com", "db2.example.com"]
    rejected = FakeMongo(ProbeFailedError("store-credentials-rejected", "no"))
    await refusal(service(rejected), registration(two))
    assert len(rejected.asked) == 1


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        (
            good_answers(hello={"isWritablePrimary": True, "logicalSessionTimeoutMinutes": 30}),
            "store-transactions-unavailable",
        ),
        (
            good_answers(build_info={"version": "5.0.2", "versionArray": [5, 0, 2, 0]}),
            "store-version-unsupported",
        ),
        (
            good_answers(
                connection_status={
                    "authInfo": {
                        "authenticatedUsers": [{"user": "root", "db": "admin"}],
                        "authenticatedUserRoles": [{"role": "root", "db": "admin"}],
                        "authenticatedUserPrivileges": [
                            {"resource": {"cluster": True}, "actions": ["shutdown"]}
                        ],
                    }
                }
            ),
            "store-privileges-too-broad",
        ),
        (
            good_answers(
                connection_status={
                    "authInfo": {
                        "authenticatedUsers": [{"user": "ana", "db": "admin"}],
                        "authenticatedUserRoles": [{"role": "readWriteAnyDatabase", "db": "admin"}],
                        "authenticatedUserPrivileges": [],
                    }
                }
            ),
            "store-privileges-too-broad",
        ),
    ],
)
async def test_what_the_server_answers_decides(answers: ServerAnswers, code: str) -> None:
    assert (await refusal(service(FakeMongo(answers)), registration())).code == code


async def test_an_unauthenticated_server_off_the_development_networks_is_refused() -> None:
    nobody = {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []}}
    answers = good_answers(connection_status=nobody)
    problem = await refusal(
        service(FakeMongo(answers)), registration("mongodb://db.example.com/notes?tls=true")
    )
    assert problem.code == "store-authentication-required"


async def test_a_second_registration_is_a_conflict_before_any_check() -> None:
    now = datetime.now(UTC)
    existing = Store(
        id="s1",
        status=StoreStatus.PROVISIONING,
        database="notes",
        hosts=["db.example.com:27017"],
        tls=True,
        authenticated=True,
        server_version="7.0.12",
        topology=Topology.REPLICA_SET,
        created_at=now,
        updated_at=now,
    )
    mongo = FakeMongo()
    problem = await refusal(service(mongo, records=NothingWritten(existing)), registration())
    assert (problem.status, problem.code) == (409, "store-already-registered")
    assert mongo.asked == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://qdrant.example.com", "qdrant-url-invalid"),
        ("https://user:pw@qdrant.example.com", "qdrant-url-invalid"),
        ("https://internal.example.com:6333", "qdrant-address-refused"),
        ("http://qdrant.example.com:6333", "qdrant-tls-required"),
    ],
)
async def test_a_qdrant_url_is_guarded(url: str, code: str) -> None:
    qdrant = FakeQdrant()
    problem = await refusal(service(qdrant=qdrant), registration(qdrant_url=url))
    assert problem.code == code
    assert qdrant.checked == []


async def test_a_qdrant_key_without_its_url_is_refused() -> None:
    problem = await refusal(service(), registration(qdrant_api_key=SecretStr("k")))
    assert problem.code == "qdrant-url-required"


async def test_a_qdrant_that_refuses_the_key_is_refused() -> None:
    qdrant = FakeQdrant(
        ProbeFailedError("qdrant-key-rejected", "Qdrant did not accept the API key.")
    )
    request = registration(
        qdrant_url="https://qdrant.example.com", qdrant_api_key=SecretStr("wrong")
    )
    assert (await refusal(service(qdrant=qdrant), request)).code == "qdrant-key-rejected"
    assert qdrant.checked == [("https://qdrant.example.com", "wrong")]


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (401, {"status": "unauthorized"}, "qdrant-key-rejected"),
        (403, {}, "qdrant-key-rejected"),
        (200, {"hello": "not qdrant"}, "qdrant-refused"),
        (500, {"status": {"error": "x"}}, "qdrant-refused"),
    ],
)
async def test_the_qdrant_probe_reads_the_answer(
    status: int, body: dict[str, Any], code: str
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    probe = HttpQdrantProbe(
        guard(), lambda _g, _t: httpx.AsyncClient(transport=httpx.MockTransport(answer))
    )
    with pytest.raises(ProbeFailedError) as error:
        await probe.check("https://qdrant.example.com/", "k1", timeout=1)
    assert error.value.code == code
    assert seen[0].url.path == "/collections"
    assert seen[0].headers["api-key"] == "k1"


async def test_the_qdrant_probe_accepts_a_collections_list() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"result": {"collections": []}, "status": "ok", "time": 0.0}
        )

    probe = HttpQdrantProbe(
        guard(), lambda _g, _t: httpx.AsyncClient(transport=httpx.MockTransport(answer))
    )
    await probe.check("https://qdrant.example.com", None, timeout=1)


def active_store(status: StoreStatus) -> Store:
    now = datetime.now(UTC)
    return Store(
        id="s1",
        status=status,
        database="notes",
        hosts=["db.example.com:27017"],
        tls=True,
        authenticated=True,
        server_version="7.0.12",
        topology=Topology.REPLICA_SET,
        created_at=now,
        updated_at=now,
    )


async def test_the_health_check_turns_an_unreachable_store_degraded_and_back() -> None:
    records = NothingWritten()
    vault = FakeVault(VaultSecret({"mongo_uri": "mongodb://ana:pw@db.example.com/notes?tls=true"}))
    down = FakeMongo(
        measured=ProbeFailedError("store-unreachable", "The server could not be reached.")
    )
    await service(down, records=records, vault=vault).check_health(
        "ana", active_store(StoreStatus.ACTIVE)
    )
    degraded = records.health[-1]
    assert degraded["status"] == "degraded"
    assert degraded["last_health_check"]["ok"] is False
    assert degraded["error"]["code"] == "store-unreachable"

    await service(FakeMongo(), records=records, vault=vault).check_health(
        "ana", active_store(StoreStatus.DEGRADED)
    )
    healthy = records.health[-1]
    assert healthy["status"] == "active"
    assert healthy["error"] is None
    assert healthy["last_health_check"]["ok"] is True
    assert healthy["data_sizes"]["data_bytes"] == 300


async def test_the_health_check_refuses_a_host_re_pointed_inside() -> None:
    records = NothingWritten()
    vault = FakeVault(
        VaultSecret({"mongo_uri": "mongodb://ana:pw@internal.example.com/notes?tls=true"})
    )
    mongo = FakeMongo()
    await service(mongo, records=records, vault=vault).check_health(
        "ana", active_store(StoreStatus.ACTIVE)
    )
    assert records.health[-1]["error"]["code"] == "store-address-refused"
    assert mongo.asked == []


async def test_the_health_check_of_missing_credentials_says_so() -> None:
    records = NothingWritten()
    await service(records=records, vault=FakeVault(None)).check_health(
        "ana", active_store(StoreStatus.ACTIVE)
    )
    assert records.health[-1]["error"]["code"] == "store-credentials-unavailable"


@pytest.mark.parametrize(
    "answers",
    [
        good_answers(hello={"setName": "rs0", "hosts": 5, "logicalSessionTimeoutMinutes": 30}),
        good_answers(connection_status={"authInfo": ["not", "a", "document"]}),
        good_answers(
            connection_status={
                "authInfo": {
                    "authenticatedUsers": [{"user": "ana"}],
                    "authenticatedUserPrivileges": ["cluster"],
                }
            }
        ),
    ],
)
async def test_answers_of_any_shape_are_refused_not_crashed_on(answers: ServerAnswers) -> None:
    assert (await refusal(service(FakeMongo(answers)), registration())).code == (
        "store-answers-malformed"
    )


async def test_sizes_of_any_shape_are_recorded_as_counts() -> None:
    records = NothingWritten()
    vault = FakeVault(VaultSecret({"mongo_uri": "mongodb://ana:pw@db.example.com/notes?tls=true"}))
    odd = Measurement(
        1.0, {"objects": "many", "dataSize": float("inf"), "storageSize": -5, "indexSize": True}
    )
    await service(FakeMongo(measured=odd), records=records, vault=vault).check_health(
        "ana", active_store(StoreStatus.ACTIVE)
    )
    sizes = records.health[-1]["data_sizes"]
    assert (
        sizes["objects"],
        sizes["data_bytes"],
        sizes["storage_bytes"],
        sizes["index_bytes"],
    ) == (0, 0, 0, 0)


async def test_an_unauthenticated_store_off_the_development_networks_turns_degraded() -> None:
    records = NothingWritten()
    vault = FakeVault(VaultSecret({"mongo_uri": "mongodb://db.example.com/notes?tls=true"}))
    store = active_store(StoreStatus.ACTIVE).model_copy(update={"authenticated": False})
    mongo = FakeMongo()
    await service(mongo, records=records, vault=vault).check_health("ana", store)
    assert records.health[-1]["error"]["code"] == "store-authentication-required"
    assert mongo.asked == []
