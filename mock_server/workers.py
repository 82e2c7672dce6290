"""Several worker processes on one state file (``biway-mock serve --workers N``).

Every worker answers requests; state, the clock and the faults live in the shared SQLite file,
and writes take turns under the store's write lock. Work that must happen once, delivering
webhooks and carrying out the realtime clock's due work, belongs to whoever holds the leader
lock: with ``--workers N``, the parent process (which answers no request, so a batch of
background work never holds up an answer); alone, the one server process. If the holder dies,
the operating system frees the lock and a worker takes over within :data:`RETRY` seconds.
"""

from __future__ import annotations

import asyncio
import ctypes
import fcntl
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .platform import Platform

__all__ = ["Leadership", "RETRY", "SCRATCH_PREFIX", "follow_parent", "lead", "lead_in_thread", "sweep_scratch"]

#: The folders ``serve --workers N`` keeps its state in when it has no ``--data-dir``.
SCRATCH_PREFIX = "biway-mock-"

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


async def lead(platform: Platform, leadership: Leadership) -> None:
    """Once leader: deliver webhooks and, under the realtime clock, carry out due work."""
    await leadership.acquire()
    loops = [platform.outbox.run_forever()]
    if platform.clock.mode == "realtime":
        loops.append(platform.scheduler.run_forever())
    await asyncio.gather(*loops)


def lead_in_thread(platform: Platform, leadership: Leadership) -> threading.Thread:
    """:func:`lead` on its own event loop in a daemon thread (the parent of ``--workers N``).

    The lock is taken before returning, so that workers started afterwards never lead while this
    process lives."""
    if not leadership.try_acquire():
        raise RuntimeError(f"another biway-mock leads on {leadership.path}")
    thread = threading.Thread(target=asyncio.run, args=(lead(platform, leadership),), daemon=True,
                              name="biway-mock leader")
    thread.start()
    return thread


def follow_parent() -> None:
    """In a worker: end when the parent process ends, even by SIGKILL (Linux), instead of
    serving on, orphaned, with no leader to deliver webhooks."""
    if sys.platform != "linux":
        return
    parent = os.getppid()
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # the parent was gone before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def sweep_scratch(parent: Path, leader_file: str, older_than: float = 60.0) -> None:
    """Remove the state folders of servers that were killed before they could (``kill -9``):
    on a tmpfs they hold memory. A folder whose leader lock nobody holds, and that is older than
    ``older_than`` seconds (a server starting up takes its lock within one), is abandoned."""
    for folder in parent.glob(f"{SCRATCH_PREFIX}*"):
        try:
            if time.time() - folder.stat().st_mtime < older_than:
                continue
            lock = Leadership(folder / leader_file)
            if lock.try_acquire():
                lock.release()
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
