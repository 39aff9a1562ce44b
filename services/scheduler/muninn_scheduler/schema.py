"""Request-model building blocks shared by the scheduler's APIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

from fastapi import Depends, Query
from pydantic import AfterValidator, Field


def _timezone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError("must be an IANA timezone such as 'Europe/Lisbon'")
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("needs an offset, e.g. 2026-05-01T18:00:00+01:00")
    return value


TimeZoneName = Annotated[str, AfterValidator(_timezone)]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Tag = Annotated[str, Field(min_length=1, max_length=40)]
Tags = Annotated[list[Tag], Field(max_length=20)]


@dataclass(frozen=True)
class PageQuery:
    """Which page of a newest-first list: how many items, after which cursor."""

    limit: Annotated[int, Query(ge=1, le=100)] = 20
    cursor: Annotated[str | None, Query(max_length=500)] = None


Paging = Annotated[PageQuery, Depends()]
