"""Radicale, the CalDAV and CardDAV server the integration tests sync against.

Started as a separate process from ``.venv/bin/radicale`` with a config file in a throwaway
folder: htpasswd users (plain text, test passwords only), filesystem storage, bound to
127.0.0.1 on a free port.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import httpx

from muninn_devstack.servers import (
    ManagedProcess,
    free_port,
    port_open,
    venv_executable,
    wait_until,
)

_CONFIG = """\
[server]
hosts = 127.0.0.1:{port}
max_connections = 20

[auth]
type = htpasswd
htpasswd_filename = {htpasswd}
htpasswd_encryption = plain
delay = 0
cache_logins = false

[rights]
type = owner_only

[storage]
filesystem_folder = {storage}

[web]
type = none

[logging]
level = warning
"""

_MKCALENDAR = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>{name}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"""

_MKCOL_ADDRESSBOOK = """<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">
  <D:set><D:prop>
    <D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>
    <D:displayname>{name}</D:displayname>
  </D:prop></D:set>
</D:mkcol>"""


@dataclass
class RadicaleServer:
    root: Path
    port: int
    process: ManagedProcess

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        """(Re)start on the same port and storage, e.g. after ``stop()`` in an outage test."""
        self.process = radicale_process(self.root, self.port)
        self.process.start()
        wait_until(
            lambda: port_open(self.port), timeout=timeout, what="Radicale", process=self.process
        )

    def stop(self) -> None:
        self.process.stop()


def start_radicale(
    root: Path, users: dict[str, str], timeout: float = 60, *, port: int | None = None
) -> RadicaleServer:
    """Radicale serving ``users`` (name → password) from folders under ``root``."""
    port = port or free_port()
    configure_radicale(root, users, port)
    server = RadicaleServer(root=root, port=port, process=radicale_process(root, port))
    server.start(timeout)
    return server


def configure_radicale(root: Path, users: dict[str, str], port: int) -> None:
    """Config and users under ``root``; the storage already there is kept."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "storage").mkdir(exist_ok=True)
    (root / "users").write_text("".join(f"{name}:{password}\n" for name, password in users.items()))
    (root / "config").write_text(
        _CONFIG.format(port=port, htpasswd=root / "users", storage=root / "storage")
    )


def radicale_process(root: Path, port: int) -> ManagedProcess:
    argv = [venv_executable("radicale"), "--config", str(root / "config")]
    return ManagedProcess(name=f"radicale-{port}", argv=argv, log_path=root / "radicale.log")


def create_calendar(base_url: str, user: str, password: str, name: str) -> str:
    """MKCALENDAR ``/<user>/<name>/``; the collection's path."""
    return _make(base_url, user, password, name, "MKCALENDAR", _MKCALENDAR)


def create_address_book(base_url: str, user: str, password: str, name: str) -> str:
    """Extended MKCOL of an address book ``/<user>/<name>/``; the collection's path."""
    return _make(base_url, user, password, name, "MKCOL", _MKCOL_ADDRESSBOOK)


def ensure_calendar(base_url: str, user: str, password: str, name: str) -> str:
    """The calendar ``/<user>/<name>/``, created unless an earlier run left it."""
    return _make(base_url, user, password, name, "MKCALENDAR", _MKCALENDAR, reuse=True)


def ensure_address_book(base_url: str, user: str, password: str, name: str) -> str:
    """The address book ``/<user>/<name>/``, created unless an earlier run left it."""
    return _make(base_url, user, password, name, "MKCOL", _MKCOL_ADDRESSBOOK, reuse=True)


def put_object(
    base_url: str, user: str, password: str, href: str, body: str, content_type: str
) -> None:
    """PUT an event or a card at ``href``, replacing what is there."""
    with httpx.Client(base_url=base_url, auth=(user, password), timeout=10) as client:
        response = client.put(href, content=body.encode(), headers={"Content-Type": content_type})
        response.raise_for_status()


def _make(
    base_url: str,
    user: str,
    password: str,
    name: str,
    method: str,
    body: str,
    *,
    reuse: bool = False,
) -> str:
    path = f"/{user}/{name}/"
    with httpx.Client(base_url=base_url, auth=(user, password), timeout=10) as client:
        client.request("PROPFIND", f"/{user}/", headers={"Depth": "0"})  # creates the principal
        if reuse:
            found = client.request("PROPFIND", path, headers={"Depth": "0"})
            if found.status_code == 207:
                return path
        response = client.request(
            method,
            path,
            content=body.format(name=escape(name)).encode(),
            headers={"Content-Type": "application/xml; charset=utf-8"},
        )
        response.raise_for_status()
    return path
