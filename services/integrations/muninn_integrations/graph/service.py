"""The contact graph: links inferred while synced mail and meetings are applied, typed by
hand, and read as a contact's circle, the user's strongest ties, a path, clusters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from muninn_shared.logging import get_logger
from muninn_shared.moments import as_utc
from muninn_shared.problems import ProblemError, not_found
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_integrations.audit.hooks import audit_change
from muninn_integrations.audit.models import AuditAction, ResourceType
from muninn_integrations.audit.service import AuditLog
from muninn_integrations.calendar.models import MalformedCalendarError
from muninn_integrations.connectors.port import RecordKind
from muninn_integrations.contacts.models import ContactPerson
from muninn_integrations.contacts.service import ContactService
from muninn_integrations.graph import views
from muninn_integrations.graph.algorithms import adjacency, best_path, clusters, most_common
from muninn_integrations.graph.evidence import (
    Sighting,
    absorb,
    evidence_kind,
    recent,
    release,
)
from muninn_integrations.graph.models import (
    Cluster,
    ClusterList,
    CompanyContact,
    CompanyContacts,
    ConnectionPath,
    GraphNode,
    LinkType,
    Neighbourhood,
    PathHop,
    Relationship,
    RelationshipList,
    Tie,
    TieList,
)
from muninn_integrations.graph.scoring import (
    company_key,
    inferred_type,
    ordered,
    pairs,
    tie_strength,
    work_domains,
)
from muninn_integrations.graph.store import SWEEP_FIELDS, LinkStore
from muninn_integrations.interactions.derive import (
    addresses_in,
    addresses_on,
    contacts_on,
    moment,
    occurred_at,
    parties,
)
from muninn_integrations.interactions.occurrences import (
    PAGE_OCCURRENCES,
    Occurrence,
    SeriesPolicy,
    SeriesReader,
    expand_series,
)
from muninn_integrations.sync.followers import AppliedPage, PageFollower
from muninn_integrations.sync.sinks import Action, Applied

log = get_logger(__name__)

ME = ""  # the user in a path: no contact id is empty
MAX_PATH_HOPS = 4
MAX_EDGES = 2_000
MAX_CLUSTER_MEMBERS = 100


@dataclass(frozen=True)
class GraphPolicy:
    half_life_days: float
    max_participants: int


# What the audit log keeps of a link changed by hand (not its evidence list).
AUDITED_LINK = ("type", "type_source", "strength", "shared_interactions")


def new_link(
    user_id: str, a: str, b: str, *, detected_at: datetime, created_at: datetime
) -> dict[str, Any]:
    """The link between contacts ``a`` and ``b`` before its first evidence is absorbed: an
    inferred acquaintance."""
    return {
        "_id": uuid.uuid4().hex,
        "user_id": user_id,
        "a": a,
        "b": b,
        "type": LinkType.ACQUAINTANCE.value,
        "type_source": "inferred",
        "evidence": [],
        "shared_interactions": 0,
        "mutual_connections": 0,
        "detected_at": detected_at,
        "created_at": created_at,
    }


class GraphService(PageFollower):
    follows = (RecordKind.EMAIL, RecordKind.CALENDAR_EVENT)

    def __init__(
        self,
        store: LinkStore,
        contacts: ContactService,
        policy: GraphPolicy,
        audit: AuditLog | None = None,
        *,
        read_series: SeriesReader | None = None,
        series_policy: SeriesPolicy | None = None,
    ) -> None:
        """``read_series`` and ``series_policy``: a recurring meeting links its attendees
        once per occurrence that happened (without them, once, like a single meeting)."""
        self._read_series = read_series
        self._series_policy = series_policy
        self._audit = audit
        self._store = store
        self._contacts = contacts
        self._policy = policy

    # --- inference (a sync follower) ------------------------------------------------------

    async def follow_page(self, page: AppliedPage) -> None:
        """Every pair of the user's contacts on a new e-mail or meeting gains its evidence; a
        deleted record's evidence is taken back. Counted once per record, so a replay or a
        re-sync adds nothing."""
        user_id, kind, applied, session = page.scope.user_id, page.kind, page.applied, page.session
        now = datetime.now(UTC)
        gone = {a.record_id for a in applied if a.action is Action.DELETED}
        if gone:
            await self._forget(user_id, gone, now, session)
        series = await self._happened(user_id, kind, applied, now, session)
        fresh = [a for a in applied if a.action is Action.CREATED and a.record_id not in series]
        wanted = sorted(
            {
                *addresses_on(kind, fresh),
                *(
                    address
                    for occurrences in series.values()
                    for occurrence in occurrences
                    for address in addresses_in(kind, occurrence.data)
                ),
            }
        )
        if not wanted:
            return
        known = await self._contacts.ids_by_email(user_id, wanted, session)
        seen: dict[tuple[str, str], list[Sighting]] = {}
        for item, at, ids in contacts_on(kind, fresh, known):
            if not 2 <= len(ids) <= self._policy.max_participants:
                continue
            sighting = Sighting(item.record_id, evidence_kind(kind), at)
            for pair in pairs(ids):
                seen.setdefault(pair, []).append(sighting)
        for record_id, occurrences in series.items():
            for occurrence in occurrences:
                when = occurred_at(kind, occurrence.data)
                met = set(parties(kind, occurrence.data, known))  # none when cancelled
                if when is None or not 2 <= len(met) <= self._policy.max_participants:
                    continue
                sighting = Sighting(
                    f"{record_id}@{occurrence.key}", "meeting", when, series=record_id
                )
                for pair in pairs(met):
                    seen.setdefault(pair, []).append(sighting)
        if seen:
            await self._record(user_id, seen, now, session)

    async def _happened(
        self,
        user_id: str,
        kind: RecordKind,
        applied: Sequence[Applied],
        now: datetime,
        session: AsyncClientSession,
    ) -> dict[str, list[Occurrence]]:
        """The recurring meetings among ``applied`` (new or changed: occurrences keep
        happening), each with its occurrences in the relationship window that already
        happened. Once a page's series gave ``PAGE_OCCURRENCES``, the rest wait for the
        roll-forward, which hands each series over again."""
        if self._read_series is None or self._series_policy is None:
            return {}
        ids = [
            a.record_id
            for a in applied
            if kind is RecordKind.CALENDAR_EVENT
            and a.action is not Action.DELETED
            and a.data.get("recurring")
        ]
        if not ids:
            return {}
        events = await self._read_series(user_id, ids, session)
        found: dict[str, list[Occurrence]] = {}
        budget = PAGE_OCCURRENCES
        for record_id in ids:
            event = events.get(record_id)
            if event is None or not event.recurring:
                continue
            found[record_id] = []  # counted here, never as a single meeting
            if budget <= 0:
                continue
            try:
                expansion = await asyncio.to_thread(expand_series, event, now, self._series_policy)
            except (MalformedCalendarError, OverflowError, ValueError):
                log.warning("recurring_meeting_not_expandable", record_id=record_id)
                continue
            budget -= len(expansion.occurrences)
            found[record_id] = [
                o
                for o in expansion.occurrences
                if (at := moment(o.data.get("start"))) and at <= now
            ]
        return found

    async def _record(
        self,
        user_id: str,
        seen: Mapping[tuple[str, str], list[Sighting]],
        now: datetime,
        session: AsyncClientSession,
    ) -> None:
        people = await self._contacts.people(
            user_id, sorted({i for pair in seen for i in pair}), session
        )
        existing = await self._store.pairs(user_id, list(seen), session)
        for (a, b), sightings in sorted(seen.items()):
            doc = existing.get((a, b))
            if doc is None:
                doc = new_link(user_id, a, b, detected_at=now, created_at=now)
            changes = absorb(doc, sightings, now, self._policy.half_life_days)
            if changes is None:
                continue
            if doc.get("type_source") != "user" and a in people and b in people:
                changes["type"] = inferred_type(people[a], people[b])
            changes["updated_at"] = now
            if (a, b) in existing:
                await self._store.set(doc["_id"], changes, session)
            else:
                await self._store.insert({**doc, **changes}, session)

    async def _forget(
        self, user_id: str, record_ids: set[str], now: datetime, session: AsyncClientSession
    ) -> None:
        for doc in await self._store.with_records(user_id, sorted(record_ids), session):
            changes = release(doc, record_ids, now, self._policy.half_life_days)
            if changes["shared_interactions"] == 0 and doc.get("type_source") != "user":
                await self._store.delete(doc["_id"], session)
            else:
                await self._store.set(doc["_id"], {**changes, "updated_at": now}, session)

    # --- reads -----------------------------------------------------------------------------

    async def _person(self, user_id: str, contact_id: str) -> ContactPerson:
        found = await self._contacts.people(user_id, [contact_id])
        if contact_id not in found:
            raise not_found("Contact")
        return found[contact_id]

    async def relationships(self, user_id: str, contact_id: str, limit: int) -> RelationshipList:
        await self._person(user_id, contact_id)
        docs = await self._store.of_contacts(user_id, [contact_id], limit=limit)
        people = await self._contacts.people(user_id, views.ends(docs))
        docs = [d for d in docs if d["a"] in people and d["b"] in people]
        mutual = await self._mutual(user_id, docs)
        return RelationshipList(
            items=[
                Relationship(
                    other=views.person(people[d["b"] if d["a"] == contact_id else d["a"]]),
                    link=views.link(d, mutual[d["_id"]]),
                )
                for d in docs
            ]
        )

    async def neighbourhood(
        self, user_id: str, contact_id: str, *, depth: int, min_strength: float, limit: int
    ) -> Neighbourhood:
        """The contacts within ``depth`` links of one (breadth first, strongest links first),
        at most ``limit`` of them, and the links among them."""
        await self._person(user_id, contact_id)
        depths: dict[str, int] = {contact_id: 0}
        frontier = [contact_id]
        truncated = False
        for level in range(1, depth + 1):
            if not frontier or truncated:
                break
            docs = await self._store.of_contacts(
                user_id, frontier, min_strength=min_strength, limit=limit * 10
            )
            reached: list[str] = []
            for doc in docs:
                for end in (doc["a"], doc["b"]):
                    if end in depths:
                        continue
                    if len(depths) >= limit:
                        truncated = True
                        break
                    depths[end] = level
                    reached.append(end)
            frontier = reached
        people = await self._contacts.people(user_id, list(depths))
        ids = [i for i in depths if i in people]
        docs = await self._store.among(user_id, ids, min_strength=min_strength, limit=MAX_EDGES)
        mutual = await self._mutual(user_id, docs)
        return Neighbourhood(
            center=contact_id,
            nodes=[GraphNode(**views.person(people[i]).model_dump(), depth=depths[i]) for i in ids],
            edges=[views.edge(d, mutual[d["_id"]]) for d in docs],
            truncated=truncated,
        )

    async def path(self, user_id: str, target: str, origin: str | None) -> ConnectionPath:
        """How the user (or ``origin``) reaches ``target``: the path of at most four hops
        maximising the product of strengths. The user is joined to each contact by that
        contact's relationship strength and is only ever the start of a path."""
        if origin == target:
            raise ProblemError(422, "from and to are the same contact", code="same-contact")
        everyone = await self._contacts.people(user_id)
        for wanted in (target, origin):
            if wanted is not None and wanted not in everyone:
                raise not_found("Contact")
        graph = adjacency(
            (d["a"], d["b"], float(d.get("strength") or 0))
            for d in await self._store.edges(user_id)
            if d["a"] in everyone and d["b"] in everyone
        )
        if origin is None:
            graph[ME] = {
                p.id: p.relationship_strength
                for p in everyone.values()
                if p.relationship_strength > 0
            }
        found = best_path(graph, ME if origin is None else origin, target, MAX_PATH_HOPS)
        if found is None:
            raise ProblemError(
                404, "No path of up to four links reaches this contact", code="no-path"
            )
        types = await self._types(user_id, found.nodes)
        hops = [
            PathHop(
                source="me" if a == ME else a,
                target=b,
                strength=round(strength, 6),
                type=types.get(ordered(a, b)),
            )
            for a, b, strength in zip(found.nodes, found.nodes[1:], found.strengths, strict=False)
        ]
        return ConnectionPath(
            origin="me" if origin is None else origin,
            nodes=[views.person(everyone[n]) for n in found.nodes if n != ME],
            hops=hops,
            strength=round(found.strength, 6),
        )

    async def _types(self, user_id: str, nodes: Sequence[str]) -> dict[tuple[str, str], LinkType]:
        wanted = [ordered(a, b) for a, b in pairwise(nodes) if ME not in (a, b)]
        found = await self._store.pairs(user_id, wanted)
        return {pair: LinkType(doc["type"]) for pair, doc in found.items()}

    async def ties(self, user_id: str, limit: int) -> TieList:
        docs = await self._store.strongest(user_id, limit * 2)
        people = await self._contacts.people(user_id, views.ends(docs))
        docs = [d for d in docs if d["a"] in people and d["b"] in people][:limit]
        mutual = await self._mutual(user_id, docs)
        return TieList(
            items=[
                Tie(
                    a=views.person(people[d["a"]]),
                    b=views.person(people[d["b"]]),
                    link=views.link(d, mutual[d["_id"]]),
                )
                for d in docs
            ]
        )

    async def at_company(self, user_id: str, company: str, limit: int) -> CompanyContacts:
        """Contacts whose company is ``company`` (case-insensitive), or who write from its
        e-mail domain: ``company`` itself when it is a domain, else the work domain most of the
        contacts named at that company use. Strongest relationship first."""
        everyone = [p for p in (await self._contacts.people(user_id)).values() if not p.is_archived]
        key = company_key(company)
        named = [p for p in everyone if key is not None and company_key(p.company) == key]
        asked = company.strip().lower().lstrip("@")
        if "." in asked and " " not in asked:
            domains = [asked]
        else:
            common = most_common(d for p in named for d in sorted(work_domains(p)))
            domains = [common] if common else []
        found: list[CompanyContact] = []
        named_ids = {p.id for p in named}
        for p in everyone:
            if p.id in named_ids:
                found.append(CompanyContact(**views.person(p).model_dump(), matched_by="company"))
            elif set(p.email_domains) & set(domains):
                found.append(CompanyContact(**views.person(p).model_dump(), matched_by="domain"))
        found.sort(key=lambda c: (-c.relationship_strength, (c.display_name or "").casefold()))
        return CompanyContacts(company=company.strip(), domains=domains, items=found[:limit])

    async def clusters(self, user_id: str, min_strength: float, limit: int) -> ClusterList:
        everyone = await self._contacts.people(user_id)
        graph = adjacency(
            (d["a"], d["b"], float(d.get("strength") or 0))
            for d in await self._store.edges(user_id, min_strength=min_strength)
            if d["a"] in everyone and d["b"] in everyone
        )
        found: list[Cluster] = []
        for members in clusters(graph)[:limit]:
            people = sorted(
                (everyone[m] for m in members),
                key=lambda p: (-p.relationship_strength, (p.display_name or "").casefold()),
            )
            label = company_label(people) or most_common(
                d for p in people for d in sorted(work_domains(p))
            )
            found.append(
                Cluster(
                    label=label,
                    size=len(members),
                    members=[views.person(p) for p in people[:MAX_CLUSTER_MEMBERS]],
                )
            )
        return ClusterList(items=found)

    async def _mutual(self, user_id: str, docs: Sequence[Mapping[str, Any]]) -> dict[str, int]:
        """Contacts both ends of each link know, counted now (always current, and only for
        the links read rather than rewritten across the graph on every change)."""
        if not docs:
            return {}
        ends = views.ends(docs)
        neighbours: dict[str, set[str]] = {end: set() for end in ends}
        for d in await self._store.of_contacts(user_id, ends, limit=None, fields={"a": 1, "b": 1}):
            if d["a"] in neighbours:
                neighbours[d["a"]].add(d["b"])
            if d["b"] in neighbours:
                neighbours[d["b"]].add(d["a"])
        return {
            d["_id"]: len((neighbours[d["a"]] & neighbours[d["b"]]) - {d["a"], d["b"]})
            for d in docs
        }

    # --- by hand ---------------------------------------------------------------------------

    async def set_type(
        self, user_id: str, contact_id: str, other_id: str, link_type: LinkType
    ) -> Relationship:
        """The user says what the two are to each other; inference never changes it again."""
        if contact_id == other_id:
            raise ProblemError(422, "A contact cannot be linked to itself", code="self-link")
        people = await self._contacts.people(user_id, [contact_id, other_id])
        if contact_id not in people or other_id not in people:
            raise not_found("Contact")
        a, b = ordered(contact_id, other_id)
        now = datetime.now(UTC)
        before = await self._store.pair(user_id, a, b)
        doc = await self._store.upsert_type(
            user_id,
            a,
            b,
            on_insert={
                "_id": uuid.uuid4().hex,
                "strength": 0.0,
                "shared_interactions": 0,
                "evidence": [],
                "last_evidence_at": None,
                "mutual_connections": 0,
                "detected_at": now,
                "created_at": now,
            },
            changes={"type": link_type.value, "type_source": "user", "updated_at": now},
        )
        await self._audited(
            user_id,
            AuditAction.CREATE if before is None else AuditAction.UPDATE,
            before,
            doc,
        )
        mutual = await self._mutual(user_id, [doc])
        return Relationship(
            other=views.person(people[other_id]), link=views.link(doc, mutual[doc["_id"]])
        )

    async def clear_type(self, user_id: str, contact_id: str, other_id: str) -> None:
        """Undo what the user set: a link only they made goes; one the user's mail and
        meetings show goes back to its inferred type. An inferred link cannot be deleted (409):
        the next shared meeting would bring it back."""
        people = await self._contacts.people(user_id, [contact_id, other_id])
        if contact_id not in people or other_id not in people:
            raise not_found("Contact")
        a, b = ordered(contact_id, other_id)
        doc = await self._store.pair(user_id, a, b)
        if doc is None:
            raise not_found("Relationship")
        if doc.get("type_source") != "user":
            raise ProblemError(
                409,
                "This link was inferred from meetings and e-mails they shared, so deleting it "
                "would not last: set its type instead (PUT).",
                code="link-inferred",
            )
        if not doc.get("shared_interactions"):
            await self._store.delete(doc["_id"])
            await self._audited(user_id, AuditAction.DELETE, doc, None)
            return
        changes = {
            "type": inferred_type(people[a], people[b]),
            "type_source": "inferred",
            "updated_at": datetime.now(UTC),
        }
        await self._store.set(doc["_id"], changes)
        await self._audited(user_id, AuditAction.UPDATE, doc, {**doc, **changes})

    async def _audited(
        self,
        user_id: str,
        action: AuditAction,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        def shown(doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
            if doc is None:
                return None
            return {"contact_ids": [doc["a"], doc["b"]], **{k: doc.get(k) for k in AUDITED_LINK}}

        link_id = str((after or before or {})["_id"])
        await audit_change(
            self._audit,
            user_id,
            action,
            ResourceType.RELATIONSHIP,
            link_id,
            old=shown(before),
            new=shown(after),
        )

    # --- merging contacts and the daily sweep ----------------------------------------------

    async def repoint(
        self, user_id: str, from_id: str, into_id: str, session: AsyncClientSession
    ) -> None:
        """``from_id`` was merged into ``into_id``: its links become ``into_id``'s, a pair
        both had becomes one (evidence joined, the user's type kept), a link between the two
        is dropped."""
        if from_id == into_id:
            return
        now = datetime.now(UTC)
        moving = await self._store.of_contacts(user_id, [from_id], limit=None, session=session)
        others = [d["b"] if d["a"] == from_id else d["a"] for d in moving]
        targets = await self._store.pairs(
            user_id, [ordered(into_id, o) for o in others if o != into_id], session
        )
        for doc, other in zip(moving, others, strict=True):
            await self._store.delete(doc["_id"], session)
            if other == into_id:
                continue
            a, b = ordered(into_id, other)
            target = targets.get((a, b))
            if target is None:
                await self._store.insert({**doc, "a": a, "b": b, "updated_at": now}, session)
                continue
            await self._store.set(target["_id"], merged(target, doc, now, self._policy), session)

    async def sweep(self, now: datetime | None = None) -> int:
        """Refresh every link's strength (silence alone lowers it) and mutual connections,
        and drop links to contacts that are gone; the number of links changed."""
        now = now or datetime.now(UTC)
        changed = 0
        async for user_id in self._store.users():
            changed += await self._sweep_user(user_id, now)
        return changed

    async def _sweep_user(self, user_id: str, now: datetime) -> int:
        everyone = await self._contacts.people(user_id)
        docs = await self._store.edges(user_id, fields=SWEEP_FIELDS)
        gone = [d["_id"] for d in docs if d["a"] not in everyone or d["b"] not in everyone]
        live = [d for d in docs if d["a"] in everyone and d["b"] in everyone]
        neighbours: dict[str, set[str]] = {}
        for d in live:
            neighbours.setdefault(d["a"], set()).add(d["b"])
            neighbours.setdefault(d["b"], set()).add(d["a"])
        updates: list[tuple[str, dict[str, Any]]] = []
        for d in live:
            last = d.get("last_evidence_at")
            strength = tie_strength(
                int(d.get("shared_interactions") or 0),
                last.replace(tzinfo=last.tzinfo or UTC) if isinstance(last, datetime) else None,
                now,
                self._policy.half_life_days,
            )
            mutual = len((neighbours[d["a"]] & neighbours[d["b"]]) - {d["a"], d["b"]})
            if abs(strength - float(d.get("strength") or 0)) > 1e-4 or mutual != d.get(
                "mutual_connections"
            ):
                updates.append((d["_id"], {"strength": strength, "mutual_connections": mutual}))
        await self._store.write(updates, gone)
        return len(updates) + len(gone)


def company_label(people: Sequence[ContactPerson]) -> str | None:
    """The company most of ``people`` name (case-insensitively), as the first of them spells it."""
    spelled: dict[str, str] = {}
    for p in people:
        key = company_key(p.company)
        if key is not None and p.company:
            spelled.setdefault(key, p.company.strip())
    key = most_common(company_key(p.company) for p in people)
    return spelled[key] if key is not None else None


def merged(
    target: Mapping[str, Any], moved: Mapping[str, Any], now: datetime, policy: GraphPolicy
) -> dict[str, Any]:
    """The fields of ``target`` once the same pair's ``moved`` link is folded into it."""
    evidence = recent([*(target.get("evidence") or []), *(moved.get("evidence") or [])])
    overlap = {
        str(e["record_id"]) for e in target.get("evidence") or [] if e.get("series") is None
    } & {str(e["record_id"]) for e in moved.get("evidence") or [] if e.get("series") is None}
    # A series both links counted: the occurrences both saw count once.
    series = {str(e["record_id"]): dict(e) for e in target.get("series") or []}
    both = 0
    for entry in moved.get("series") or []:
        mine = series.get(str(entry["record_id"]))
        if mine is None:
            series[str(entry["record_id"])] = dict(entry)
            continue
        both += min(int(mine["count"]), int(entry["count"]))
        mine["count"] = max(int(mine["count"]), int(entry["count"]))
        mine["through"] = max(as_utc(mine["through"]), as_utc(entry["through"]))
    shared = (
        int(target.get("shared_interactions") or 0)
        + int(moved.get("shared_interactions") or 0)
        - len(overlap)
        - both
    )
    moments = [
        m.replace(tzinfo=m.tzinfo or UTC)
        for m in (target.get("last_evidence_at"), moved.get("last_evidence_at"))
        if isinstance(m, datetime)
    ]
    last = max(moments) if moments else None
    keep = (
        target
        if target.get("type_source") == "user" or moved.get("type_source") != "user"
        else moved
    )
    detected = [
        m.replace(tzinfo=m.tzinfo or UTC)
        for m in (target.get("detected_at"), moved.get("detected_at"))
        if isinstance(m, datetime)
    ]
    fields: dict[str, Any] = {
        "evidence": evidence,
        "shared_interactions": shared,
        "last_evidence_at": last,
        "strength": tie_strength(shared, last, now, policy.half_life_days),
        "type": keep.get("type"),
        "type_source": keep.get("type_source"),
        "detected_at": min(detected) if detected else now,
        "updated_at": now,
    }
    if series:
        fields["series"] = list(series.values())
    return fields
