"""The routing seam without a server: sealed routes, where each collection resolves, paused
writes, and which route a delivery keeps."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from muninn_shared.events.payloads import ByodRoutingChanged, SealedConnection
from muninn_shared.storage.routed import Placements, route_for, serving
from muninn_shared.storage.routes import (
    OwnDatabase,
    RouteTable,
    UserRoute,
    WritesPausedError,
    open_connection,
    route_row,
    seal_connection,
)
from muninn_shared.vault.keyring import parse_key_ring
from pymongo import AsyncMongoClient


def ring(key_id: str = "r1") -> Any:
    return parse_key_ring(f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode()}")


OWN = OwnDatabase(
    store_id="s-ana",
    mongo_uri="mongodb://ana:secret@db.example:27017/mine",
    database="mine",
    qdrant_url="https://qdrant.example",
    qdrant_api_key="q-key",
)


def test_a_sealed_connection_opens_only_for_its_user_and_store() -> None:
    keys = ring()
    sealed = seal_connection(keys, "ana", OWN)
    assert "secret" not in sealed.sealed
    assert "db.example" not in sealed.sealed
    assert open_connection(keys, "ana", "s-ana", sealed) == OWN
    assert open_connection(keys, "bo", "s-ana", sealed) is None, "copied onto another user"
    assert open_connection(keys, "ana", "s-other", sealed) is None, "onto another store"
    assert open_connection(ring(), "ana", "s-ana", sealed) is None, "another ring"
    assert open_connection(None, "ana", "s-ana", sealed) is None, "no ring at all"
    tampered = SealedConnection(key_id=sealed.key_id, sealed=sealed.sealed[:-4] + "AAAA")
    assert open_connection(keys, "ana", "s-ana", tampered) is None


def test_a_hosted_route_carries_no_store_and_no_connection() -> None:
    row = route_row(ByodRoutingChanged(user_id="ana", version=3, placement="hosted"))
    assert row["store_id"] is None
    assert row["connection"] is None
    assert row["version"] == 3
    assert row["_id"] == "ana"


def placements() -> tuple[Placements, RouteTable]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        "mongodb://127.0.0.1:9/?directConnection=true", connect=False
    )
    main = client["muninn_conversation"]
    routes = RouteTable(main, ring())
    return (
        Placements(
            client,
            main,
            routes,
            own_names={"messages": "messages", "outbox": "conversation_outbox"},
            main_only=frozenset({"erased_subjects", "byod_routes"}),
        ),
        routes,
    )


def own_route(*, paused: bool = False) -> UserRoute:
    return UserRoute(user_id="ana", version=1, store_id="s-ana", own=OWN, writes_paused=paused)


def test_each_collection_resolves_where_the_served_user_keeps_it() -> None:
    place, _ = placements()
    db = place.database
    with serving(None):
        assert db["outbox"].full_name == "muninn_conversation.outbox"
        assert db["messages"].full_name == "muninn_conversation.messages"
    with serving(own_route()):
        assert db["outbox"].full_name == "mine.conversation_outbox"
        assert db["messages"].full_name == "mine.messages"
        # Kept on main for everyone, whoever is served.
        assert db["erased_subjects"].full_name == "muninn_conversation.erased_subjects"
        # A collection the schema does not name goes with the user, never to main.
        assert db["anything_else"].full_name == "mine.anything_else"
    hosted = UserRoute(user_id="bo", version=2, store_id=None, own=None)
    with serving(hosted):
        assert db["outbox"].full_name == "muninn_conversation.outbox"


def test_while_a_switch_pauses_writes_reads_go_on() -> None:
    place, _ = placements()
    db = place.database
    with serving(own_route(paused=True)):
        assert callable(db["messages"].find)
        with pytest.raises(WritesPausedError):
            _ = db["messages"].insert_one
        with pytest.raises(WritesPausedError):
            _ = db["messages"].update_many
        with pytest.raises(WritesPausedError):
            place.client.start_session()
        # Main-only bookkeeping is not the user's content: it is not paused.
        assert callable(db["erased_subjects"].update_one)


def test_a_route_without_a_connection_is_unavailable_never_main() -> None:
    place, _ = placements()
    unopened = UserRoute(user_id="ana", version=1, store_id="s-ana", own=None)
    with serving(unopened), pytest.raises(Exception, match="does not open"):
        _ = place.database["messages"].find_one


def test_a_delivery_keeps_the_route_it_began_with() -> None:
    _, routes = placements()
    began = own_route()
    with serving(began):
        assert route_for(routes, "ana") is began, "the table no longer has it: erased meanwhile"
        assert route_for(routes, "bo") is None, "another user: the table's answer"
    assert route_for(routes, "ana") is None


def test_users_live_apart_when_only_one_keeps_a_database_of_their_own() -> None:
    _, routes = placements()
    routes._routes["ana"] = own_route()  # as the routing feed records her switch
    routes._routes["cy"] = UserRoute(user_id="cy", version=1, store_id="s-ana", own=OWN)
    assert routes.apart("ana", "bo"), "hers is her own database, his is hosted"
    assert routes.apart("bo", "ana")
    assert not routes.apart("bo", "dee"), "both hosted"
    assert not routes.apart("ana", "cy"), "the same store"
