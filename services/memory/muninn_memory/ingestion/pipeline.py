"""One ingestion job, end to end: messages → episodic memories → facts → reconciliation → commit.

Everything the job changes — new memories, superseded or deleted ones, history entries,
entities and their mention counts, and the job's own status — commits in one MongoDB
transaction, conditioned on the worker still holding the job. A job is therefore applied
exactly once even if its worker dies at any point; the vector index follows from MongoDB right after (see ``indexing/service.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from muninn_shared.events.payloads import REPLYING_TO, REPLYING_TO_CHARS
from muninn_shared.logging import get_logger
from muninn_shared.storage.mongo import in_transaction
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from muninn_memory.entities.recognize import recognize
from muninn_memory.entities.service import EntityService, ResolvedEntity
from muninn_memory.extraction.models import ExtractedFact, Extraction, Extractor, SourceMessage
from muninn_memory.extraction.rules import bounded, classify
from muninn_memory.extraction.signals import context_of, importance_of, sentiment_of
from muninn_memory.extraction.text import clean, truncate
from muninn_memory.history.records import history_entry
from muninn_memory.indexing.models import PENDING
from muninn_memory.indexing.service import IndexSync
from muninn_memory.ingestion.models import JobOperation, JobResult
from muninn_memory.ingestion.planning import FactContext, Plan, plan_decision, source_ref
from muninn_memory.ingestion.store import JobStore
from muninn_memory.memories.ledger import MemoryLedger
from muninn_memory.memories.models import (
    ExtractionInfo,
    MemoryType,
    Provenance,
)
from muninn_memory.memories.records import ANSWERS_KEY, new_memory_doc
from muninn_memory.reconciliation.service import Reconciler
from muninn_memory.retrieval.parts import last_question, questions_answered
from muninn_memory.retrieval.timing import stage

log = get_logger(__name__)

Doc = dict[str, Any]
# The contacts already tied to synced records, by record id (see contacts/store.py).
RecordContacts = Callable[[str, list[str], AsyncClientSession], Awaitable[dict[str, list[str]]]]


def source_message(raw: Doc) -> SourceMessage:
    metadata = dict(raw.get("metadata") or {})
    # Kept apart from the metadata, which provenance stores: it is the other side's words.
    replying_to = metadata.pop(REPLYING_TO, None)
    speaker = metadata.get("speaker") or metadata.get("speaker_name") or metadata.get("name")
    created = raw.get("created_at")
    if isinstance(created, str):
        created = datetime.fromisoformat(created)
    if created is None:
        created = datetime.now(UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return SourceMessage(
        content=raw["content"],
        created_at=created,
        role=raw.get("role", "user"),
        message_id=raw.get("message_id"),
        conversation_id=raw.get("conversation_id"),
        speaker=str(speaker) if speaker else None,
        metadata=metadata,
        replying_to=replying_to[-REPLYING_TO_CHARS:] if isinstance(replying_to, str) else None,
    )


@dataclass(kw_only=True, eq=False)
class IngestionPipeline:
    """Runs one ingestion job: plans its writes, then commits them in one transaction."""

    client: AsyncMongoClient[Doc]
    jobs: JobStore
    memories: MemoryLedger
    entities: EntityService
    extractor: Extractor
    reconciler: Reconciler
    index_sync: IndexSync
    record_contacts: RecordContacts | None = None

    async def run(self, job: Doc) -> JobResult:
        user_id: str = job["user_id"]
        payload: Doc = job.get("payload") or {}
        messages = [source_message(m) for m in payload.get("messages") or []]
        plan = Plan()
        extraction: Extraction | None
        with stage("plan"):
            if job["kind"] == "memory":
                extraction = await self._plan_direct(job, payload, messages[0], plan)
            else:
                extraction = await self._plan_messages(job, messages, plan)
            _stamp(plan.new, payload)
        counts = Counter(op.op for op in plan.operations)
        result = JobResult(
            operations=plan.operations,
            extractor=extraction.extractor if extraction else None,
            notes=extraction.notes if extraction else [],
            counts=dict(counts),
        )
        # The model's lane is the slowest stage of a job and the transaction mostly waits on
        # the database: the new memories are embedded while it runs, and the index sync after
        # the commit takes their vectors.
        with self.index_sync.writing(plan.touched):
            embedding = asyncio.create_task(self._embed_ahead(user_id, plan.new))
            try:
                await self._commit(job, payload, messages, plan, result)
            except BaseException:
                embedding.cancel()
                raise
            await embedding
            await self.index_sync.try_sync(user_id, plan.touched)
        return result

    async def _embed_ahead(self, user_id: str, docs: list[Doc]) -> None:
        with stage("embed.documents"), contextlib.suppress(Exception):
            # A failure here is the index sync's to meet (and to leave to the sweep).
            await self.index_sync.prepare(user_id, docs)

    async def _commit(
        self,
        job: Doc,
        payload: Doc,
        messages: list[SourceMessage],
        plan: Plan,
        result: JobResult,
    ) -> None:
        """The job's outcome, its memories and their entities, in one transaction."""
        user_id: str = job["user_id"]
        # In a worker thread, as extraction: a long message's rules leave the event loop free.
        with stage("recognise"):
            recognitions = await asyncio.to_thread(
                lambda: [recognize(m.content) if m.role == "user" else None for m in messages]
            )

        async def work(session: AsyncClientSession) -> None:
            await self.jobs.finish(
                job["_id"], job["claim"], result.model_dump(mode="python"), session
            )
            new_docs = copy.deepcopy(plan.new)
            resolved: list[list[ResolvedEntity | None]] = []
            for message, recognition in zip(messages, recognitions, strict=True):
                if recognition is None or not recognition.mentions:
                    resolved.append([])
                    continue
                context = payload.get("context") or context_of(message.content)
                resolved.append(
                    await self.entities.record(
                        user_id,
                        recognition,
                        at=message.created_at,
                        context=context,
                        session=session,
                    )
                )
            for doc in new_docs:
                self._attach_entities(doc, plan.origin.get(doc["_id"]), resolved)
            await self._attach_contacts(user_id, new_docs, session)
            await self.memories.apply_job(
                user_id,
                new=new_docs,
                changes=plan.changes,
                history=copy.deepcopy(plan.history),
                session=session,
            )

        with stage("transaction"):
            await in_transaction(self.client, work)

    # -- planning -------------------------------------------------------------------------

    async def _plan_messages(
        self, job: Doc, messages: list[SourceMessage], plan: Plan
    ) -> Extraction | None:
        user_id = job["user_id"]
        payload = job.get("payload") or {}
        known = await self.memories.by_message_ids(
            user_id, [m.message_id for m in messages if m.message_id]
        )
        episodic_for = {
            mid
            for d in known
            if d["type"] == MemoryType.CONVERSATION.value
            for mid in d["provenance"].get("message_ids", [])
        }
        answered = [
            asked or (last_question("assistant", m.replying_to) if m.replying_to else None)
            for m, asked in zip(
                messages,
                questions_answered([(m.speaker or m.role, m.content) for m in messages]),
                strict=True,
            )
        ]
        for index, message in enumerate(messages):
            if message.message_id and message.message_id in episodic_for:
                plan.operations.append(
                    JobOperation(
                        op="noop",
                        content=truncate(message.content, 200),
                        type="conversation",
                        reason="message already remembered",
                    )
                )
                continue
            self._add_episodic(
                job, message, index, plan, context=payload.get("context"), answers=answered[index]
            )
        if not job.get("infer", True):
            return None
        extraction = await self.extractor.extract(messages)
        if extraction.over_budget:
            log.warning(
                "messages stored without extraction: over the extraction budget",
                job_id=job["_id"],
                messages=extraction.over_budget,
            )
        for fact in extraction.facts:
            message = messages[fact.message_index]
            decision = await self.reconciler.decide(
                user_id,
                fact,
                pending=plan.active_facts(),
                retired=plan.retired,
                scope=payload.get("scope"),
            )
            memory_id = plan_decision(
                plan,
                decision,
                FactContext(
                    job=job,
                    message=message,
                    extractor=extraction.extractor,
                    embedding_model=self.index_sync.index.model_id,
                    context=payload.get("context"),
                ),
            )
            if decision.target is not None and decision.op in ("update", "delete"):
                await self._outdate_sources(
                    user_id,
                    decision.target,
                    memory_id or decision.target["_id"],
                    plan,
                    keep_index=fact.message_index,
                )
        return extraction

    async def _outdate_sources(
        self, user_id: str, target: Doc, by: str, plan: Plan, *, keep_index: int
    ) -> None:
        """Stored messages that stated a now-corrected fact leave search (they stay on record)."""
        provenance = target.get("provenance") or {}
        message_ids = list(provenance.get("message_ids") or [])
        candidates = [d for d in plan.new if d["type"] == MemoryType.CONVERSATION.value]
        if target["_id"] not in {d["_id"] for d in plan.new}:
            if message_ids:
                candidates += await self.memories.by_message_ids(user_id, message_ids)
            elif provenance.get("job_id"):
                same_turn = {
                    "type": MemoryType.CONVERSATION.value,
                    "occurred_at": target["occurred_at"],
                }
                candidates += (
                    await self.memories.of_job(user_id, provenance["job_id"], same_turn)
                )[:5]
        for doc in candidates:
            if doc["type"] != MemoryType.CONVERSATION.value or doc.get("outdated_by"):
                continue
            if doc["_id"] in plan.origin and plan.origin[doc["_id"]][0] == keep_index:
                continue  # the message that makes the correction stays searchable
            same_message = (
                bool(set(doc["provenance"].get("message_ids") or []) & set(message_ids))
                if message_ids
                else (
                    doc["provenance"].get("job_id") == provenance.get("job_id")
                    and doc["occurred_at"] == target["occurred_at"]
                )
            )
            if same_message:
                plan.change(doc, {"outdated_by": by})

    async def _plan_direct(
        self, job: Doc, payload: Doc, message: SourceMessage, plan: Plan
    ) -> Extraction:
        """One memory given by the client: stored as given, deduplicated and, with infer, reconciled."""
        content: str = payload["memory"]["content"]
        given_type = payload["memory"].get("type")
        match = classify(bounded(clean(content))) if job.get("infer", True) else None
        category = match.category if match else "statement"
        fact = ExtractedFact(
            content=content,
            category=category,
            sentence=content,
            slot=match.slot if match else None,
            stated_at=message.created_at,
            importance=payload["memory"].get("importance") or importance_of(category, content),
            sentiment=payload["memory"].get("sentiment") or sentiment_of(content),
            confidence=1.0,
            context=payload["memory"].get("context") or context_of(content),
        )
        decision = await self.reconciler.decide(
            job["user_id"], fact, pending=[], retired=set(), scope=payload.get("scope")
        )
        plan_decision(
            plan,
            decision,
            FactContext(
                job=job,
                message=message,
                extractor="none",
                embedding_model=self.index_sync.index.model_id,
                context=fact.context,
                type_override=given_type,
                direct=payload["memory"],
            ),
        )
        return Extraction(facts=[fact], extractor="none" if not match else "rules-v1")

    def _add_episodic(
        self,
        job: Doc,
        message: SourceMessage,
        index: int,
        plan: Plan,
        *,
        context: str | None,
        answers: str | None = None,
    ) -> None:
        """The message as a conversational memory; ``answers``: the question it answers, from
        the messages sent with it (indexed with it, retrieval/parts.py)."""
        provenance = Provenance(
            source=job["source"],
            job_id=job["_id"],
            event_id=job.get("event_id"),
            message_ids=[message.message_id] if message.message_id else [],
            messages=[source_ref(message, message.content)],
            extraction=ExtractionInfo(extractor="none", category="conversation", confidence=1.0),
        )
        doc = new_memory_doc(
            user_id=job["user_id"],
            content=message.content,
            type_=MemoryType.CONVERSATION.value,
            context=context or message.metadata.get("context") or context_of(message.content),
            importance=3 if message.role == "user" else 2,
            sentiment=sentiment_of(message.content),
            occurred_at=message.created_at,
            provenance=provenance,
            metadata={
                "role": message.role,
                **({"speaker": message.speaker} if message.speaker else {}),
                **({ANSWERS_KEY: answers} if answers else {}),
            },
            embedding_model=self.index_sync.index.model_id,
        )
        plan.new.append(doc)
        plan.origin[doc["_id"]] = (index, None)
        plan.history.append(
            history_entry(
                user_id=job["user_id"],
                memory_id=doc["_id"],
                lineage_id=doc["lineage_id"],
                operation="created",
                actor="system",
                reason="message stored as an episodic memory",
                job_id=job["_id"],
                source_messages=[doc["provenance"]["messages"][0]],
                after={"content": doc["content"]},
            )
        )
        plan.operations.append(
            JobOperation(
                op="add",
                memory_id=doc["_id"],
                content=truncate(doc["content"], 200),
                type=doc["type"],
                reason="episodic",
            )
        )

    async def _attach_contacts(
        self, user_id: str, docs: list[Doc], session: AsyncClientSession
    ) -> None:
        """A synced e-mail or meeting an interaction named before its memory existed."""
        by_record = {
            str(d["metadata"]["record_id"]): d
            for d in docs
            if isinstance((d.get("metadata") or {}).get("record_id"), str)
        }
        if self.record_contacts is None or not by_record:
            return
        for record_id, contacts in (
            await self.record_contacts(user_id, list(by_record), session)
        ).items():
            doc = by_record[record_id]
            doc["contact_ids"] = sorted({*(doc.get("contact_ids") or []), *contacts})

    @staticmethod
    def _attach_entities(
        doc: Doc, origin: tuple[int, str | None] | None, resolved: list[list[ResolvedEntity | None]]
    ) -> None:
        if origin is None or origin[0] >= len(resolved):
            return
        index, sentence = origin
        chosen: list[ResolvedEntity] = []
        for entity in resolved[index]:
            if entity is None or entity.id in {c.id for c in chosen}:
                continue
            if sentence is None or _mentions(sentence, entity):
                chosen.append(entity)
        doc["entity_ids"] = [e.id for e in chosen]
        doc["entity_names"] = [e.name for e in chosen]
        doc["index_state"] = PENDING


def _mentions(sentence: str, entity: ResolvedEntity) -> bool:
    lowered = sentence.lower()
    for alias in (entity.name, *entity.aliases):
        key = alias.lower().removeprefix("my ").removeprefix("the ")
        if key and re.search(rf"\b{re.escape(key)}\b", lowered):
            return True
    return False


def _stamp(docs: list[Doc], payload: Doc) -> None:
    """What the request said of all its memories: the app's scope, its metadata (under each
    memory's own, which wins) and an expiry."""
    scope = payload.get("scope") or {}
    metadata = payload.get("metadata") or {}
    expires_at = payload.get("expires_at")
    for doc in docs:
        if scope:
            doc["scope"] = dict(scope)
        if metadata:
            doc["metadata"] = {**metadata, **(doc.get("metadata") or {})}
        if expires_at is not None and doc.get("expires_at") is None:
            doc["expires_at"] = expires_at
