"""Writing to SQLite: one writer at a time across processes, and group commit.

Inside the server's event loop, the units of writes of one loop iteration share one SQLite
transaction (each in its own savepoint, so a failing request rolls back alone), committed by a
callback at the next iteration; the server answers a request only after the commit that holds
its writes (:meth:`Transactions.durable`). That is one commit for many requests. Without a
running loop (tools, tests), each unit commits at once.

When other processes share the file (``serve --workers N``), a unit groups only after
:meth:`Transactions.ready_to_write` took the write lock without blocking the loop; a unit that
has to wait on the lock itself (the leader's background work) commits at once, so that no
loop waits a whole iteration of another.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Transactions", "WriteLock"]


class WriteLock:
    """An exclusive lock on a file, across the worker processes that share the database."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def __enter__(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def try_enter(self) -> bool:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


@dataclass
class _Group:
    """The write transaction open for this loop iteration; ``done`` resolves at its commit."""

    done: asyncio.Future[None] | None


class Transactions:
    """The write transactions of one connection.

    ``writer``: the lock shared with other processes (None: a database in memory).
    ``shared``: other processes write to the file too. ``on_begin`` runs at the start of each
    transaction (the store writes its pending journal entries there).
    """

    def __init__(self, db: sqlite3.Connection, writer: WriteLock | None, *, shared: bool,
                 on_begin: Callable[[], None]) -> None:
        self._db = db
        self._writer = writer
        self._shared = shared and writer is not None
        self._on_begin = on_begin
        self._group: _Group | None = None
        self._depth = 0

    @contextlib.contextmanager
    def unit(self) -> Iterator[sqlite3.Connection]:
        """One unit of writes, all or nothing; a unit opened inside another joins it."""
        if self._depth:
            yield self._db
            return
        self._depth += 1
        try:
            if self._group is None:
                self._open_group()
            self._db.execute("SAVEPOINT unit")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK TO unit")
                self._db.execute("RELEASE unit")
                raise
            self._db.execute("RELEASE unit")
        finally:
            self._depth -= 1
            if self._group is not None and self._group.done is None:
                self._commit_group()

    async def ready_to_write(self) -> None:
        """Before a request's writes, when other processes share the file: take the write lock
        without blocking the event loop (a busy lock is polled, not waited on), and open the
        group that this loop iteration's writes join. The other processes' loops go on serving
        meanwhile; the commit at the next iteration lets the lock go."""
        if not self._shared or self._group is not None or self._writer is None:
            return
        polls = 0
        while self._group is None and not self._writer.try_enter():
            polls += 1
            await asyncio.sleep(0 if polls < 8 else 0.0005)
        if self._group is None:
            self._open_group(locked=True)

    async def durable(self) -> None:
        """Return once every write made so far is committed."""
        group = self._group
        if group is not None and group.done is not None:
            await asyncio.shield(group.done)

    def close(self) -> None:
        """Commit what is open, and let the lock's file go."""
        self._commit_group()
        if self._writer is not None:
            self._writer.close()

    def _open_group(self, *, locked: bool = False) -> None:
        """Begin the write transaction; grouped over the loop iteration when ``locked`` (by
        :meth:`ready_to_write`) or when the file is this process's alone."""
        if self._writer is not None and not locked:
            self._writer.__enter__()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._on_begin()
        except BaseException:
            self._release()
            raise
        try:
            loop: asyncio.AbstractEventLoop | None = None if self._shared and not locked else asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        self._group = _Group(loop.create_future() if loop else None)
        if loop is not None:
            loop.call_soon(self._commit_group)

    def _commit_group(self) -> None:
        group, self._group = self._group, None
        if group is None:
            return
        try:
            self._db.execute("COMMIT")
        except BaseException as exc:
            self._db.execute("ROLLBACK")
            if group.done is not None:
                group.done.set_exception(exc)
            raise
        finally:
            self._release()
        if group.done is not None:
            group.done.set_result(None)

    def _release(self) -> None:
        if self._writer is not None:
            self._writer.__exit__(None, None, None)
