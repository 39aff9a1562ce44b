"""Where ``muninn login`` keeps the server and credentials: one JSON file, readable by its owner only."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

ENV_CONFIG = "MUNINN_CONFIG"


def default_path() -> Path:
    if os.environ.get(ENV_CONFIG):
        return Path(os.environ[ENV_CONFIG])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "muninn" / "credentials.json"


@dataclass
class Profile:
    base_url: str
    email: str | None = None
    api_key: str | None = None
    access_token: str | None = None
    refresh_token: str | None = None
    expires_at: float | None = None


def load(path: Path) -> Profile | None:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a readable credentials file: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("base_url"), str):
        raise ValueError(f"{path} is not a credentials file written by `muninn login`")
    fields = Profile.__dataclass_fields__
    return Profile(**{k: v for k, v in raw.items() if k in fields})


def save(path: Path, profile: Profile) -> None:
    """Written whole to a new file created 0600, then moved over the old one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".tmp")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(asdict(profile), out, indent=2)
    os.chmod(scratch, 0o600)
    os.replace(scratch, path)


def forget(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
