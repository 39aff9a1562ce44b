"""CloudEvents-shaped envelope carried by every Kafka message.

The key of every Kafka record is the envelope's ``subject`` (the user id) so that one user's
events stay in order on one partition.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from muninn_shared.telemetry import current_traceparent


def utcnow() -> datetime:
    return datetime.now(UTC)


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    specversion: str = "1.0"
    id: UUID = Field(default_factory=uuid4)
    type: str = Field(min_length=3, examples=["conversation.message.created"])
    source: str = Field(min_length=1, description="The emitting service.")
    time: datetime = Field(default_factory=utcnow)
    subject: str = Field(min_length=1, description="The user id the event is about.")
    datacontenttype: str = "application/json"
    schema_version: int = 1
    data: dict[str, Any] = Field(default_factory=dict)
    traceparent: str | None = None

    @property
    def key(self) -> bytes:
        return self.subject.encode()

    def payload(self) -> BaseModel:
        """The data validated against the catalogue's model for this type."""
        from muninn_shared.events.catalogue import spec_for

        model: BaseModel = spec_for(self.type).payload.model_validate(self.data)
        return model


def new_event(
    type_: str, *, source: str, subject: str, data: BaseModel | dict[str, Any]
) -> EventEnvelope:
    """Build an envelope whose data is checked against the catalogue."""
    from muninn_shared.events.catalogue import spec_for

    spec = spec_for(type_)
    model = data if isinstance(data, BaseModel) else spec.payload.model_validate(data)
    if not isinstance(model, spec.payload):
        model = spec.payload.model_validate(model.model_dump())
    return EventEnvelope(
        type=type_,
        source=source,
        subject=subject,
        schema_version=spec.schema_version,
        data=model.model_dump(mode="json"),
        traceparent=current_traceparent(),
    )
