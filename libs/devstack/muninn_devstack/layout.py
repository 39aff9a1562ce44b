"""Where the local stack keeps its files: ``./.muninn`` under the directory it is started from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HOME_DIRNAME = ".muninn"


@dataclass(frozen=True)
class Layout:
    root: Path
    data_dir: Path
    kafka_data: Path
    mongo_data: Path
    qdrant_data: Path
    signing_keys: Path
    """Identity's development signing key ring, generated on the first run."""
    event_key_encryption_key: Path
    """Identity's development key-encryption key for event keys, generated on the first run."""
    logs_dir: Path
    lock_path: Path
    state_path: Path

    @classmethod
    def in_directory(cls, directory: Path) -> Layout:
        root = directory.resolve() / HOME_DIRNAME
        data = root / "data"
        return cls(
            root=root,
            data_dir=data,
            kafka_data=data / "kafka",
            mongo_data=data / "mongo",
            qdrant_data=data / "qdrant",
            signing_keys=data / "identity-signing-keys.json",
            event_key_encryption_key=data / "identity-event-key-encryption-key",
            logs_dir=root / "logs",
            lock_path=root / "run.lock",
            state_path=root / "run.json",
        )

    def log(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def create(self) -> None:
        for directory in (self.kafka_data, self.mongo_data, self.qdrant_data, self.logs_dir):
            directory.mkdir(parents=True, exist_ok=True)
