"""Where state lives: a small typed interface and its SQLite implementation.

Resources are documents (their JSON as a GET returns it) with a few indexed columns; events
are appended in the same transaction as the state change that caused them, so a crash never
keeps one without the other (the outbox that webhook delivery reads). In memory by default;
a file (WAL) when the server is given ``--data-dir``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import orjson

from .clock import format_epoch
from .errors import BadRequest, FieldError
from .transactions import Transactions, WriteLock

if TYPE_CHECKING:
    from .copies import Copies

__all__ = ["COPIES_BUILT_BY_SQLITE", "Delivery", "Event", "Job", "JobsTaken", "JournalEntry", "LoggedEvent", "Page", "Record",
           "SqliteStore", "Store"]


@dataclass
class Record:
    """A stored resource. ``data`` is its representation; ``owner`` the tenant it belongs to."""

    kind: str
    id: str
    owner: str
    data: dict[str, Any]
    #: A value unique per (kind, owner), e.g. a template's name or a lower-cased keyword.
    key: str | None = None
    #: The resource this one is listed under (a broadcast's messages).
    parent: str | None = None

    @property
    def status(self) -> str:
        return str(self.data["status"])


@dataclass(frozen=True)
class Event:
    """One envelope of the spec's callback schema, ready to send."""

    id: str
    type: str
    account_id: str
    resource_id: str
    body: dict[str, Any]


#: From how many copies SQLite builds them (:meth:`SqliteStore.insert_copies`): below, its
#: statements cost more than Python's encoding.
COPIES_BUILT_BY_SQLITE = 50


class LoggedEvent(NamedTuple):
    """An event as the log holds it: its position, and its body still encoded (parsed only if sent)."""

    seq: int
    id: str
    type: str
    account_id: str
    resource_id: str
    body: bytes


@dataclass(frozen=True)
class Job:
    """Pending lifecycle work: from ``due`` (epoch seconds), walk these resources through ``steps``.

    One job covers every resource with the same plan created together (a broadcast's messages
    share one or a few), so a 100,000-recipient broadcast writes a few job rows, not 100,000.
    Each step is ``{"state", "after", "reason"}``.
    """

    due: float
    resource_ids: list[str]
    steps: list[dict[str, Any]]
    seq: int | None = None


@dataclass
class Delivery:
    """One event on its way to one callback URL, with every attempt so far."""

    id: str
    event_seq: int
    event_id: str
    event_type: str
    resource_id: str
    endpoint_id: str | None
    status: str  # pending, delivered, failed, undeliverable, invalid
    next_at: float | None  # the mock clock's epoch seconds of the next attempt
    attempts: list[dict[str, Any]]
    created_at: str
    reason: str | None = None
    seq: int | None = None

    def as_body(self) -> dict[str, Any]:
        return {
            "id": self.id, "eventId": self.event_id, "eventType": self.event_type, "resourceId": self.resource_id,
            "endpointId": self.endpoint_id, "status": self.status, "reason": self.reason,
            "nextAttemptAt": format_epoch(self.next_at) if self.status == "pending" and self.next_at is not None else None,
            "attempts": self.attempts, "createdAt": self.created_at,
        }


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None

    def as_body(self) -> dict[str, Any]:
        return {"items": self.items, "nextCursor": self.next_cursor}


@dataclass(frozen=True)
class JournalEntry:
    at: str
    method: str
    path: str
    operation_id: str | None
    status: int
    violations: list[dict[str, str]]


