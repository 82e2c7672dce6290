"""Webhook delivery: the outbox's events, routed to callback URLs, signed, retried.

The event log is the outbox: a request's events are committed with its state change. Here a
dispatcher turns each new event into a delivery (or an undeliverable one) and moves a cursor,
in one transaction; senders then POST deliveries with the Standard Webhooks headers. Per
endpoint, one resource's events go out in order (only the oldest pending one is eligible);
different resources go out concurrently. A crash between sending and recording means the same
delivery is sent again after a restart: delivery is at least once, and ``webhook-id`` (the
event id, the same on every attempt) is what consumers deduplicate on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from standardwebhooks import Webhook

from .clock import format_time, wall_time
from .errors import Conflict, NotFound
from .platform import SINCE_PREFIX, new_id
from .spec import bundled_spec_dir, callback_schema, load_spec
from .store import Delivery, Event, Record
from .validation import compile_schema, schema_errors

if TYPE_CHECKING:
    from .platform import Platform

__all__ = ["Outbox", "RETRY_SCHEDULE", "PARTNER_EVENTS"]

logger = logging.getLogger("biway_mock")

#: Seconds between attempts, after the first one (which goes out at once): the Standard
#: Webhooks schedule, 8 attempts in all. Waits follow the mock's clock.
RETRY_SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)

#: Events that go to the partner's callback URL; every other goes to its sub-account's.
PARTNER_EVENTS = frozenset({"CUSTOMER_STATUS", "ACCOUNT_STATUS"})

#: How often the sender looks for work when there is none, in seconds.
TICK = 0.02


class Outbox:
    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.store = platform.store
        self.clock = platform.clock
        self.settings = platform.settings
        self.schema = _event_schema(platform)
        self._validator = compile_schema(self.schema)
        self._in_flight: set[str] = set()
        self._rng = random.Random()

    # -- routing ----------------------------------------------------------------------------

    def endpoint_for(self, event_type: str, account_id: str) -> Record | None:
        """The callback registration an event goes to: the partner's, or its sub-account's."""
        owner = self.settings.partner_id if event_type in PARTNER_EVENTS else account_id
        return self.store.find("callback", owner, owner=owner)

    def dispatch(self, limit: int = 1000) -> int:
        """Give the next events of the log their deliveries; how many events were dispatched."""
        events = self.store.undispatched_events(limit)
        if not events:
            return 0
        now = self.clock.now()
        deliveries = [self._delivery(seq, event, now.timestamp(), format_time(now)) for seq, event in events]
        self.store.add_deliveries(deliveries, events[-1][0])
        return len(events)

    def _delivery(self, seq: int, event: Event, now: float, created: str) -> Delivery:
        delivery = Delivery(new_id("delivery"), seq, event.id, event.type, event.resource_id,
                            None, "pending", now, [], created)
        if not self._validator.is_valid(event.body):
            problems = "; ".join(f"{e.field or 'event'}: {e.message}" for e in schema_errors(self.schema, event.body))
            logger.error("event %s does not match the spec's callback schema: %s", event.id, problems)
            return replace(delivery, status="invalid", next_at=None, reason=f"payload breaks the callback schema: {problems}")
        endpoint = self.endpoint_for(event.type, event.account_id)
        if endpoint is None or seq <= int(self.store.get_meta(f"{SINCE_PREFIX}{endpoint.id}") or 0):
            return replace(delivery, status="undeliverable", next_at=None,
                           reason="no callback URL was registered for this event's account when it happened")
        return replace(delivery, endpoint_id=endpoint.id)

    # -- sending ----------------------------------------------------------------------------

    async def attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> Delivery:
        """One POST of the delivery's event; the delivery as it stands after it."""
        endpoint = self.store.get(delivery.endpoint_id or "")
        if endpoint is None or endpoint.status != "ENABLED":
            why = "its callback URL was removed" if endpoint is None else "its callback URL is disabled"
            return replace(delivery, status="undeliverable", next_at=None, reason=why)
        body = self.store.event_body(delivery.event_seq)
        sent_at = wall_time()
        headers = {
            "content-type": "application/json",
            "user-agent": "biway-mock",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(endpoint.data["secret"]).sign(delivery.event_id, sent_at, body.decode()),
        }
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = await client.post(endpoint.data["url"], content=body, headers=headers,
                                         timeout=self.settings.webhook_timeout)
            status = response.status_code
        except httpx.TimeoutException:
            error = f"no answer within {self.settings.webhook_timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        attempt = {"at": format_time(self.clock.now()), "url": endpoint.data["url"], "status": status,
                   "latencyMs": round((time.perf_counter() - started) * 1000, 1), "error": error}
        attempts = [*delivery.attempts, attempt]
        if status is not None and 200 <= status < 300:
            return replace(delivery, status="delivered", next_at=None, attempts=attempts, reason=None)
        if status == 410:
            self.platform.transition(endpoint, "DISABLED")
            return replace(delivery, status="failed", next_at=None, attempts=attempts,
                           reason="the endpoint answered 410 Gone: its callback URL is disabled")
        if len(attempts) > len(RETRY_SCHEDULE):
            return replace(delivery, status="failed", next_at=None, attempts=attempts,
                           reason=f"gave up after {len(attempts)} attempts")
        wait: float = RETRY_SCHEDULE[len(attempts) - 1]
        if self.clock.mode == "realtime":
            wait *= self._rng.uniform(0.9, 1.1)  # jitter, so that retries do not come in waves
        return replace(delivery, next_at=self.clock.now().timestamp() + wait, attempts=attempts,
                       reason=f"attempt {len(attempts)} failed; next in {wait:g} s of the mock's clock")

    async def run_forever(self) -> None:
        """Dispatch and send, for as long as the server runs."""
        limits = httpx.Limits(max_connections=self.settings.webhook_concurrency,
                              max_keepalive_connections=self.settings.webhook_concurrency)
        async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
            slots = asyncio.Semaphore(self.settings.webhook_concurrency)
            tasks: set[asyncio.Task[None]] = set()
            while True:
                try:
                    dispatched = self.dispatch()
                    free = self.settings.webhook_concurrency * 2 - len(self._in_flight)
                    due = self.store.due_deliveries(self.clock.now().timestamp(), free, self._in_flight) if free > 0 else []
                except Exception:
                    logger.exception("the webhook outbox failed; retrying")
                    dispatched, due = 0, []
                for delivery in due:
                    self._in_flight.add(delivery.id)
                    task = asyncio.create_task(self._send(client, slots, delivery))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                await self.clock.sleep(0 if dispatched or due else TICK)

    async def _send(self, client: httpx.AsyncClient, slots: asyncio.Semaphore, delivery: Delivery) -> None:
        try:
            async with slots:
                after = await self.attempt(client, delivery)
            self.store.save_deliveries([after])
        except Exception:
            logger.exception("delivery %s failed unexpectedly; it stays pending", delivery.id)
        finally:
            self._in_flight.discard(delivery.id)

    # -- control ----------------------------------------------------------------------------

    def redeliver(self, id: str) -> dict[str, Any]:
        """Send a delivery again now, to the URL its route has today."""
        delivery = self.store.get_delivery(id)
        if delivery is None:
            raise NotFound(f"No delivery {id}.")
        account_id = orjson.loads(self.store.event_body(delivery.event_seq))["accountId"]
        endpoint = self.endpoint_for(delivery.event_type, account_id)
        if endpoint is None:
            raise Conflict(f"No callback URL is registered for account {account_id}: register one, then redeliver.")
        if endpoint.status != "ENABLED":
            raise Conflict(f"The callback URL {endpoint.id} is disabled: register it again, then redeliver.")
        again = replace(delivery, endpoint_id=endpoint.id, status="pending", next_at=self.clock.now().timestamp(),
                        reason="redelivery asked for")
        self.store.save_deliveries([again])
        return again.as_body()


def _event_schema(platform: Platform) -> dict[str, Any]:
    """The callback schema of the spec being served, or the bundled one if it declares none."""
    for spec_dir in (platform.settings.spec_dir, bundled_spec_dir()):
        if spec_dir is not None:
            try:
                return callback_schema(load_spec(spec_dir, "account"))
            except LookupError:
                continue
    raise LookupError("no callback schema to validate events with")
