"""What the vault keeps: one sealed secret per record (an integrations
connection, a BYOD store), and the secret once opened."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_SECRET_BYTES = 64 * 1024


class VaultSecret(Mapping[str, str]):
    """The credentials of one record (tokens, app passwords, a database URI).

    Its repr names the fields and never shows a value, so a secret that slips into a log line
    or an exception message leaks nothing.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"VaultSecret(fields={sorted(self._values)!r})"

    __str__ = __repr__


@dataclass(frozen=True)
class VaultRecord:
    """A record's data key (wrapped by ``key_id``) and its secret sealed under that data key."""

    record_id: str
    user_id: str
    key_id: str
    data_key_ciphertext: bytes = field(repr=False)
    secret_ciphertext: bytes = field(repr=False)
    created_at: datetime
    updated_at: datetime


def vault_record(doc: Mapping[str, Any]) -> VaultRecord:
    return VaultRecord(
        record_id=doc["_id"],
        user_id=doc["user_id"],
        key_id=doc["key_id"],
        data_key_ciphertext=bytes(doc["data_key_ciphertext"]),
        secret_ciphertext=bytes(doc["secret_ciphertext"]),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )
