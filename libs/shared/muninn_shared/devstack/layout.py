"""Where the local stack keeps its files: ``./.muninn`` under the directory it is started from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HOME_DIRNAME = ".muninn"


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def in_directory(cls, directory: Path) -> Layout:
        return cls(directory.resolve() / HOME_DIRNAME)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def kafka_data(self) -> Path:
        return self.data_dir / "kafka"

    @property
    def mongo_data(self) -> Path:
        return self.data_dir / "mongo"

    @property
    def qdrant_data(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def signing_keys(self) -> Path:
        """Identity's development signing key ring, generated on the first run."""
        return self.data_dir / "identity-signing-keys.json"

    @property
    def event_key_encryption_key(self) -> Path:
        """Identity's development key-encryption key for event keys, generated on the first run."""
        return self.data_dir / "identity-event-key-encryption-key"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def lock_path(self) -> Path:
        return self.root / "run.lock"

    @property
    def state_path(self) -> Path:
        return self.root / "run.json"

    def log(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def create(self) -> None:
        for directory in (self.kafka_data, self.mongo_data, self.qdrant_data, self.logs_dir):
            directory.mkdir(parents=True, exist_ok=True)
