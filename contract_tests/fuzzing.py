"""Fuzz a webhook consumer with events generated from the spec's callback schemas.

Each event type of the callback's ``discriminator`` becomes the request body of a synthetic
OpenAPI operation, so Schemathesis's public API generates valid events of every type (unicode,
long strings, optional fields absent or present); Hypothesis shrinks whatever breaks the
consumer. For each event the consumer must:

- answer 2xx to the event, signed as biway-mock signs it, and again to a duplicate delivery
  of the same ``webhook-id`` (delivery is at least once);
- refuse (not 2xx) the event with a forged signature, without signature, or with a stale
  timestamp;
- never answer 5xx.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from standardwebhooks import Webhook

from mock_server.spec import bundled_spec_dir, callback_schema, load_spec

__all__ = ["ConsumerFailure", "FuzzReport", "check_consumer", "event_strategy", "fuzz_webhooks"]

#: A secret that is not the consumer's: what a forger would sign with.
FORGED_SECRET = "whsec_" + "Zm9yZ2VkIGJ5IGJpd2F5LW1vY2sgZnV6emluZw=="


class ConsumerFailure(AssertionError):
    """The consumer broke a rule of webhook consumption on this event."""

    def __init__(self, problem: str, event: dict[str, Any]) -> None:
        super().__init__(problem)
        self.problem = problem
        self.event = event


@dataclass
class FuzzReport:
    sent: int
    failure: ConsumerFailure | None = None


def event_strategy(spec_dir: Path | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid events of every type of the callback schema."""
    spec = load_spec(spec_dir or bundled_spec_dir(), "account")
    mapping = callback_schema(spec)["discriminator"]["mapping"]
    schemas = spec["components"]["schemas"]
    document = {
        "openapi": "3.0.3",
        "info": {"title": "biway-mock events", "version": "1"},
        "paths": {
            f"/{event_type}": {"post": {
                "operationId": event_type,
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": schemas[reference.rsplit("/", 1)[1]]}}},
                "responses": {"200": {"description": "acknowledged"}},
            }} for event_type, reference in mapping.items()
        },
    }
    loaded = schemathesis.openapi.from_dict(document)
    cases = st.one_of([loaded[f"/{event_type}"]["POST"].as_strategy() for event_type in mapping])
    return cases.map(lambda case: cast(dict[str, Any], case.body))


def _post(target: str, body: bytes, headers: dict[str, str]) -> int:
    try:
        return requests.post(target, data=body, headers={"content-type": "application/json", **headers}, timeout=10).status_code
    except requests.RequestException as exc:
        raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc


def _signed(secret: str, webhook_id: str, body: bytes, at: datetime) -> dict[str, str]:
    return {"webhook-id": webhook_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(webhook_id, at, body.decode())}


def check_consumer(target: str, secret: str, event: dict[str, Any]) -> None:
    """Deliver ``event`` the right way and the wrong ways; raise :class:`ConsumerFailure` on a broken rule."""
    event = {**event, "eventId": f"evt_fuzz_{secrets.token_hex(8)}"}  # webhook-id is the event id, as the mock sends
    body = json.dumps(event, ensure_ascii=False).encode()
    now = datetime.now(UTC)
    attempts: list[tuple[str, dict[str, str], bool]] = [
        ("a valid signed event", _signed(secret, event["eventId"], body, now), True),
        ("a duplicate delivery of the same webhook-id", _signed(secret, event["eventId"], body, now), True),
        ("a forged signature", _signed(FORGED_SECRET, event["eventId"], body, now), False),
        ("a missing signature", {"webhook-id": event["eventId"], "webhook-timestamp": str(int(now.timestamp()))}, False),
        ("a stale timestamp (10 minutes old)", _signed(secret, event["eventId"], body, now - timedelta(minutes=10)), False),
    ]
    for what, headers, should_accept in attempts:
        status = _post(target, body, headers)
        if status >= 500:
            raise ConsumerFailure(f"the consumer answered {status} to {what}", event)
        accepted = 200 <= status < 300
        if should_accept and not accepted:
            raise ConsumerFailure(f"the consumer answered {status} to {what}; expected 2xx", event)
        if accepted and not should_accept:
            raise ConsumerFailure(f"the consumer accepted ({status}) {what}", event)


def fuzz_webhooks(target: str, secret: str, *, max_examples: int = 100, seed: int | None = None,
                  spec_dir: Path | None = None, on_event: Callable[[dict[str, Any]], None] | None = None) -> FuzzReport:
    """Send generated events to ``target``; the report holds the shrunk failure, if any."""
    report = FuzzReport(sent=0)

    @settings(max_examples=max_examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(event_strategy(spec_dir))
    def consumer_keeps_the_rules(event: dict[str, Any]) -> None:
        report.sent += 1
        if on_event:
            on_event(event)
        check_consumer(target, secret, event)

    run = hypothesis_seed(seed)(consumer_keeps_the_rules) if seed is not None else consumer_keeps_the_rules
    try:
        run()
    except ConsumerFailure as failure:
        report.failure = failure
    except ExceptionGroup as group:  # several distinct failures: report the first
        report.failure = next((e for e in group.exceptions if isinstance(e, ConsumerFailure)), None)
        if report.failure is None:
            raise
    return report
