"""Ports for test and bench servers are chosen where no outgoing connection can take them."""

from __future__ import annotations

import socket

from muninn_devstack.servers import ephemeral_port_floor, free_port, free_port_block


def test_a_block_of_free_ports_lies_below_the_ephemeral_range_and_can_be_bound() -> None:
    floor = ephemeral_port_floor()
    base = free_port_block(7)
    assert base + 7 <= floor
    sockets = [socket.socket() for _ in range(7)]
    try:
        for offset, sock in enumerate(sockets):
            sock.bind(("127.0.0.1", base + offset))
    finally:
        for sock in sockets:
            sock.close()


def test_single_ports_are_chosen_the_same_way() -> None:
    assert all(free_port() < ephemeral_port_floor() for _ in range(20))
