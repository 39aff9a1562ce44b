"""What commands print: rich tables for people, one JSON document for scripts (``--json``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.table import Table


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


@dataclass
class Output:
    as_json: bool
    console: Console
    errors: Console

    @classmethod
    def create(cls, as_json: bool) -> Output:
        return cls(as_json, Console(), Console(stderr=True))

    def json(self, value: Any) -> None:
        sys.stdout.write(json.dumps(jsonable(value), indent=2, default=str) + "\n")
        sys.stdout.flush()

    def result(self, value: Any, text: str) -> None:
        """``value`` as JSON with --json, else ``text`` (rich markup)."""
        if self.as_json:
            self.json(value)
        else:
            self.console.print(text)

    def table(
        self, value: Any, columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str = ""
    ) -> None:
        if self.as_json:
            self.json(value)
            return
        table = Table(title=title or None, show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        self.console.print(table)

    def error(self, message: str) -> None:
        self.errors.print(f"[red]error:[/red] {message}", highlight=False)


def short(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
