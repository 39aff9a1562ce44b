"""FastAPI dependency: the memory service's container."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from muninn_shared.http.services import services_of

from muninn_memory.admin.service import IndexAdmin
from muninn_memory.contacts.service import ContactMemories
from muninn_memory.documents.service import DocumentService
from muninn_memory.entities.corrections import EntityCorrections
from muninn_memory.entities.service import EntityService
from muninn_memory.history.service import HistoryService
from muninn_memory.ingestion.service import IngestionService
from muninn_memory.mem0_compat.service import Mem0Compat
from muninn_memory.memories.search import MemorySearch
from muninn_memory.memories.service import MemoryService
from muninn_memory.memories.store import MemoryStore
from muninn_memory.relations.service import RelationService
from muninn_memory.summaries.service import SummaryService


@dataclass(frozen=True)
class MemoryServices:
    memories: MemoryService
    memory_store: MemoryStore
    history: HistoryService
    entities: EntityService
    entity_corrections: EntityCorrections
    ingestion: IngestionService
    search: MemorySearch
    documents: DocumentService
    summaries: SummaryService
    relations: RelationService
    contacts: ContactMemories
    mem0: Mem0Compat
    index_admin: IndexAdmin


Services = Annotated[MemoryServices, Depends(services_of(MemoryServices))]
