"""Muninn byod service: Bring-your-own-database registrations, schema provisioning and migrations."""
