"""Time, for everything in the mock: nothing else reads the wall clock or sleeps.

``realtime``: the system's time (plus whatever the control API advanced it by), and pending work
runs on its own. ``manual``: time stands still until ``POST /_mock/clock/advance``, so a test
is deterministic and instant.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

__all__ = ["Clock", "ClockMode", "ManualClock", "SystemClock", "TimeRecord",
           "format_epoch", "format_time", "make_clock", "wall_time"]

ClockMode = Literal["realtime", "manual"]


class Clock(Protocol):
    mode: ClockMode

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        ...

    def move_to(self, moment: datetime) -> None:
        """Move time forward to ``moment`` (never back)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this long in real time (the realtime scheduler's pace)."""
        ...


class TimeRecord(Protocol):
    """Where a clock keeps its time (the store's meta table): every worker process reads the same."""

    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...


class _Unshared:
    """A :class:`TimeRecord` in this process only, for a clock used on its own (tests, tools)."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def get_meta(self, key: str) -> str | None:
        return self._values.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self._values[key] = value


class SystemClock:
    """Real time, shifted by what the control API advanced (kept in the record, for every worker).

    The shift is read again at most every :attr:`REREAD` seconds: ``now()`` runs for every record
    a batch moves. A worker sees its own advance at once, another worker's within that delay.
    """

    mode: ClockMode = "realtime"
    OFFSET = "clock.offset"
    REREAD = 0.05

    def __init__(self, record: TimeRecord | None = None) -> None:
        self._record = record or _Unshared()
        self._offset_read_at = -self.REREAD
        self._cached = timedelta()

    def _offset(self) -> timedelta:
        read_at = time.monotonic()
        if read_at - self._offset_read_at >= self.REREAD:
            self._cached = timedelta(seconds=float(self._record.get_meta(self.OFFSET) or 0))
            self._offset_read_at = read_at
        return self._cached

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset()

    def advance(self, seconds: float) -> None:
        self._offset_read_at = -self.REREAD  # from the latest offset, not the cached one
        offset = self._offset() + timedelta(seconds=seconds)
        self._record.set_meta(self.OFFSET, repr(offset.total_seconds()))
        self._cached, self._offset_read_at = offset, time.monotonic()

    def move_to(self, moment: datetime) -> None:
        """Real time moves on its own; only a jump ahead of it shifts the clock."""
        now = self.now()
        if moment > now:
            self.advance((moment - now).total_seconds())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """Time that moves only when told to; kept in the record, so it resumes after a restart."""

    mode: ClockMode = "manual"
    NOW = "clock.now"

    def __init__(self, record: TimeRecord | None = None, start: datetime | None = None) -> None:
        self._record = record or _Unshared()
        if self._record.get_meta(self.NOW) is None:
            self._set(start or datetime.now(UTC).replace(microsecond=0))

    def _set(self, moment: datetime) -> None:
        self._record.set_meta(self.NOW, moment.isoformat())

    def now(self) -> datetime:
        return datetime.fromisoformat(self._record.get_meta(self.NOW))  # type: ignore[arg-type]

    def advance(self, seconds: float) -> None:
        self._set(self.now() + timedelta(seconds=seconds))

    def move_to(self, moment: datetime) -> None:
        self._set(max(self.now(), moment))

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def make_clock(mode: ClockMode, record: TimeRecord | None = None, start: datetime | None = None) -> Clock:
    """A clock of this mode, keeping its time in ``record`` (the store) when given."""
    return ManualClock(record, start) if mode == "manual" else SystemClock(record)


def wall_time() -> datetime:
    """Real time, whatever the mock's clock says: for what leaves the mock, such as webhook
    timestamps, which consumers check against their own clocks."""
    return datetime.now(UTC)


def format_epoch(seconds: float) -> str:
    return format_time(datetime.fromtimestamp(seconds, UTC))


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as every timestamp of the API is written."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