class Store(Protocol):
    def get(self, id: str) -> Record | None: ...
    def get_many(self, ids: Sequence[str]) -> list[Record]: ...
    def find(self, kind: str, key: str, owner: str | None = None) -> Record | None: ...
    def transaction(self) -> contextlib.AbstractContextManager[Any]: ...
    async def durable(self) -> None: ...
    async def ready_to_write(self) -> None: ...
    def insert(self, records: Sequence[Record], events: Sequence[Event] = (), jobs: Sequence[Job] = ()) -> None: ...
    def insert_copies(self, copies: Copies, jobs: Sequence[Job] = ()) -> None: ...
    def update(self, records: Sequence[Record], events: Sequence[Event] = (), jobs: Sequence[Job] = (),
               done: Sequence[int] = ()) -> None: ...
    def due_jobs(self, until: float, limit: int = 500) -> list[Job]: ...
    def pending_jobs(self, limit: int = 100) -> tuple[list[Job], int]: ...
    def finish_jobs(self, seqs: Sequence[int]) -> None: ...
    def undispatched_events(self, limit: int) -> list[LoggedEvent]: ...
    def last_event_seq(self) -> int: ...
    def add_deliveries(self, deliveries: Sequence[Delivery], dispatched_up_to: int) -> None: ...
    def due_deliveries(self, until: float, limit: int, skip: set[str]) -> list[Delivery]: ...
    def save_deliveries(self, deliveries: Sequence[Delivery]) -> None: ...
    def get_delivery(self, id: str) -> Delivery | None: ...
    def event_body(self, seq: int) -> bytes: ...
    def event_bodies(self, seqs: Sequence[int]) -> dict[int, bytes]: ...
    def deliveries_page(self, *, event_id: str | None = None, endpoint_id: str | None = None,
                        status: str | None = None, limit: int = 100, cursor: str | None = None) -> Page: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def update_meta(self, key: str, update: Callable[[str | None], str]) -> None: ...
    def delete(self, id: str) -> None: ...
    def list_page(self, kind: str, *, owner: str | None = None, parent: str | None = None,
                  limit: int = 20, cursor: str | None = None) -> Page: ...
    def events_page(self, *, type: str | None = None, account_id: str | None = None,
                    resource_id: str | None = None, limit: int = 100, cursor: str | None = None) -> Page: ...
    def journal(self, entry: JournalEntry) -> None: ...
    def flush_journal(self) -> None: ...
    def recent_requests(self, limit: int, *, operation_id: str | None = None, violations_only: bool = False,
                        since: int = 0) -> list[dict[str, Any]]: ...
    def requests_summary(self) -> list[dict[str, Any]]: ...
    def reset(self) -> None: ...
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    seq    INTEGER PRIMARY KEY,
    id     TEXT NOT NULL UNIQUE,
    kind   TEXT NOT NULL,
    owner  TEXT NOT NULL,
    parent TEXT,
    key    TEXT,
    data   BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_by_owner ON resources (kind, owner, seq);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources (parent, seq) WHERE parent IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS resources_by_key ON resources (kind, owner, key) WHERE key IS NOT NULL;
CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL,  -- unique by construction (mock_server.ids.new_id); not indexed
    type        TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    body        BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_resource ON events (resource_id, seq);
CREATE TABLE IF NOT EXISTS jobs (
    seq          INTEGER PRIMARY KEY,
    due          REAL NOT NULL,
    resource_ids BLOB NOT NULL,
    steps        BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_due ON jobs (due, seq);
CREATE TABLE IF NOT EXISTS deliveries (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    event_seq   INTEGER NOT NULL,
    event_id    TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    endpoint_id TEXT,
    status      TEXT NOT NULL,
    next_at     REAL,
    attempts    BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    reason      TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at, seq) WHERE status = 'pending';
-- Per endpoint, one resource's events go out in order: the oldest pending one first.
CREATE INDEX IF NOT EXISTS deliveries_queue ON deliveries (endpoint_id, resource_id, seq) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_by_event ON deliveries (event_id);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    operation_id TEXT,
    status       INTEGER NOT NULL,
    violations   BLOB NOT NULL
);
"""

_DELIVERY_COLUMNS = ("d.seq, d.id, d.event_seq, d.event_id, d.event_type, d.resource_id, d.endpoint_id, d.status,"
                     " d.next_at, d.attempts, d.created_at, d.reason")


def _delivery(row: tuple[Any, ...]) -> Delivery:
    seq, id, event_seq, event_id, event_type, resource_id, endpoint_id, status, next_at, attempts, created_at, reason = row
    return Delivery(id, event_seq, event_id, event_type, resource_id, endpoint_id, status, next_at,
                    orjson.loads(attempts), created_at, reason, seq)


def _encode_cursor(seq: int) -> str:
    """A page's cursor is the position after which the next page starts: any such number is valid."""
    return str(seq)


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit():  # the spec's pattern refuses it first; the store stands on its own too
        raise BadRequest("A cursor is the nextCursor of a previous page.", [FieldError("query.cursor", "is not a position")])
    return int(cursor)


