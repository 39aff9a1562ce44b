"""The event envelope and the catalogue of topics and payloads every service agrees on."""

from muninn_shared.events.catalogue import CATALOGUE, EventSpec, Topic, dead_letter_topic, spec_for
from muninn_shared.events.envelope import EventEnvelope, new_event

__all__ = [
    "CATALOGUE",
    "EventEnvelope",
    "EventSpec",
    "Topic",
    "dead_letter_topic",
    "new_event",
    "spec_for",
]
