"""``python -m muninn_devstack run --demo`` (what ``make run-demo`` starts), as a user would run it.

Only the integrations service runs beside the demo servers (the rest of the stack is what
``test_devstack.py`` covers): the test connects the printed accounts through its API, which
proves that the demo, and only the integrations service of the demo, may reach them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from muninn_devstack.demo import (
    ADDRESS_BOOK,
    CALENDAR,
    DAV_PASSWORD,
    DAV_PORT_ENV,
    DAV_USER,
    IMAP_PASSWORD,
    IMAP_PORT_ENV,
    IMAP_USER,
    MAILBOX,
)
from muninn_devstack.demo_data import UPCOMING_MEETING, demo_data
from muninn_devstack.mail import MailServer, mailbox_admin
from muninn_devstack.servers import ManagedProcess, free_port, free_port_block
from muninn_devstack.state import read_state
from muninn_devstack.topology import PORT_BASE_ENV, SERVICES_ENV
from muninn_shared.settings import SERVICE_NAMES

from tests.integration.infra import Infra
from tests.integration.test_devstack import START_TIMEOUT, Run, devstack, stack_env
from tests.integration.tokens import JWKS_URL_ENV, SEALING_ENV, identity_token_issuer


@dataclass
class DemoRun:
    run: Run
    dav_port: int
    imap_port: int

    @property
    def dav_url(self) -> str:
        return f"http://127.0.0.1:{self.dav_port}/"

    @property
    def imap_url(self) -> str:
        return f"imap://127.0.0.1:{self.imap_port}"


@pytest.fixture
def demo(infra: Infra, tmp_path: Path) -> Iterator[DemoRun]:
    project = tmp_path / "project"
    project.mkdir()
    base = free_port_block(len(SERVICE_NAMES))
    env = {
        **stack_env(infra, base),
        SERVICES_ENV: "integrations",
        DAV_PORT_ENV: str(free_port()),
        IMAP_PORT_ENV: str(free_port()),
        # No identity runs here: integrations verifies the test ring's tokens, unsealed.
        JWKS_URL_ENV: os.environ[JWKS_URL_ENV],
        SEALING_ENV: "false",
    }
    output = project / "terminal.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            devstack("run", "--demo"), cwd=project, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    run = Run(project=project, process=process, output=output, base=base)
    try:
        yield DemoRun(run, int(env[DAV_PORT_ENV]), int(env[IMAP_PORT_ENV]))
    finally:
        if process.poll() is None:
            run.stop()


def test_run_demo_serves_seeded_accounts_the_integrations_service_may_reach(
    demo: DemoRun,
) -> None:
    started = datetime.now(UTC)
    run = demo.run
    run.wait_for_output("Muninn is running.", START_TIMEOUT)
    banner = run.text
    dav_url, imap_url = demo.dav_url, demo.imap_url
    # Every account is printed with what it takes to connect it.
    for line in (
        f"caldav  {dav_url}   user {DAV_USER}   password {DAV_PASSWORD}",
        f"carddav {dav_url}   user {DAV_USER}   password {DAV_PASSWORD}",
        f"imap    {imap_url}   user {IMAP_USER}   password {IMAP_PASSWORD}",
    ):
        assert line in banner, run.diagnostics()
    assert UPCOMING_MEETING in banner

    state = read_state(run.muninn / "run.json")
    assert state is not None
    assert {r.name for r in state.processes} == {"radicale", "pymap", "integrations"}

    # The calendar holds the upcoming lunch about 15 minutes after start-up.
    expected = demo_data(started)
    upcoming = expected.upcoming
    href = f"{dav_url}{DAV_USER}/{CALENDAR}/{upcoming.uid}.ics"
    event = httpx.get(href, auth=(DAV_USER, DAV_PASSWORD), timeout=10)
    assert event.status_code == 200, event.text
    found = re.search(r"DTSTART:(\d{8}T\d{6}Z)", event.text)
    assert found is not None, event.text
    starts = datetime.strptime(found.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert timedelta(minutes=14) <= starts - started <= timedelta(minutes=16)
    for contact in expected.contacts:
        card = httpx.get(
            f"{dav_url}{DAV_USER}/{ADDRESS_BOOK}/{contact.uid}.vcf",
            auth=(DAV_USER, DAV_PASSWORD),
            timeout=10,
        )
        assert card.status_code == 200, card.text
    mail = MailServer(
        process=ManagedProcess(name="pymap", argv=[], log_path=run.output),
        port=demo.imap_port,
        user=IMAP_USER,
        password=IMAP_PASSWORD,
    )
    with mailbox_admin(mail) as admin:
        assert len(admin.uids(MAILBOX)) == len(expected.mails)

    # The integrations service of the demo reaches the loopback servers (plain IMAP too).
    token = identity_token_issuer().issue(uuid.uuid4().hex)
    with httpx.Client(
        base_url=run.url("integrations"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ) as api:
        accounts = (
            ("caldav", dav_url, DAV_USER, DAV_PASSWORD, CALENDAR),
            ("carddav", dav_url, DAV_USER, DAV_PASSWORD, ADDRESS_BOOK),
            ("imap", imap_url, IMAP_USER, IMAP_PASSWORD, MAILBOX),
        )
        for provider, url, user, password, collection in accounts:
            connected = api.post(
                "/v1/integrations/connections",
                json={
                    "provider": provider,
                    "server_url": url,
                    "username": user,
                    "password": password,
                },
            )
            assert connected.status_code == 201, f"{connected.text}\n{run.diagnostics()}"
            assert collection in [c["name"] for c in connected.json()["collections"]]

    # pymap keeps mail in memory: restarted after a crash, it is seeded again.
    pymap = next(r for r in state.processes if r.name == "pymap")
    os.kill(pymap.pid, signal.SIGKILL)
    run.wait_for_output("The demo mailbox was seeded again", 60)
    with mailbox_admin(mail) as admin:
        assert len(admin.uids(MAILBOX)) == len(expected.mails)

    assert run.stop() == 0, run.diagnostics()


def test_a_taken_demo_port_is_reported_with_how_to_move_it(tmp_path: Path) -> None:
    taken = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        result = subprocess.run(
            devstack("run", "--demo"),
            cwd=tmp_path,
            env={
                **os.environ,
                PORT_BASE_ENV: str(free_port_block(len(SERVICE_NAMES))),
                DAV_PORT_ENV: str(taken),
                IMAP_PORT_ENV: str(free_port()),
                # Never contacted: the port checks come first.
                "MUNINN_KAFKA_BOOTSTRAP": "127.0.0.1:9",
                "MUNINN_MONGO_URI": "mongodb://127.0.0.1:9/?directConnection=true",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Port {taken} is already in use" in result.stderr
    assert "CalDAV" in result.stderr
    assert f"{DAV_PORT_ENV}=<port> make run-demo" in result.stderr
