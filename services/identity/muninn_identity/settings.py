"""Settings of the identity service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from muninn_shared.settings import DEFAULT_PORTS, KEY_READING_SERVICES, ServiceSettings
from pydantic import Field, SecretStr, field_validator
from pydantic.networks import validate_email
from pydantic_settings import NoDecode

from muninn_identity.users.models import normalize_email

MIB_IN_KIB = 1024


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    port: int = DEFAULT_PORTS["identity"]
    refresh_token_ttl_days: int = Field(default=30, ge=1)
    refresh_token_reuse_window_days: int = Field(
        default=30,
        ge=1,
        description="How long past its expiry a refresh token is kept, so that presenting a "
        "rotated one still revokes its session; then it is deleted.",
    )
    api_key_access_ttl_seconds: int = Field(default=300, ge=60)
    erasure_services: list[str] = Field(
        default_factory=lambda: ["conversation", "memory", "scheduler", "integrations", "byod"],
        description="Services that must confirm an erasure before identity finalises it.",
    )
    erasure_reannounce_after_seconds: float = Field(
        default=900.0,
        gt=0,
        description="An erasure some service has not confirmed this long after its last "
        "announcement is announced again to the services still pending.",
    )
    erasure_check_interval_seconds: float = Field(default=60.0, gt=0)
    audit_change_retention_days: int = Field(
        default=400,
        ge=1,
        le=3650,
        description="How long changes to contacts, interactions and connections stay in "
        "/v1/me/audit-log before they expire; security events are kept with the account.",
    )
    export_timeout_seconds: float = Field(default=20.0, gt=0)

    # OAuth 2.1 for MCP clients: identity is the authorization server, reached through the
    # gateway, so its issuer and the MCP resource are the gateway's public address.
    oauth_authorization_ttl_seconds: int = Field(
        default=600,
        ge=60,
        le=3600,
        description="How long a consent page and an authorization code stay usable.",
    )
    oauth_unused_client_ttl_hours: int = Field(
        default=24,
        ge=1,
        description="A registered client that no user has authorized within this long is "
        "deleted (registration is open to anyone, so abandoned ones must not pile up).",
    )
    operator_emails: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated emails of the accounts that run this Muninn: their "
        "sign-in sessions hold the 'operator' scope (/v1/admin/*). Identity does not verify "
        "emails, so register these accounts before anyone else can sign up.",
    )
    registration_open: bool = Field(
        default=True,
        description="Whether anyone may create an account (POST /v1/auth/register); false "
        "once the accounts of an instance exist.",
    )
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8192)

    # Access-token signing: identity alone holds private keys.
    signing_keys_file: Path | None = Field(
        default=None,
        description="The signing key ring (JSON, see muninn_shared.signing).",
    )
    signing_keys: SecretStr | None = Field(
        default=None,
        description="The signing key ring itself, for deployments that pass secrets as "
        "variables; one of the two is required in prod.",
    )
    dev_signing_keys_file: Path = Field(
        default=Path(".muninn/data/identity-signing-keys.json"),
        description="Where a development ring is generated when no ring is configured; "
        "used only while identity is bound to loopback.",
    )

    # Event keys: one per user, wrapped under the operator's key, handed to allowed services.
    event_key_encryption_key: SecretStr | None = Field(
        default=None,
        description="Wraps every stored event key (32 random bytes, base64url); required in "
        "prod and off loopback.",
    )
    dev_event_key_encryption_key_file: Path = Field(
        default=Path(".muninn/data/identity-event-key-encryption-key"),
        description="Where a development key-encryption key is generated when none is "
        "configured; used only while identity is bound to loopback.",
    )
    service_credential_hashes: dict[str, list[str]] = Field(
        default_factory=dict,
        description="SHA-256 (hex) of each service's credential, by service name; list two "
        "while rotating one.",
    )
    event_key_readers: list[str] = Field(
        default_factory=lambda: list(KEY_READING_SERVICES),
        description="Services allowed to fetch users' event keys.",
    )

    argon2_memory_budget_mib: int = Field(
        default=256,
        ge=8,
        description="Memory password hashing may hold at once; sizes the number of concurrent "
        "hashes (each holds argon2_memory_cost_kib) unless argon2_max_concurrent is set.",
    )
    argon2_max_concurrent: int | None = Field(default=None, ge=1)
    argon2_max_waiting: int = Field(
        default=16, ge=0, description="Sign-ins queued for a hashing slot before 503."
    )
    argon2_max_wait_seconds: float = Field(default=3.0, gt=0)
    argon2_retry_after_seconds: int = Field(default=2, ge=1)

    @field_validator("operator_emails", mode="before")
    @classmethod
    def _operator_emails(cls, value: Any) -> list[str]:
        """Normalised as sign-up normalises an account's email, so they compare equal."""
        entries = value.split(",") if isinstance(value, str) else list(value or [])
        found: list[str] = []
        for entry in entries:
            text = str(entry).strip()
            if not text:
                continue
            try:
                _, address = validate_email(text)
            except ValueError:
                raise ValueError(f"operator email {text!r} is not an email address") from None
            found.append(normalize_email(address))
        return sorted(set(found))

    def argon2_slots(self) -> int:
        if self.argon2_max_concurrent is not None:
            return self.argon2_max_concurrent
        per_hash_mib = max(1, self.argon2_memory_cost_kib // MIB_IN_KIB)
        return max(1, self.argon2_memory_budget_mib // per_hash_mib)
