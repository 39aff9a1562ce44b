"""The decisions about a user's database, from what they sent and what the server answered."""

from __future__ import annotations

from ipaddress import ip_address, ip_network
from typing import Any

import pytest
from muninn_byod.stores.checks import (
    REQUIRED_ACTIONS,
    HostPort,
    announced_members,
    database_name,
    judge_account,
    parse_store_uri,
    require_tls,
    screen_uri,
    server_version,
    store_uri_from,
    topology_of,
)
from muninn_byod.stores.models import Topology
from muninn_shared.problems import ProblemError


def code_of(error: pytest.ExceptionInfo[ProblemError]) -> str:
    return error.value.code


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("postgres://u:p@db.example.com/app", "store-uri-invalid"),
        ("mongodb://db.example.com/app?tlsCAFile=/etc/shadow", "store-uri-option-refused"),
        ("mongodb://db.example.com/app?tlsCertificateKeyFile=/x", "store-uri-option-refused"),
        ("mongodb://db.example.com/app?tlsInsecure=true", "store-uri-option-refused"),
        (
            "mongodb://db.example.com/app?tlsAllowInvalidCertificates=true",
            "store-uri-option-refused",
        ),
        ("mongodb://db.example.com/app?proxyHost=10.0.0.1", "store-uri-option-refused"),
        (
            "mongodb://db.example.com/app?authMechanismProperties=AWS_SESSION_TOKEN:x",
            "store-uri-option-refused",
        ),
        ("mongodb://%2Ftmp%2Fmongodb-27017.sock/app", "store-uri-invalid"),
        ("mongodb://db.example.com?tls=true", "store-uri-invalid"),
        ("mongodb://db.example.com/app\r\n", "store-uri-invalid"),
    ],
)
def test_a_connection_string_is_screened_before_the_parser_sees_it(uri: str, code: str) -> None:
    with pytest.raises(ProblemError) as error:
        screen_uri(uri)
    assert error.value.status == 422
    assert code_of(error) == code


async def test_the_parser_never_opens_a_file_an_option_names(tmp_path: Any) -> None:
    # pymongo's own validation opens tlsCAFile; screening refuses it first, whether or not
    # the file exists (no oracle for files on this host).
    for path in ("/etc/hostname", str(tmp_path / "missing.pem")):
        with pytest.raises(ProblemError) as error:
            await parse_store_uri(
                f"mongodb://db.example.com/app?tls=true&tlsCAFile={path}", timeout=2
            )
        assert code_of(error) == "store-uri-option-refused"


@pytest.mark.parametrize(
    "uri",
    [
        "mongodb://u:p@db.example.com:99999/app",
        "mongodb://u:p:q@db.example.com/app",
        "mongodb://db.example.com/app?retryWrites=perhaps",
    ],
)
async def test_a_broken_connection_string_is_refused_without_echoing_it(uri: str) -> None:
    with pytest.raises(ProblemError) as error:
        await parse_store_uri(uri, timeout=2)
    assert code_of(error) == "store-uri-invalid"
    assert "u:p" not in error.value.detail


async def test_a_connection_string_is_parsed_into_seeds_and_sign_in() -> None:
    uri = await parse_store_uri(
        "mongodb://ana:s%40cret@db1.example.com:27018,db2.example.com/notes?replicaSet=rs0&tls=true",
        timeout=2,
    )
    assert uri.seeds == (HostPort("db1.example.com", 27018), HostPort("db2.example.com", 27017))
    assert (uri.username, uri.password, uri.auth_source) == ("ana", "s@cret", "notes")
    assert uri.tls
    assert uri.path_database == "notes"
    assert uri.replica_set == "rs0"
    assert "s@cret" not in repr(uri)


@pytest.mark.parametrize("mechanism", ["MONGODB-AWS", "GSSAPI", "MONGODB-X509", "MONGODB-OIDC"])
def test_only_password_sign_in_is_accepted(mechanism: str) -> None:
    parsed = {
        "nodelist": [("db.example.com", 27017)],
        "options": {"authmechanism": mechanism},
        "database": "app",
    }
    with pytest.raises(ProblemError) as error:
        store_uri_from(parsed, srv=False, uri="mongodb://db.example.com/app")
    assert code_of(error) == "store-auth-mechanism-refused"


