"""What the scheduler observes of a user, kept as evidence for their patterns.

Two acts are observed: a message the user writes (when, how long, which topic words), and an
answer to a notification (when, how long after delivery, read, acted upon or dismissed).
Each is kept once (``source_id``: the message or notification), with its local hour, day and
month in the user's time zone *at that moment*: a person keeps their routine when they travel,
so hours are learned as local hours.

Topic words are nouns-ish tokens of four letters or more outside a stop list, at most
``MAX_TERMS`` per message: enough to see "gym" on Mondays or "garden" each spring, not a copy
of what was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

MAX_TERMS = 12
MAX_TERM_LENGTH = 40

_WORDS = re.compile(r"[^\W\d_][^\W\d_'-]{3,}", re.UNICODE)
_STOPWORD_TEXT = """
    about above after again against also although among another anything around because been before being below
    between both cannot could does doing down during each either else enough even ever every from further have
    having here hers herself himself however into itself just know last least like make many maybe might more
    most much must myself need never next only other ought ours ourselves over same should since some something
    still such than that their theirs them themselves then there these they thing things think this those though
    through thus together under until upon very want well were what whatever when where whether which while whom
    whose will with within without would yeah your yours yourself yourselves going gonna wanna thanks thank okay
    sure today tonight tomorrow yesterday morning evening afternoon please hello hey remind reminder help could
    tell said says told good great nice fine really actually just also back time week weeks days year years
    monday tuesday wednesday thursday friday saturday sunday
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class ActivityKind(StrEnum):
    MESSAGE = "message"
    NOTIFICATION_RESPONSE = "notification_response"


def terms_of(text: str) -> list[str]:
    """The distinct topic words of ``text``, in order of appearance (at most ``MAX_TERMS``)."""
    seen: dict[str, None] = {}
    for word in _WORDS.findall(text.lower()):
        word = word.strip("'-")
        if len(word) < 4 or len(word) > MAX_TERM_LENGTH or word in STOPWORDS:
            continue
        seen.setdefault(word, None)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)


def weekday_sunday_first(moment: datetime) -> int:
    """0 = Sunday … 6 = Saturday, as the patterns' day lists count."""
    return (moment.isoweekday()) % 7


@dataclass(frozen=True)
class Observation:
    """One observed act, in the user's local time."""

    kind: ActivityKind
    at: datetime
    local_hour: int
    weekday: int
    month: int
    local_date: str
    year: int
    length: int | None = None
    terms: tuple[str, ...] = ()
    response_seconds: float | None = None
    response: str | None = None
    notification_kind: str | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Observation:
        return cls(
            kind=ActivityKind(doc["kind"]),
            at=doc["at"],
            local_hour=int(doc["local_hour"]),
            weekday=int(doc["weekday"]),
            month=int(doc["month"]),
            local_date=str(doc["local_date"]),
            year=int(doc["local_date"][:4]),
            length=doc.get("length"),
            terms=tuple(doc.get("terms") or ()),
            response_seconds=doc.get("response_seconds"),
            response=doc.get("response"),
            notification_kind=doc.get("notification_kind"),
        )


def activity_doc(
    *,
    user_id: str,
    kind: ActivityKind,
    source_id: str,
    at: datetime,
    zone: ZoneInfo,
    keep_days: int,
    **fields: Any,
) -> dict[str, Any]:
    """The stored observation; ``expires_at`` lets MongoDB drop it after ``keep_days``."""
    local = at.astimezone(zone)
    return {
        "_id": f"{kind.value}:{source_id}",
        "user_id": user_id,
        "kind": kind.value,
        "source_id": source_id,
        "at": at,
        "local_hour": local.hour,
        "weekday": weekday_sunday_first(local),
        "month": local.month,
        "local_date": local.date().isoformat(),
        "timezone": zone.key,
        "expires_at": at + timedelta(days=keep_days),
        **fields,
    }
