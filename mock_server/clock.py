"""Time, for everything in the mock: nothing else reads the wall clock or sleeps.

``realtime``: the system's time (plus whatever the control API advanced it by), and pending work
runs on its own. ``manual``: time stands still until ``POST /_mock/clock/advance``, so a test
is deterministic and instant.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

__all__ = ["Clock", "ClockMode", "ManualClock", "SystemClock", "format_epoch", "format_time", "make_clock", "wall_time"]

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


class SystemClock:
    """Real time, shifted by what the control API advanced."""

    mode: ClockMode = "realtime"

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += timedelta(seconds=seconds)

    def move_to(self, moment: datetime) -> None:
        """Real time moves on its own; only a jump ahead of it shifts the clock."""
        if moment > self.now():
            self._offset += moment - self.now()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """Time that moves only when told to."""

    mode: ClockMode = "manual"

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    def move_to(self, moment: datetime) -> None:
        self._now = max(self._now, moment)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def make_clock(mode: ClockMode, start: datetime | None = None) -> Clock:
    return ManualClock(start) if mode == "manual" else SystemClock()


def wall_time() -> datetime:
    """Real time, whatever the mock's clock says: for what leaves the mock, such as webhook
    timestamps, which consumers check against their own clocks."""
    return datetime.now(UTC)


def format_epoch(seconds: float) -> str:
    return format_time(datetime.fromtimestamp(seconds, UTC))


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as every timestamp of the API is written."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
