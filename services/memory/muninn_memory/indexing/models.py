"""Where a record stands with the vector index, stored as its ``index_state``.

A writer sets :data:`PENDING` in the transaction that changes what should be searchable; the
index sync sets :data:`SYNCED` once the vector write is done.
"""

from __future__ import annotations

PENDING = "pending"
SYNCED = "synced"
