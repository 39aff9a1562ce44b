"""What a page of synced mail or meetings says about who knows whom, and how a link's
document takes it in or gives it back (pure functions, no I/O).

A recurring meeting is a sighting per occurrence that happened (``<record_id>@<occurrence>``,
with its ``series``). Its occurrences are handed over again as time passes, so a link keeps,
per series, the latest occurrence it counted and how many (``series``): an occurrence is
counted once even after it left the last fifty, and a deleted series takes all of them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from muninn_shared.moments import as_utc

from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.graph.scoring import MAX_EVIDENCE, tie_strength

Doc = dict[str, Any]


@dataclass(frozen=True)
class Sighting:
    """One record (meeting or e-mail) a pair of contacts both took part in."""

    record_id: str
    kind: str  # meeting | email
    at: datetime
    series: str | None = None  # the recurring meeting an occurrence belongs to

    def as_doc(self) -> Doc:
        doc: Doc = {"record_id": self.record_id, "kind": self.kind, "at": self.at}
        if self.series is not None:
            doc["series"] = self.series
        return doc


def _series_through(doc: Mapping[str, Any]) -> dict[str, datetime]:
    return {str(entry["record_id"]): as_utc(entry["through"]) for entry in doc.get("series") or []}


def _counted_series(doc: Mapping[str, Any], new: Sequence[Sighting]) -> list[Doc]:
    """``doc``'s series entries once the occurrences ``new`` are counted."""
    entries = {str(e["record_id"]): dict(e) for e in doc.get("series") or []}
    for sighting in new:
        if sighting.series is None:
            continue
        entry = entries.setdefault(
            sighting.series, {"record_id": sighting.series, "through": sighting.at, "count": 0}
        )
        entry["through"] = max(as_utc(entry["through"]), sighting.at)
        entry["count"] = int(entry["count"]) + 1
    return list(entries.values())


def evidence_kind(kind: RecordKind) -> str:
    return "email" if kind is RecordKind.EMAIL else "meeting"


def latest(evidence: Iterable[Mapping[str, Any]]) -> datetime | None:
    moments = [as_utc(item["at"]) for item in evidence if isinstance(item.get("at"), datetime)]
    return max(moments) if moments else None


def recent(evidence: Iterable[Mapping[str, Any]]) -> list[Doc]:
    """The last ``MAX_EVIDENCE`` items, oldest first, each record once."""
    seen: dict[str, Doc] = {}
    for item in evidence:
        seen.setdefault(str(item["record_id"]), dict(item))
    ordered = sorted(seen.values(), key=lambda item: (as_utc(item["at"]), item["record_id"]))
    return ordered[-MAX_EVIDENCE:]


def absorb(
    doc: Mapping[str, Any], sightings: Sequence[Sighting], now: datetime, half_life_days: float
) -> Doc | None:
    """The fields of ``doc`` changed by ``sightings``; None when all were already counted
    (a replayed or re-synced record). Records are recognised among the kept evidence: one
    older than a pair's last fifty could count again, which a replay (pages are replayed
    soon after they were applied) never is."""
    known = {str(item["record_id"]) for item in doc.get("evidence") or []}
    through = _series_through(doc)

    def uncounted(sighting: Sighting) -> bool:
        if sighting.record_id in known:
            return False
        if sighting.series is None or sighting.series not in through:
            return True
        return sighting.at > through[sighting.series]  # an occurrence since the last count

    new = list({s.record_id: s for s in sightings if uncounted(s)}.values())
    if not new:
        return None
    evidence = recent([*(doc.get("evidence") or []), *(s.as_doc() for s in new)])
    shared = int(doc.get("shared_interactions") or 0) + len(new)
    previous = doc.get("last_evidence_at")
    moments = [s.at for s in new] + ([as_utc(previous)] if isinstance(previous, datetime) else [])
    last = max(moments)
    changes: Doc = {
        "evidence": evidence,
        "shared_interactions": shared,
        "last_evidence_at": last,
        "strength": tie_strength(shared, last, now, half_life_days),
    }
    if any(s.series is not None for s in new):
        changes["series"] = _counted_series(doc, new)
    return changes


def release(
    doc: Mapping[str, Any], record_ids: set[str], now: datetime, half_life_days: float
) -> Doc:
    """The fields of ``doc`` once the evidence of deleted records (a deleted series: every
    occurrence it counted) is taken back."""
    evidence = list(doc.get("evidence") or [])
    series = list(doc.get("series") or [])
    kept = [
        item
        for item in evidence
        if str(item["record_id"]) not in record_ids and item.get("series") not in record_ids
    ]
    gone_singles = sum(
        1
        for item in evidence
        if str(item["record_id"]) in record_ids and item.get("series") is None
    )
    gone_occurrences = sum(int(e["count"]) for e in series if e["record_id"] in record_ids)
    shared = max(0, int(doc.get("shared_interactions") or 0) - gone_singles - gone_occurrences)
    last = latest(kept)
    if last is None and shared > 0:
        # The rest fell out of the kept window earlier: its moment stays as it was.
        previous = doc.get("last_evidence_at")
        last = as_utc(previous) if isinstance(previous, datetime) else None
    changes: Doc = {
        "evidence": kept,
        "shared_interactions": shared,
        "last_evidence_at": last,
        "strength": tie_strength(shared, last, now, half_life_days),
    }
    if series:
        changes["series"] = [e for e in series if e["record_id"] not in record_ids]
    return changes
