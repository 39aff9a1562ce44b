"""The demo's data and the configuration it gives the stack (``make run-demo``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from muninn_devstack.demo import (
    ALLOW_CIDRS_ENV,
    DAV_PORT_ENV,
    IMAP_PLAINTEXT_ENV,
    integrations_env,
    plan_demo,
)
from muninn_devstack.demo_data import UPCOMING_MEETING, demo_data, ical, rfc822, vcard
from muninn_devstack.topology import StackConfig
from muninn_shared.settings import SERVICE_NAMES

NOW = datetime(2026, 12, 5, 12, 0, 7, tzinfo=UTC)


def test_the_upcoming_lunch_is_recomputed_from_the_start_and_the_rest_is_past() -> None:
    data = demo_data(NOW)
    assert data.upcoming.title == UPCOMING_MEETING
    assert data.upcoming.start == NOW + timedelta(minutes=15)
    assert demo_data(NOW, timedelta(minutes=3)).upcoming.start == NOW + timedelta(minutes=3)
    past = [m for m in data.meetings if m is not data.upcoming]
    assert len(past) >= 3
    assert all(m.start + m.duration < NOW for m in past)
    assert any("Ana" in m.title for m in past)  # "when did I last meet Ana?" has an answer
    assert len({m.uid for m in data.meetings}) == len(data.meetings)


def test_contacts_and_mails_carry_what_the_demo_promises() -> None:
    data = demo_data(NOW)
    ana = next(c for c in data.contacts if c.name.startswith("Ana"))
    assert ana.email
    assert ana.birthday
    card = vcard(ana)
    assert f"EMAIL;TYPE=INTERNET:{ana.email}" in card
    assert f"BDAY:{ana.birthday.isoformat()}" in card
    deposit = next(m for m in data.mails if "deposit" in m.subject)
    assert "landlord" in deposit.body
    parsed = message_from_bytes(rfc822(deposit))
    assert parsed["Message-ID"] == deposit.message_id
    assert all(m.sent_at < NOW for m in data.mails)


def test_ical_escapes_text_and_states_times_in_utc() -> None:
    meeting = demo_data(NOW).upcoming
    text = ical(meeting, NOW)
    assert "DTSTART:20261205T121507Z" in text
    assert "SUMMARY:Lunch with Ana at Bistro Verde\r\n" in text
    assert "LOCATION:Bistro Verde\\, Rua das Flores 12" in text


def test_only_integrations_is_allowed_to_reach_loopback() -> None:
    config = StackConfig(
        kafka_bootstrap="127.0.0.1:19092",
        mongo_uri="mongodb://127.0.0.1:27027/",
        service_env={"integrations": integrations_env({})},
    )
    assert json.loads(config.env_for("integrations")[ALLOW_CIDRS_ENV]) == ["127.0.0.1/32"]
    assert config.env_for("integrations")[IMAP_PLAINTEXT_ENV] == "true"
    for other in set(SERVICE_NAMES) - {"integrations"}:
        assert ALLOW_CIDRS_ENV not in config.env_for(other)
        assert IMAP_PLAINTEXT_ENV not in config.env_for(other)


def test_the_operators_allowed_networks_are_kept() -> None:
    env = integrations_env({ALLOW_CIDRS_ENV: '["192.168.1.0/24"]'})
    assert json.loads(env[ALLOW_CIDRS_ENV]) == ["192.168.1.0/24", "127.0.0.1/32"]
    with pytest.raises(ValueError, match=ALLOW_CIDRS_ENV):
        integrations_env({ALLOW_CIDRS_ENV: '"192.168.1.0/24"'})


def test_demo_ports_can_be_moved_but_not_to_nonsense(tmp_path: Path) -> None:
    assert plan_demo(tmp_path, tmp_path, {DAV_PORT_ENV: "15232"}).dav_port == 15232
    with pytest.raises(ValueError, match=DAV_PORT_ENV):
        plan_demo(tmp_path, tmp_path, {DAV_PORT_ENV: "80"})
