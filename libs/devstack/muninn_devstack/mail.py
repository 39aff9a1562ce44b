"""A real IMAP server for tests and demos: ``pymap`` (MIT) with its in-memory ``dict``
backend, run as a separate process on 127.0.0.1 without TLS, one user whose password is set
on the command line. Helpers put mail in it the way a mail client would, over IMAP (stdlib
``imaplib``, so the dev stack needs no IMAP client library of its own).
"""

from __future__ import annotations

import imaplib
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from muninn_devstack.servers import ManagedProcess, port_open, venv_executable, wait_until


@dataclass(frozen=True)
class MailServer:
    process: ManagedProcess
    port: int
    user: str
    password: str
    host: str = "127.0.0.1"


def pymap_server(
    port: int, log_path: Path, *, user: str, password: str, demo_data: bool = False
) -> ManagedProcess:
    argv = [venv_executable("pymap"), "--host", "127.0.0.1", "--port", str(port), "--no-tls"]
    argv += ["dict", "--demo-user", user, "--demo-password", password]
    if demo_data:
        argv.append("--demo-data")
    return ManagedProcess(name="pymap", argv=argv, log_path=log_path)


def start_pymap(
    port: int,
    log_path: Path,
    *,
    user: str = "demouser",
    password: str = "demopass",
    demo_data: bool = False,
    timeout: float = 60,
) -> MailServer:
    process = pymap_server(port, log_path, user=user, password=password, demo_data=demo_data)
    process.start()
    server = MailServer(process=process, port=port, user=user, password=password)
    wait_until(
        lambda: port_open(port) and _logs_in(server),
        timeout=timeout,
        what="IMAP (pymap)",
        process=process,
    )
    return server


def _logs_in(server: MailServer) -> bool:
    with mailbox_admin(server):
        return True


@contextmanager
def mailbox_admin(server: MailServer) -> Iterator[MailboxAdmin]:
    connection = imaplib.IMAP4(server.host, server.port, timeout=10)
    # imaplib writes a command and its literal separately; Nagle would hold each APPEND's
    # literal until the server's delayed ACK (tens of milliseconds a message).
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        _ok(connection.login(server.user, server.password))
        yield MailboxAdmin(connection)
    finally:
        try:
            connection.logout()
        except (OSError, imaplib.IMAP4.error):
            connection.shutdown()


class MailboxAdmin:
    """What a mail client does to a mailbox, for tests: create, append, expunge, drop."""

    def __init__(self, connection: imaplib.IMAP4) -> None:
        self._connection = connection

    def create(self, mailbox: str) -> None:
        _ok(self._connection.create(_quoted(mailbox)))

    def delete(self, mailbox: str) -> None:
        _ok(self._connection.delete(_quoted(mailbox)))

    def append(self, mailbox: str, messages: Sequence[bytes]) -> list[int]:
        """APPEND each message; the UIDs the server gave them (UIDPLUS APPENDUID)."""
        uids: list[int] = []
        for message in messages:
            _ok(self._connection.append(_quoted(mailbox), None, None, message))
            code = self._connection.response("APPENDUID")[1]
            if code and code[0]:
                uids.append(int(bytes(code[0]).split()[-1]))
        return uids

    def expunge(self, mailbox: str, uids: Sequence[int]) -> None:
        _ok(self._connection.select(_quoted(mailbox)))
        uid_set = ",".join(str(uid) for uid in uids)
        _ok(self._connection.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)"))
        _ok(self._connection.expunge())
        _ok(self._connection.close())

    def move(self, mailbox: str, uids: Sequence[int], target: str) -> None:
        _ok(self._connection.select(_quoted(mailbox)))
        uid_set = ",".join(str(uid) for uid in uids)
        _ok(self._connection.uid("MOVE", uid_set, _quoted(target)))
        _ok(self._connection.close())

    def uids(self, mailbox: str) -> list[int]:
        _ok(self._connection.select(_quoted(mailbox), readonly=True))
        found = _ok(self._connection.uid("SEARCH", "ALL"))
        self._connection.close()
        return [int(uid) for uid in bytes(found[0] or b"").split()]


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ok(answer: tuple[str, Sequence[object]]) -> list[bytes]:
    status, data = answer
    if status != "OK":
        raise RuntimeError(f"IMAP command failed: {status} {data!r}")
    return [item if isinstance(item, bytes) else b"" for item in data]
