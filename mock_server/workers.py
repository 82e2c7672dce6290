"""Several worker processes on one state file (``biway-mock serve --workers N``).

Every worker answers requests; state, the clock and the faults live in the shared SQLite file,
and writes take turns under the store's write lock. Work that must happen once, delivering
webhooks and carrying out the realtime clock's due work, belongs to one worker at a time: the
one holding the leader lock. If it dies, the operating system frees the lock and another
worker takes over within :data:`RETRY` seconds.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

__all__ = ["Leadership", "RETRY"]

#: How often a worker that is not the leader tries to become it, in seconds.
RETRY = 0.5


class Leadership:
    """The leader lock: ``path`` None means one process alone, always the leader."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self.path is None:
            return True
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True  # held until the process ends (or release())

    async def acquire(self) -> None:
        while not self.try_acquire():
            await asyncio.sleep(RETRY)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