class JobsTaken(Exception):
    """The jobs an update finishes were finished by another worker meanwhile: nothing was written."""


class SqliteStore:
    """The :class:`Store` on one SQLite connection (the server calls it from its event loop)."""

    #: How many requests the journal keeps.
    JOURNAL_SIZE = 1000

    def __init__(self, path: Path | None = None, *, shared: bool = False) -> None:
        """``shared``: other processes write to the file too (``--workers N``)."""
        self.path = path
        self._db = sqlite3.connect(str(path) if path else ":memory:", isolation_level=None, check_same_thread=False)
        writer = None
        if path:
            # Worker processes share the file: one writer at a time, by a lock they wait on in
            # turn, rather than SQLite's busy handler, which sleeps and retries.
            writer = WriteLock(path.with_name(path.name + ".lock"))
            self._db.execute("PRAGMA busy_timeout=10000")
            with writer:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.executescript(_SCHEMA)
            self._db.execute("PRAGMA synchronous=NORMAL")
        else:
            self._db.executescript(_SCHEMA)
        self._journal_count = 0
        self._journal_buffer: list[JournalEntry] = []
        self._transactions = Transactions(self._db, writer, shared=shared, on_begin=self._write_journal)

    # -- resources -------------------------------------------------------------------------

    def get(self, id: str) -> Record | None:
        row = self._db.execute("SELECT kind, id, owner, data, key, parent FROM resources WHERE id = ?", (id,)).fetchone()
        return self._record(row) if row else None

    def get_many(self, ids: Sequence[str]) -> list[Record]:
        found: list[Record] = []
        for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            chunk = ids[start:start + 500]
            rows = self._db.execute(
                f"SELECT kind, id, owner, data, key, parent FROM resources WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            found.extend(self._record(row) for row in rows)
        return found

    def find(self, kind: str, key: str, owner: str | None = None) -> Record | None:
        sql = "SELECT kind, id, owner, data, key, parent FROM resources WHERE kind = ? AND key = ?"
        args: tuple[Any, ...] = (kind, key)
        if owner is not None:
            sql, args = sql + " AND owner = ?", (*args, owner)
        row = self._db.execute(sql, args).fetchone()
        return self._record(row) if row else None

    def insert(self, records: Sequence[Record], events: Sequence[Event] = (), jobs: Sequence[Job] = ()) -> None:
        with self.transaction():
            self._db.executemany(
                "INSERT INTO resources (id, kind, owner, parent, key, data) VALUES (?, ?, ?, ?, ?, ?)",
                [(r.id, r.kind, r.owner, r.parent, r.key, orjson.dumps(r.data)) for r in records],
            )
            self._append_events(events)
            self._add_jobs(jobs)

    def insert_copies(self, copies: Copies, jobs: Sequence[Job] = ()) -> None:
        """Store resources alike and their creation events: Python encodes a few, SQLite builds many."""
        if len(copies.values) < COPIES_BUILT_BY_SQLITE:
            self.insert(list(copies.records()), list(copies.events()), jobs)
            return
        record, event = copies.record, copies.event
        copy, params = copies.sql("copy")
        params |= {"kind": record.kind, "owner": record.owner, "parent": record.parent,
                   "type": event.type, "account_id": event.account_id}
        # json_each walks the array in order; an ORDER BY would add a sort (a fifth of the time).
        with self.transaction():
            self._db.execute("INSERT INTO resources (id, kind, owner, parent, data) SELECT"
                             f" {copy.id}, :kind, :owner, :parent, CAST({copy.data} AS BLOB) FROM json_each(:values) AS copy",
                             params)
            self._db.execute("INSERT INTO events (id, type, account_id, resource_id, body) SELECT"
                             f" {copy.event_id}, :type, :account_id, {copy.id}, CAST({copy.body} AS BLOB)"
                             " FROM json_each(:values) AS copy", params)
            self._add_jobs(jobs)

    def update(self, records: Sequence[Record], events: Sequence[Event] = (), jobs: Sequence[Job] = (),
               done: Sequence[int] = ()) -> None:
        """Write changed resources, their events, the work they plan and the work they finish, at once."""
        with self.transaction():
            self._db.executemany(
                "UPDATE resources SET data = ?, key = ? WHERE id = ?",
                [(orjson.dumps(r.data), r.key, r.id) for r in records],
            )
            self._append_events(events)
            self._add_jobs(jobs)
            if done and self._db.executemany("DELETE FROM jobs WHERE seq = ?", [(seq,) for seq in done]).rowcount != len(done):
                raise JobsTaken("another worker carried out these jobs first")

    def delete(self, id: str) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM resources WHERE id = ?", (id,))

    def list_page(self, kind: str, *, owner: str | None = None, parent: str | None = None,
                  limit: int = 20, cursor: str | None = None) -> Page:
        rows = self._rows("seq, data", "resources", cursor, limit, kind=kind, owner=owner, parent=parent)
        return self._page(rows, limit)

    # -- events ----------------------------------------------------------------------------

    def _append_events(self, events: Sequence[Event]) -> None:
        if events:
            self._db.executemany(
                "INSERT INTO events (id, type, account_id, resource_id, body) VALUES (?, ?, ?, ?, ?)",
                [(e.id, e.type, e.account_id, e.resource_id, orjson.dumps(e.body)) for e in events],
            )

    def events_page(self, *, type: str | None = None, account_id: str | None = None,
                    resource_id: str | None = None, limit: int = 100, cursor: str | None = None) -> Page:
        rows = self._rows("seq, body", "events", cursor, limit, type=type, account_id=account_id, resource_id=resource_id)
        return self._page(rows, limit)

    # -- pending work ------------------------------------------------------------------------

    def _add_jobs(self, jobs: Sequence[Job]) -> None:
        if jobs:
            self._db.executemany(
                "INSERT INTO jobs (due, resource_ids, steps) VALUES (?, ?, ?)",
                [(j.due, orjson.dumps(j.resource_ids), orjson.dumps(j.steps)) for j in jobs],
            )

    def due_jobs(self, until: float, limit: int = 500) -> list[Job]:
        rows = self._db.execute(
            "SELECT seq, due, resource_ids, steps FROM jobs WHERE due <= ? ORDER BY due, seq LIMIT ?", (until, limit)
        ).fetchall()
        return [Job(due, orjson.loads(ids), orjson.loads(steps), seq) for seq, due, ids, steps in rows]

    def pending_jobs(self, limit: int = 100) -> tuple[list[Job], int]:
        (count,) = self._db.execute("SELECT COUNT(*) FROM jobs").fetchone()
        return self.due_jobs(float("inf"), limit), int(count)

    def finish_jobs(self, seqs: Sequence[int]) -> None:
        with self.transaction():
            self._db.executemany("DELETE FROM jobs WHERE seq = ?", [(seq,) for seq in seqs])

    # -- webhook deliveries (the outbox's other half) -----------------------------------------

    #: The last event seq that has its deliveries.
    DISPATCHED = "outbox.dispatched"

    def undispatched_events(self, limit: int) -> list[LoggedEvent]:
        after = int(self.get_meta(self.DISPATCHED) or 0)
        rows = self._db.execute(
            "SELECT seq, id, type, account_id, resource_id, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        ).fetchall()
        return list(map(LoggedEvent._make, rows))

    def last_event_seq(self) -> int:
        (seq,) = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(seq)

    def add_deliveries(self, deliveries: Sequence[Delivery], dispatched_up_to: int) -> None:
        """New deliveries and the outbox cursor, together: a crash neither loses nor doubles them."""
        with self.transaction():
            self._db.executemany(
                "INSERT INTO deliveries (id, event_seq, event_id, event_type, resource_id, endpoint_id, status, next_at,"
                " attempts, created_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(d.id, d.event_seq, d.event_id, d.event_type, d.resource_id, d.endpoint_id, d.status, d.next_at,
                  orjson.dumps(d.attempts), d.created_at, d.reason) for d in deliveries],
            )
            self.set_meta(self.DISPATCHED, str(dispatched_up_to))

    def due_deliveries(self, until: float, limit: int, skip: set[str]) -> list[Delivery]:
        """Pending deliveries due by ``until`` that are first in line for their endpoint and resource."""
        rows = self._db.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries AS d WHERE d.status = 'pending' AND d.next_at <= ?"
            " AND NOT EXISTS (SELECT 1 FROM deliveries AS e WHERE e.status = 'pending'"
            " AND e.endpoint_id IS d.endpoint_id AND e.resource_id = d.resource_id AND e.seq < d.seq)"
            " ORDER BY d.next_at, d.seq LIMIT ?",
            (until, limit + len(skip)),
        ).fetchall()
        return [d for d in map(_delivery, rows) if d.id not in skip][:limit]

    def save_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        with self.transaction():
            self._db.executemany(
                "UPDATE deliveries SET endpoint_id = ?, status = ?, next_at = ?, attempts = ?, reason = ? WHERE id = ?",
                [(d.endpoint_id, d.status, d.next_at, orjson.dumps(d.attempts), d.reason, d.id) for d in deliveries],
            )

    def get_delivery(self, id: str) -> Delivery | None:
        row = self._db.execute(f"SELECT {_DELIVERY_COLUMNS} FROM deliveries AS d WHERE id = ?", (id,)).fetchone()
        return _delivery(row) if row else None

    def event_body(self, seq: int) -> bytes:
        (body,) = self._db.execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()
        return bytes(body)

    def event_bodies(self, seqs: Sequence[int]) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        for start in range(0, len(seqs), 500):
            chunk = list(seqs[start:start + 500])
            rows = self._db.execute(f"SELECT seq, body FROM events WHERE seq IN ({','.join('?' * len(chunk))})", chunk)
            found.update((seq, bytes(body)) for seq, body in rows)
        return found

    def deliveries_page(self, *, event_id: str | None = None, endpoint_id: str | None = None,
                        status: str | None = None, limit: int = 100, cursor: str | None = None) -> Page:
        rows = self._rows(_DELIVERY_COLUMNS, "deliveries AS d", cursor, limit,
                          event_id=event_id, endpoint_id=endpoint_id, status=status)
        return self._page(rows, limit, lambda row: _delivery(row).as_body())

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = ?",
                             (key, value, value))

    def update_meta(self, key: str, update: Callable[[str | None], str]) -> None:
        """Replace a value by ``update(old value)``, with no other writer in between."""
        with self.transaction():
            self.set_meta(key, update(self.get_meta(key)))

    # -- journal ---------------------------------------------------------------------------

    def journal(self, entry: JournalEntry) -> None:
        """Record a request; the row is written with the next write transaction (see :meth:`flush_journal`)."""
        self._journal_buffer.append(entry)

    def flush_journal(self) -> None:
        """Write the journal entries not yet written. The server calls it a few milliseconds after
        a request, unless another write carried them first: a request costs one commit, not two."""
        if self._journal_buffer:
            with self.transaction():
                pass  # the transaction writes the buffer

    def _write_journal(self) -> None:
        """Write the pending entries: run at the start of every write transaction."""
        if not self._journal_buffer:
            return
        entries, self._journal_buffer = self._journal_buffer, []
        self._db.executemany(
            "INSERT INTO requests (at, method, path, operation_id, status, violations) VALUES (?, ?, ?, ?, ?, ?)",
            [(e.at, e.method, e.path, e.operation_id, e.status, orjson.dumps(e.violations)) for e in entries],
        )
        self._journal_count += len(entries)
        if self._journal_count >= 100:
            self._journal_count = 0
            self._db.execute("DELETE FROM requests WHERE seq <= (SELECT MAX(seq) FROM requests) - ?", (self.JOURNAL_SIZE,))

    def recent_requests(self, limit: int, *, operation_id: str | None = None, violations_only: bool = False,
                        since: int = 0) -> list[dict[str, Any]]:
        """The journal, newest first: after ``since`` (a seq), of one operation, or with violations only."""
        self.flush_journal()
        where: list[str] = ["seq > ?"]
        args: list[Any] = [since]
        if operation_id is not None:
            where.append("operation_id = ?")
            args.append(operation_id)
        if violations_only:
            where.append("violations != ?")
            args.append(orjson.dumps([]))
        rows = self._db.execute(
            "SELECT seq, at, method, path, operation_id, status, violations FROM requests"
            f" WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
            (*args, min(limit, self.JOURNAL_SIZE)),
        ).fetchall()
        return [
            {"seq": seq, "at": at, "method": method, "path": path, "operationId": operation_id,
             "status": status, "violations": orjson.loads(violations)}
            for seq, at, method, path, operation_id, status, violations in rows
        ]

    def requests_summary(self) -> list[dict[str, Any]]:
        """Per operation (null: no operation matched), over the journal: requests, violations, statuses."""
        self.flush_journal()
        summary: dict[str | None, dict[str, Any]] = {}
        rows = self._db.execute("SELECT operation_id, status, violations != ? FROM requests", (orjson.dumps([]),))
        for operation_id, status, broke in rows:
            entry = summary.setdefault(operation_id, {"operationId": operation_id, "requests": 0, "violating": 0,
                                                      "statuses": {}})
            entry["requests"] += 1
            entry["violating"] += int(broke)
            entry["statuses"][str(status)] = entry["statuses"].get(str(status), 0) + 1
        return sorted(summary.values(), key=lambda e: (-e["violating"], str(e["operationId"])))

    # -- whole store -----------------------------------------------------------------------

    def reset(self) -> None:
        with self.transaction():
            for table in ("resources", "events", "jobs", "deliveries", "requests"):
                self._db.execute(f"DELETE FROM {table}")
            self._db.execute("DELETE FROM meta WHERE key = ?", (self.DISPATCHED,))

    def close(self) -> None:
        self._transactions.close()
        self._db.close()

    # -- helpers ---------------------------------------------------------------------------

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One unit of writes, all or nothing (see :class:`~mock_server.transactions.Transactions`)."""
        return self._transactions.unit()

    async def durable(self) -> None:
        await self._transactions.durable()

    async def ready_to_write(self) -> None:
        await self._transactions.ready_to_write()

    @staticmethod
    def _record(row: tuple[Any, ...]) -> Record:
        kind, id, owner, data, key, parent = row
        return Record(kind, id, owner, orjson.loads(data), key, parent)

    def _rows(self, columns: str, table: str, cursor: str | None, limit: int, **equal: Any) -> list[tuple[Any, ...]]:
        """Up to ``limit + 1`` rows after the cursor (``seq`` first), where each given column equals its value."""
        filters = {column: value for column, value in equal.items() if value is not None}
        where = " AND ".join(["seq > ?", *(f"{column} = ?" for column in filters)])
        return self._db.execute(f"SELECT {columns} FROM {table} WHERE {where} ORDER BY seq LIMIT ?",
                                (_decode_cursor(cursor), *filters.values(), limit + 1)).fetchall()

    @staticmethod
    def _page(rows: list[tuple[Any, ...]], limit: int,
              item: Callable[[tuple[Any, ...]], dict[str, Any]] = lambda row: orjson.loads(row[1])) -> Page:
        """A page of ``limit`` rows; one more row means there is a next page, after the last seq."""
        more = len(rows) > limit
        rows = rows[:limit]
        return Page([item(row) for row in rows], _encode_cursor(rows[-1][0]) if more else None)
