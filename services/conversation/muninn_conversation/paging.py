"""Query parameters every paged list takes: how many items, and where the previous page ended."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

PageLimit = Annotated[int, Query(ge=1, le=100)]
PageCursor = Annotated[str | None, Query(max_length=512)]