def test_srv_means_tls_unless_turned_off() -> None:
    parsed: dict[str, Any] = {
        "nodelist": [("a.example.net", 27017)],
        "options": {},
        "database": None,
    }
    on = store_uri_from(parsed, srv=True, uri="mongodb+srv://u:p@cluster0.example.net/")
    assert on.tls
    assert on.srv_host == "cluster0.example.net"
    parsed["options"] = {"tls": False}
    assert not store_uri_from(parsed, srv=True, uri="mongodb+srv://cluster0.example.net/").tls
    parsed["options"] = {"loadbalanced": True}
    with pytest.raises(ProblemError) as error:
        store_uri_from(parsed, srv=True, uri="mongodb+srv://cluster0.example.net/")
    assert code_of(error) == "store-uri-option-refused"


async def test_database_name_comes_from_the_body_or_the_path_and_must_be_legal() -> None:
    with_path = await parse_store_uri("mongodb://db.example.com/notes", timeout=2)
    without = await parse_store_uri("mongodb://db.example.com/", timeout=2)
    assert database_name(None, with_path) == "notes"
    assert database_name("muninn", with_path) == "muninn"
    with pytest.raises(ProblemError) as error:
        database_name(None, without)
    assert code_of(error) == "store-database-required"
    for bad in ("admin", "Local", "config", "a.b", "a/b", "a b", "a$b", "x" * 64, 'a"b'):
        with pytest.raises(ProblemError) as error:
            database_name(bad, without)
        assert code_of(error) == "store-database-invalid", bad


def test_plain_connections_only_on_allowed_networks() -> None:
    loopback = [ip_network("127.0.0.0/8")]
    require_tls(False, [ip_address("127.0.0.1")], loopback)
    require_tls(True, [ip_address("203.0.113.9")], loopback)
    with pytest.raises(ProblemError) as error:
        require_tls(False, [ip_address("127.0.0.1"), ip_address("192.168.1.4")], loopback)
    assert code_of(error) == "store-tls-required"


def test_transactions_need_a_replica_set_or_a_sharded_cluster() -> None:
    assert (
        topology_of({"setName": "rs0", "logicalSessionTimeoutMinutes": 30}) is Topology.REPLICA_SET
    )
    assert topology_of({"msg": "isdbgrid", "logicalSessionTimeoutMinutes": 30}) is Topology.SHARDED
    for hello in (
        {"isWritablePrimary": True, "logicalSessionTimeoutMinutes": 30},
        {"setName": "rs0"},
    ):
        with pytest.raises(ProblemError) as error:
            topology_of(hello)
        assert code_of(error) == "store-transactions-unavailable"


def test_announced_members_are_read_from_hello() -> None:
    hello = {"hosts": ["a.example.com:27017", "[::1]:27018"], "passives": ["b.example.com:1"]}
    assert announced_members(hello) == [
        HostPort("a.example.com", 27017),
        HostPort("::1", 27018),
        HostPort("b.example.com", 1),
    ]
    with pytest.raises(ProblemError):
        announced_members({"hosts": ["no-port"]})
    with pytest.raises(ProblemError) as error:
        announced_members({"hosts": [f"m{i}.example.com:27017" for i in range(51)]})
    assert code_of(error) == "store-answers-malformed"


def test_the_server_version_has_a_minimum() -> None:
    assert server_version({"version": "8.2.11", "versionArray": [8, 2, 11, 0]}) == "8.2.11"
    assert server_version({"version": "6.0.3"}) == "6.0.3"
    assert len(server_version({"version": "7.0." + "9" * 10_000})) == 64
    for info in ({"version": "5.0.9", "versionArray": [5, 0, 9, 0]}, {"version": "4.4"}, {}):
        with pytest.raises(ProblemError) as error:
            server_version(info)
        assert code_of(error) == "store-version-unsupported"


