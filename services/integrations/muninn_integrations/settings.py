"""Settings of the integrations service (``MUNINN_*`` environment variables)."""

from __future__ import annotations

from datetime import timedelta

from muninn_shared.outbound import OutboundSettings
from muninn_shared.settings import DEFAULT_PORTS
from muninn_shared.vault.settings import VaultSettings
from pydantic import Field, SecretStr

from muninn_integrations.connectors.google.config import (
    AUTHORIZE_URL,
    CALENDAR_API,
    GMAIL_API,
    PEOPLE_API,
    REVOKE_URL,
    TOKEN_URL,
    GoogleConfig,
)
from muninn_integrations.interactions.occurrences import SeriesPolicy
from muninn_integrations.interactions.strength import Tuning


class IntegrationsSettings(OutboundSettings, VaultSettings):
    # The credentials vault (MUNINN_ENCRYPTION_KEYS): connection secrets sealed under
    # per-connection data keys; its fields come from VaultSettings.
    service_name: str = "integrations"
    port: int = DEFAULT_PORTS["integrations"]

    connect_check_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=120,
        description="How long connecting (or re-checking) an account may wait for its server.",
    )
    connector_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=300,
        description="Each network call to a calendar, contacts or mail server.",
    )
    imap_allow_plaintext: bool = Field(
        default=False,
        description="Allow imap:// (no TLS) mail servers; for a server on a trusted LAN only.",
    )

    # Sync jobs.
    sync_workers_enabled: bool = Field(
        default=True, description="Run sync jobs in this replica (off: it only serves the API)."
    )
    sync_schedule_interval_seconds: float = Field(
        default=30.0, gt=0, description="How often due connections are looked for."
    )
    sync_poll_seconds: float = Field(default=5.0, gt=0, description="Idle wait between job claims.")
    sync_page_size: int = Field(default=200, ge=1, le=2000)
    sync_lease_seconds: float = Field(
        default=120.0, gt=0, description="A job whose replica stopped is taken over after this."
    )
    sync_max_attempts: int = Field(
        default=6, ge=1, description="Tries of a job while its source is unavailable."
    )
    sync_retry_base_seconds: float = Field(
        default=30.0, gt=0, description="First back-off while a source is unavailable; doubles."
    )

    # Push: realtime connections whose server can tell of changes (IMAP IDLE).
    sync_watch_max_connections: int = Field(
        default=100,
        ge=0,
        description="Realtime connections one replica keeps a push wait open for (one server "
        "connection each); 0 turns push off and realtime connections are polled.",
    )
    sync_watch_wait_seconds: float = Field(
        default=600.0, gt=0, le=1740, description="One push wait (IMAP IDLE is renewed in it)."
    )
    sync_watch_scan_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How often watches are renewed and new realtime connections picked up.",
    )
    sync_watch_rest_seconds: float = Field(
        default=3600.0, gt=0, description="A server found unable to push is tried again after it."
    )

    # Relationships: the contact graph and contacts' interests (docs/relationships.md).
    graph_recency_half_life_days: float = Field(
        default=90.0, gt=0, le=3650, description="A tie's strength halves over this much silence."
    )
    graph_max_participants: int = Field(
        default=25,
        ge=2,
        le=100,
        description="A meeting or e-mail with more of the user's contacts says little about who "
        "knows whom and links nobody (a 300-person all-hands would write 45,000 pairs).",
    )
    interest_base_confidence: float = Field(
        default=0.4, gt=0, le=1, description="An interest's confidence when first detected."
    )
    interest_gain: float = Field(
        default=0.25, gt=0, le=1, description="Each further mention: c ← c + (1 - c)·gain."
    )
    interest_half_life_days: float = Field(
        default=60.0, gt=0, le=3650, description="Unmentioned, an interest's confidence halves."
    )
    interest_floor: float = Field(
        default=0.1, ge=0, lt=1, description="The daily sweep drops interests decayed under it."
    )
    interest_max_participants: int = Field(
        default=10,
        ge=1,
        le=100,
        description="A record with more of the user's contacts gives none of them interests.",
    )
    relationships_sweep_interval_seconds: float = Field(
        default=86_400.0,
        gt=0,
        description="How often tie strengths are refreshed and faded interests dropped.",
    )

    # Google (Calendar, Contacts, Gmail) over OAuth; offered only with a client id.
    google_client_id: str | None = Field(
        default=None,
        description="OAuth client id of the Google Cloud project (a 'Web application' client); "
        "unset: Google is not offered.",
    )
    google_client_secret: SecretStr | None = Field(
        default=None, description="That client's secret."
    )
    google_redirect_uri: str | None = Field(
        default=None,
        description="The redirect URI registered on the client: the page of the product's own "
        "front end that receives Google's answer and forwards code and state to "
        "/v1/integrations/oauth/google/complete.",
    )
    google_oauth_state_ttl_seconds: float = Field(
        default=600.0, gt=0, le=3600, description="How long a started Google sign-in may take."
    )
    google_authorize_url: str = Field(default=AUTHORIZE_URL, description="Google's consent page.")
    google_token_url: str = Field(default=TOKEN_URL, description="Google's token endpoint.")
    google_revoke_url: str = Field(default=REVOKE_URL, description="Google's revocation endpoint.")
    google_calendar_api_url: str = Field(default=CALENDAR_API, description="Calendar API v3 base.")
    google_gmail_api_url: str = Field(default=GMAIL_API, description="Gmail API v1 base.")
    google_people_api_url: str = Field(default=PEOPLE_API, description="People API v1 base.")

    # Relationship strength and rhythm (docs/relationships.md, "Relationship strength").
    relationship_weight_recency: float = Field(default=0.35, ge=0, le=1)
    relationship_weight_frequency: float = Field(default=0.35, ge=0, le=1)
    relationship_weight_reciprocity: float = Field(default=0.15, ge=0, le=1)
    relationship_weight_sentiment: float = Field(default=0.15, ge=0, le=1)
    relationship_recency_half_life_days: float = Field(
        default=30.0, gt=0, description="Days after which recency counts half."
    )
    relationship_window_days: float = Field(
        default=180.0, gt=0, description="Interactions counted for frequency and reciprocity."
    )
    relationship_frequency_saturation: float = Field(
        default=24.0, gt=0, description="Interactions in the window that make frequency 1."
    )
    relationship_cold_factor: float = Field(
        default=2.0, gt=0, description="Going cold: silence over this many usual gaps."
    )
    relationship_cold_min_days: float = Field(
        default=14.0, ge=0, description="Going cold: never before this many silent days."
    )

    relationship_recurring_horizon_days: float = Field(
        default=60.0,
        gt=0,
        le=366,
        description="A recurring meeting's occurrences up to this far ahead are derived as "
        "interactions (each counts once it happened); the hourly job rolls the horizon on.",
    )
    relationship_recurring_max_occurrences: int = Field(
        default=200,
        ge=1,
        le=2_000,
        description="Occurrences derived from one recurring meeting at most (from the window's "
        "start to the horizon), so a FREQ=SECONDLY rule cannot flood a sync page.",
    )
    relationship_recurring_roll_batch: int = Field(
        default=200,
        ge=1,
        le=10_000,
        description="Recurring meetings re-derived in one run of the hourly job at most (each "
        "is due a day after it was last derived).",
    )

    def series_policy(self) -> SeriesPolicy:
        return SeriesPolicy(
            window=timedelta(days=self.relationship_window_days),
            horizon=timedelta(days=self.relationship_recurring_horizon_days),
            max_occurrences=self.relationship_recurring_max_occurrences,
            roll_every=timedelta(days=1),
            roll_batch=self.relationship_recurring_roll_batch,
        )

    def relationship_tuning(self) -> Tuning:
        weights = (
            self.relationship_weight_recency,
            self.relationship_weight_frequency,
            self.relationship_weight_reciprocity,
            self.relationship_weight_sentiment,
        )
        if abs(sum(weights) - 1.0) > 1e-6:
            raise ValueError("MUNINN_RELATIONSHIP_WEIGHT_* must add up to 1")
        return Tuning(
            w_recency=self.relationship_weight_recency,
            w_frequency=self.relationship_weight_frequency,
            w_reciprocity=self.relationship_weight_reciprocity,
            w_sentiment=self.relationship_weight_sentiment,
            recency_half_life_days=self.relationship_recency_half_life_days,
            window_days=self.relationship_window_days,
            frequency_saturation=self.relationship_frequency_saturation,
            cold_factor=self.relationship_cold_factor,
            cold_min_days=self.relationship_cold_min_days,
        )

    # Briefings before meetings and per-contact summaries (contact memories).
    briefing_lead_minutes: float = Field(
        default=60,
        ge=0,
        le=1440,
        description="A briefing is delivered this long before a meeting (fractions allowed).",
    )
    briefing_prepare_minutes: int = Field(
        default=120,
        ge=1,
        le=2880,
        description="A briefing is written when its delivery is this close, so facts are fresh.",
    )
    briefing_interval_seconds: float = Field(
        default=300.0, gt=0, description="How often due briefings are looked for."
    )
    briefing_summary_interval_seconds: float = Field(
        default=86_400.0, gt=0, description="How often contact summaries are refreshed."
    )
    briefing_summary_batch: int = Field(
        default=500, ge=1, le=10_000, description="Summaries written in one refresh at most."
    )
    briefing_llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible API base (…/v1); unset: offline briefings."
    )
    briefing_llm_api_key: SecretStr | None = None
    briefing_llm_model: str | None = None
    briefing_llm_timeout_seconds: float = Field(default=20.0, gt=0, le=120)

    @property
    def briefing_llm_configured(self) -> bool:
        return bool(self.briefing_llm_base_url and self.briefing_llm_model)

    def google_config(self) -> GoogleConfig | None:
        """The Google OAuth client, when one is configured in full."""
        if not self.google_client_id:
            return None
        if self.google_client_secret is None or not self.google_redirect_uri:
            raise ValueError(
                "MUNINN_GOOGLE_CLIENT_ID needs MUNINN_GOOGLE_CLIENT_SECRET and "
                "MUNINN_GOOGLE_REDIRECT_URI"
            )
        return GoogleConfig(
            client_id=self.google_client_id,
            client_secret=self.google_client_secret.get_secret_value(),
            redirect_uri=self.google_redirect_uri,
            authorize_url=self.google_authorize_url,
            token_url=self.google_token_url,
            revoke_url=self.google_revoke_url,
            calendar_api=self.google_calendar_api_url,
            gmail_api=self.google_gmail_api_url,
            people_api=self.google_people_api_url,
            timeout=self.connector_timeout_seconds,
        )
