"""Who is an operator: the listed emails, normalised as sign-up normalises an account's."""

from __future__ import annotations

import pytest
from muninn_identity.api_keys.models import ApiKeyCreate
from muninn_identity.operators.service import OperatorEmails
from muninn_identity.settings import IdentitySettings
from pydantic import ValidationError


def test_the_list_is_read_comma_separated_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUNINN_OPERATOR_EMAILS", " Ops@Example.COM,, second@example.org ,")
    settings = IdentitySettings()
    assert settings.operator_emails == ["ops@example.com", "second@example.org"]
    assert IdentitySettings(operator_emails=[]).operator_emails == []


def test_nobody_is_an_operator_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUNINN_OPERATOR_EMAILS", raising=False)
    settings = IdentitySettings()
    assert settings.operator_emails == []
    assert OperatorEmails(settings.operator_emails).session_scopes("ops@example.com") == (
        "read",
        "write",
        "admin",
    )


def test_a_mistyped_email_stops_identity_from_starting() -> None:
    with pytest.raises(ValidationError, match="not an email address"):
        IdentitySettings(operator_emails="ops@example.com, ops-at-example.com")


def test_only_a_listed_email_gets_the_operator_scope() -> None:
    operators = OperatorEmails(IdentitySettings(operator_emails="Ops@Example.com").operator_emails)
    assert operators.includes("ops@example.com")
    assert operators.includes(" OPS@example.COM ")
    assert "operator" in operators.session_scopes("ops@example.com")
    for other in ("ops@example.co", "ops@example.com.evil.org", "xops@example.com", "", None):
        assert not operators.includes(other)
        assert "operator" not in operators.session_scopes(other)


def test_an_api_key_cannot_be_given_the_operator_scope() -> None:
    with pytest.raises(ValidationError):
        ApiKeyCreate(name="ops script", scopes=["read", "operator"])  # type: ignore[list-item]
    assert ApiKeyCreate(name="account script", scopes=["admin"]).scopes == ["admin"]