def signed_in(
    privileges: list[dict[str, Any]], roles: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "authInfo": {
            "authenticatedUsers": [{"user": "ana", "db": "admin"}],
            "authenticatedUserRoles": roles or [],
            "authenticatedUserPrivileges": privileges,
        }
    }


def own(database: str = "notes", actions: frozenset[str] = REQUIRED_ACTIONS) -> dict[str, Any]:
    return {"resource": {"db": database, "collection": ""}, "actions": sorted(actions)}


def judge(status: dict[str, Any], **overrides: bool) -> Any:
    options = {
        "signed_in": True,
        "unauthenticated_allowed": False,
        "can_read_unauthenticated": False,
    }
    options.update(overrides)
    return judge_account(status, "notes", **options)


def test_an_account_confined_to_its_database_is_accepted() -> None:
    extra = {"resource": {"db": "notes", "collection": "system.js"}, "actions": ["find"]}
    verdict = judge(signed_in([own(), extra]))
    assert verdict.authenticated
    assert verdict.notes == ()


@pytest.mark.parametrize(
    "privilege",
    [
        {"resource": {"anyResource": True}, "actions": ["anyAction"]},
        {"resource": {"cluster": True}, "actions": ["listDatabases"]},
        {"resource": {"db": "", "collection": ""}, "actions": ["find"]},
        {"resource": {"db": "billing", "collection": ""}, "actions": ["find"]},
        {"resource": {"db": "admin", "collection": "system.users"}, "actions": ["find"]},
    ],
)
def test_an_account_reaching_beyond_its_database_is_refused(privilege: dict[str, Any]) -> None:
    with pytest.raises(ProblemError) as error:
        judge(signed_in([own(), privilege]))
    assert code_of(error) == "store-privileges-too-broad"


def test_an_account_that_cannot_do_the_work_is_refused() -> None:
    with pytest.raises(ProblemError) as error:
        judge(signed_in([own(actions=frozenset({"find", "listCollections", "dbStats"}))]))
    assert code_of(error) == "store-privileges-insufficient"
    assert "collMod" in error.value.detail
    assert "insert" in error.value.detail


def test_roles_are_judged_when_the_server_lists_no_privileges() -> None:
    good = [{"role": "readWrite", "db": "notes"}, {"role": "dbAdmin", "db": "notes"}]
    verdict = judge(signed_in([], good))
    assert verdict.authenticated
    assert "roles" in verdict.notes[0]
    assert judge(signed_in([], [{"role": "dbOwner", "db": "notes"}])).authenticated
    for roles, code in (
        ([{"role": "root", "db": "admin"}], "store-privileges-too-broad"),
        ([*good, {"role": "readWriteAnyDatabase", "db": "admin"}], "store-privileges-too-broad"),
        ([*good, {"role": "read", "db": "billing"}], "store-privileges-too-broad"),
        ([{"role": "readWrite", "db": "notes"}], "store-privileges-insufficient"),
        ([], "store-privileges-insufficient"),
    ):
        with pytest.raises(ProblemError) as error:
            judge(signed_in([], roles))
        assert code_of(error) == code, roles


def test_credentials_the_server_ignored_are_refused() -> None:
    with pytest.raises(ProblemError) as error:
        judge({"authInfo": {"authenticatedUsers": []}})
    assert code_of(error) == "store-credentials-rejected"


def test_no_credentials_only_on_an_allowed_development_network() -> None:
    nobody = {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []}}
    with pytest.raises(ProblemError) as error:
        judge(nobody, signed_in=False, can_read_unauthenticated=True)
    assert code_of(error) == "store-authentication-required"
    # On a development network, but the server does require a user after all.
    with pytest.raises(ProblemError) as error:
        judge(nobody, signed_in=False, unauthenticated_allowed=True)
    assert code_of(error) == "store-authentication-required"
    verdict = judge(
        nobody, signed_in=False, unauthenticated_allowed=True, can_read_unauthenticated=True
    )
    assert not verdict.authenticated
    assert "unauthenticated" in verdict.notes[0]
