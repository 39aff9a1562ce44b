"""One supervisor per directory: ``.muninn/run.lock`` holds the pid of the one that runs.

The file also carries an exclusive ``flock`` held for the supervisor's lifetime. The kernel
drops it when the process dies however it dies, so a lock left by a dead supervisor (killed,
machine rebooted) is stale by construction and simply taken over.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path


class AlreadyRunningError(RuntimeError):
    def __init__(self, pid: int | None) -> None:
        super().__init__(f"already running as pid {pid}")
        self.pid = pid


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_cmdline(pid: int) -> list[str] | None:
    """The argv of a live process, or None where /proc cannot tell."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


@dataclass
class RunLock:
    path: Path
    _fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def owner(self) -> int | None:
        """The pid of the supervisor holding the lock now, or None if nobody holds it."""
        if self._fd is not None:
            return os.getpid()
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(self.path) or -1
        finally:
            os.close(fd)
        return None

    def acquire(self) -> int | None:
        """Take the lock; returns the pid a stale lock named, if one was taken over.

        Raises :class:`AlreadyRunningError` while another supervisor holds it.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise AlreadyRunningError(_read_pid(self.path)) from None
            # The previous holder may have unlinked the file between our open and flock; a lock
            # on an orphaned inode guards nothing, so start over on the current file.
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            stale = _read_pid(self.path)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            self._fd = fd
            return stale if stale != os.getpid() else None

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None
