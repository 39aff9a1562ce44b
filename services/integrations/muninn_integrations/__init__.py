"""Muninn integrations service: Calendar, mail and contacts connections, sync jobs, interactions."""
