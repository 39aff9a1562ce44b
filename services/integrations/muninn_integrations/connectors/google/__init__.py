"""Google (Calendar v3, Gmail v1, People v1) over OAuth 2.0 with PKCE: one connection per
Google account, its granted products synced through one composite connector."""

from muninn_integrations.connectors.google.config import GoogleConfig, Product
from muninn_integrations.connectors.google.connector import GoogleConnector
from muninn_integrations.connectors.google.oauth import GoogleOAuth, GoogleTokens

__all__ = ["GoogleConfig", "GoogleConnector", "GoogleOAuth", "GoogleTokens", "Product"]
