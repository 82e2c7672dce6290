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

import aiohttp
import orjson
from standardwebhooks import Webhook

from .clock import format_time, wall_time
from .errors import Conflict, NotFound
from .ids import new_id
from .platform import SINCE_PREFIX
from .spec import bundled_spec_dir, callback_schema, load_spec
from .store import Delivery, LoggedEvent, Record
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
        #: Deliveries being sent, or sent and not yet recorded: not to be picked again.
        self._in_flight: set[str] = set()
        self._finished: list[Delivery] = []
        self._signers: dict[str, Webhook] = {}
        self._rng = random.Random()

    # -- routing ----------------------------------------------------------------------------

    def _owner(self, event_type: str, account_id: str) -> str:
        """Whose callback URL an event goes to: the partner's, or its sub-account's."""
        return self.settings.partner_id if event_type in PARTNER_EVENTS else account_id

    def endpoint_for(self, event_type: str, account_id: str) -> Record | None:
        """The callback registration an event goes to."""
        owner = self._owner(event_type, account_id)
        return self.store.find("callback", owner, owner=owner)

    def dispatch(self, limit: int = 1000) -> int:
        """Give the next events of the log their deliveries; how many events were dispatched."""
        events = self.store.undispatched_events(limit)
        if not events:
            return 0
        now = self.clock.now()
        routes: dict[str, tuple[Record | None, int]] = {}  # a batch shares few routes: look each up once
        deliveries = [self._delivery(event, now.timestamp(), format_time(now), routes) for event in events]
        self.store.add_deliveries(deliveries, events[-1].seq)
        return len(events)

    def _route(self, event: LoggedEvent, routes: dict[str, tuple[Record | None, int]]) -> tuple[Record | None, int]:
        """The event's registration, and the event-log position from which it receives."""
        owner = self._owner(event.type, event.account_id)
        if owner not in routes:
            endpoint = self.endpoint_for(event.type, event.account_id)
            since = int(self.store.get_meta(f"{SINCE_PREFIX}{endpoint.id}") or 0) if endpoint else 0
            routes[owner] = (endpoint, since)
        return routes[owner]

    def _delivery(self, event: LoggedEvent, now: float, created: str,
                  routes: dict[str, tuple[Record | None, int]]) -> Delivery:
        """A pending delivery, or one that will never be sent and says why.

        Only what will be sent is checked against the callback schema: the body of an event
        nobody receives is not parsed at all (most of a load test's events, and its cost).
        """
        def delivery(endpoint_id: str | None, status: str, next_at: float | None, reason: str | None = None) -> Delivery:
            return Delivery(new_id("delivery"), event.seq, event.id, event.type, event.resource_id, endpoint_id,
                            status, next_at, [], created, reason)

        endpoint, since = self._route(event, routes)
        if endpoint is None or event.seq <= since:
            return delivery(None, "undeliverable", None,
                            "no callback URL was registered for this event's account when it happened")
        body = orjson.loads(event.body)
        if not self._validator.is_valid(body):
            problems = "; ".join(f"{e.field or 'event'}: {e.message}" for e in schema_errors(self.schema, body))
            logger.error("event %s does not match the spec's callback schema: %s", event.id, problems)
            return delivery(endpoint.id, "invalid", None, f"payload breaks the callback schema: {problems}")
        return delivery(endpoint.id, "pending", now)

    # -- sending ----------------------------------------------------------------------------

    async def attempt(self, session: aiohttp.ClientSession, delivery: Delivery, body: bytes,
                      endpoint: Record | None) -> Delivery:
        """One POST of the delivery's event to its endpoint; the delivery as it stands after it.

        The session carries the timeout (``webhook_timeout``)."""
        if endpoint is None or endpoint.status != "ENABLED":
            why = "its callback URL was removed" if endpoint is None else "its callback URL is disabled"
            return replace(delivery, status="undeliverable", next_at=None, reason=why)
        sent_at = wall_time()  # consumers check it against their own clock: never the mock's
        headers = {
            "content-type": "application/json",
            "user-agent": "biway-mock",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": self._signer(endpoint.data["secret"]).sign(delivery.event_id, sent_at, body.decode()),
        }
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            async with session.post(endpoint.data["url"], data=body, headers=headers) as response:
                status = response.status
                await response.read()
        except TimeoutError:
            error = f"no answer within {self.settings.webhook_timeout:g} s"
        except aiohttp.ClientError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        attempt = {"at": format_time(self.clock.now()), "url": endpoint.data["url"], "status": status,
                   "latencyMs": round((time.perf_counter() - started) * 1000, 1), "error": error}
        return self._after(delivery, endpoint, [*delivery.attempts, attempt], status)

    def _after(self, delivery: Delivery, endpoint: Record, attempts: list[dict[str, Any]], status: int | None) -> Delivery:
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

    def _signer(self, secret: str) -> Webhook:
        signer = self._signers.get(secret)
        if signer is None:
            signer = self._signers[secret] = Webhook(secret)
        return signer

    def turn(self) -> list[tuple[Delivery, bytes, Record | None]]:
        """One turn of bookkeeping: record finished attempts, dispatch new events, pick what is due."""
        finished, self._finished = self._finished, []
        if finished:
            self.store.save_deliveries(finished)
            self._in_flight.difference_update(d.id for d in finished)
        self.dispatch()
        free = self.settings.webhook_concurrency * 4 - len(self._in_flight)
        due = self.store.due_deliveries(self.clock.now().timestamp(), free, self._in_flight) if free > 0 else []
        bodies = self.store.event_bodies([d.event_seq for d in due])
        endpoints = {r.id: r for r in self.store.get_many(list({d.endpoint_id for d in due if d.endpoint_id}))}
        return [(d, bodies[d.event_seq], endpoints.get(d.endpoint_id or "")) for d in due]

    async def run_forever(self) -> None:
        """Dispatch and send, for as long as the server runs: this loop does the bookkeeping,
        ``webhook_concurrency`` senders take what is due from a queue."""
        connector = aiohttp.TCPConnector(limit=self.settings.webhook_concurrency)
        timeout = aiohttp.ClientTimeout(total=self.settings.webhook_timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False) as session:
            queue: asyncio.Queue[tuple[Delivery, bytes, Record | None]] = asyncio.Queue()
            senders = [asyncio.create_task(self._sender(session, queue))
                       for _ in range(self.settings.webhook_concurrency)]
            try:
                while True:
                    try:
                        due = self.turn()
                        await self.store.durable()  # nothing leaves before the writes behind it are committed
                    except Exception:
                        logger.exception("the webhook outbox failed; retrying")
                        due = []
                    for item in due:
                        self._in_flight.add(item[0].id)
                        queue.put_nowait(item)
                    await self.clock.sleep(0 if due or self._finished else TICK)
            finally:
                for sender in senders:
                    sender.cancel()

    async def _sender(self, session: aiohttp.ClientSession,
                      queue: asyncio.Queue[tuple[Delivery, bytes, Record | None]]) -> None:
        """Send deliveries one after the other; each result is recorded by the next turn (in one
        transaction with the others)."""
        while True:
            delivery, body, endpoint = await queue.get()
            try:
                after = await self.attempt(session, delivery, body, endpoint)
                # Not ``self._finished.append(await ...)``: that binds the list before the
                # await, and turn() swaps it meanwhile, which would lose this result.
                self._finished.append(after)
            except Exception:
                logger.exception("delivery %s failed unexpectedly; it stays pending", delivery.id)
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
