"""Runs the platform's pending work when the mock's clock says it is due.

Manual clock: :meth:`Scheduler.advance` walks time forward job by job, in (due, seq) order, so
a test sees the same outcome every time. Realtime: :meth:`Scheduler.run_forever` carries out
whatever is due a few times a second.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from .clock import format_time
from .platform import Platform
from .store import JobsTaken

__all__ = ["Scheduler"]

logger = logging.getLogger("biway_mock")

#: How often the realtime loop looks for due work, in seconds.
TICK = 0.05
#: The realtime loop's batches: at most this many jobs (each of up to JOB_SIZE resources), then
#: a pause of PAUSE seconds. Short batches and a pause let requests through (and, with
#: ``--workers N``, let the workers take the write lock) while a backlog is worked off: at 500
#: jobs and no pause, a submit's p99 under load was 26-31 ms; at 50 and 1 ms, 22-23 ms, with
#: the backlog still worked off as fast as it grows (wrk -t2 -c32 on POST /messenger/submit).
BATCH = 50
PAUSE = 0.001


class Scheduler:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.store = platform.store
        self.clock = platform.clock

    def run_due(self, batches: int | None = None, batch: int = 500) -> int:
        """Carry out what is due now (everything, or this many batches of ``batch`` jobs); the
        count of jobs run."""
        ran = done = 0
        while (batches is None or done < batches) and (jobs := self.store.due_jobs(self.clock.now().timestamp(), batch)):
            done += 1
            try:
                self.platform.run_jobs(jobs)
            except JobsTaken:  # another worker's advance got there first: look again
                continue
            ran += len(jobs)
        return ran

    def advance(self, seconds: float) -> int:
        """Move the clock ``seconds`` forward, carrying out each job at its own time."""
        target = self.clock.now() + timedelta(seconds=seconds)
        ran = 0
        while jobs := self.store.due_jobs(target.timestamp(), limit=1):
            self.clock.move_to(datetime.fromtimestamp(jobs[0].due, UTC))
            ran += self.run_due()
        self.clock.move_to(target)
        return ran

    def describe(self, limit: int = 100) -> dict[str, Any]:
        """The clock and what is pending, for ``GET /_mock/clock``."""
        jobs, count = self.store.pending_jobs(limit)
        pending = []
        for job in jobs:
            shown = self.store.get_many(job.resource_ids[:10])
            pending.append({
                "at": format_time(datetime.fromtimestamp(job.due, UTC)),
                "states": [step["state"] for step in job.steps],
                "count": len(job.resource_ids),
                "resources": [{"type": r.kind, "id": r.id} for r in shown],
            })
        return {"mode": self.clock.mode, "now": format_time(self.clock.now()), "pendingCount": count, "pending": pending}

    async def run_forever(self) -> None:
        """One batch at a time, pausing in between: a 100,000-message broadcast's reports, or a
        load test's, must not hold up answers (nor the commit they wait for)."""
        while True:
            try:
                ran = self.run_due(batches=1, batch=BATCH)
            except Exception:  # a failing job must not stop the platform
                logger.exception("a scheduled job failed")
                ran = 0
            await self.clock.sleep(PAUSE if ran else TICK)
