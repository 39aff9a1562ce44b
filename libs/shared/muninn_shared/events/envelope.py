"""The CloudEvents 1.0 event carried by every Kafka message.

The attributes are the spec's own (``specversion``, ``id``, ``type``, ``source``, ``time``,
``subject``, ``datacontenttype``, ``dataschema``) plus the Distributed Tracing extension's
``traceparent``; every name is lowercase letters and digits, as the spec requires. How an
envelope is laid in a Kafka record is :mod:`muninn_shared.events.wire`.

The schema version of ``data`` is carried by ``dataschema``, a URN naming the event type and
its version (``urn:muninn:event:conversation.message.created:v1``): it is the attribute the
spec defines for "the schema ``data`` adheres to", so generic CloudEvents tooling can route or
filter on it without learning a Muninn extension.

The key of every Kafka record is the envelope's ``subject`` (the user id) so that one user's
events stay in order on one partition.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

from muninn_shared.telemetry import current_traceparent

DATASCHEMA_PREFIX = "urn:muninn:event:"
_DATASCHEMA = re.compile(rf"^{re.escape(DATASCHEMA_PREFIX)}(?P<type>[^:]+):v(?P<version>[1-9]\d*)$")
# The field that carried the version before ``dataschema`` did; still read from events and
# outbox rows written by the previous release.
LEGACY_SCHEMA_VERSION = "schema_version"


def utcnow() -> datetime:
    return datetime.now(UTC)


def dataschema_for(type_: str, schema_version: int) -> str:
    return f"{DATASCHEMA_PREFIX}{type_}:v{schema_version}"


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: UUID = Field(default_factory=uuid4)
    type: str = Field(min_length=3, examples=["conversation.message.created"])
    source: str = Field(min_length=1, description="The emitting service.")
    time: datetime = Field(default_factory=utcnow)
    subject: str = Field(min_length=1, description="The user id the event is about.")
    datacontenttype: str = "application/json"
    dataschema: str = Field(
        default="",
        description="urn:muninn:event:<type>:v<schema version>; version 1 when absent.",
        examples=["urn:muninn:event:conversation.message.created:v1"],
    )
    data: dict[str, Any] = Field(default_factory=dict)
    traceparent: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _accept_previous_shape(cls, raw: Any) -> Any:
        """Read ``schema_version`` (the previous release's field) as ``dataschema``."""
        if not isinstance(raw, dict) or LEGACY_SCHEMA_VERSION not in raw:
            return raw
        shaped = dict(raw)
        version = shaped.pop(LEGACY_SCHEMA_VERSION)
        type_ = shaped.get("type")
        if isinstance(version, int) and isinstance(type_, str) and not shaped.get("dataschema"):
            shaped["dataschema"] = dataschema_for(type_, version)
        return shaped

    @model_validator(mode="after")
    def _dataschema_names_a_version(self) -> EventEnvelope:
        # Only the form is checked: whether the type is one we know is the catalogue's
        # question, answered where the event is published or consumed.
        if not self.dataschema:
            self.dataschema = dataschema_for(self.type, 1)
        elif _DATASCHEMA.match(self.dataschema) is None:
            raise ValueError(
                f"dataschema must be {DATASCHEMA_PREFIX}<type>:v<version>, "
                f"not {self.dataschema[:200]!r}"
            )
        return self

    @property
    def schema_version(self) -> int:
        """The version of ``data``'s schema, as named by ``dataschema``."""
        named = _DATASCHEMA.match(self.dataschema)
        return int(named["version"]) if named else 1

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
        dataschema=dataschema_for(type_, spec.schema_version),
        data=model.model_dump(mode="json"),
        traceparent=current_traceparent(),
    )
