"""Control: the mock's own API under /_mock/ (no key)."""

from ..platform import Platform
from . import Answer, Body


def reset(platform: Platform) -> Answer:
    platform.reset()
    return None, 204


def transition(platform: Platform, resource: str, id: str, body: Body) -> Answer:
    return platform.force_transition(resource, id, body["to"], body.get("reason")), 200


def list_events(platform: Platform, limit: int = 100, cursor: str | None = None, type: str | None = None,
                accountId: str | None = None, resourceId: str | None = None) -> Answer:
    page = platform.store.events_page(type=type, account_id=accountId, resource_id=resourceId, limit=limit, cursor=cursor)
    return page.as_body(), 200


def list_requests(platform: Platform, limit: int = 100, operation: str | None = None, violations: bool = False,
                  since: int = 0) -> Answer:
    items = platform.store.recent_requests(limit, operation_id=operation, violations_only=violations, since=since)
    return {"items": items}, 200


def summarize_requests(platform: Platform) -> Answer:
    return {"operations": platform.store.requests_summary()}, 200


def get_clock(platform: Platform) -> Answer:
    return platform.scheduler.describe(), 200


def advance_clock(platform: Platform, body: Body) -> Answer:
    ran = platform.scheduler.advance(body["seconds"])
    return {**platform.scheduler.describe(), "ran": ran}, 200


def receive_inbound(platform: Platform, body: Body) -> Answer:
    return platform.receive_inbound(body["accountId"], body["from"], body["text"]), 201


def get_faults(platform: Platform) -> Answer:
    return platform.faults.as_body(), 200


def set_faults(platform: Platform, body: Body) -> Answer:
    platform.set_faults(body)
    return platform.faults.as_body(), 200


def clear_faults(platform: Platform) -> Answer:
    platform.faults.clear()
    return None, 204


def list_deliveries(platform: Platform, limit: int = 100, cursor: str | None = None, eventId: str | None = None,
                    endpointId: str | None = None, status: str | None = None) -> Answer:
    page = platform.store.deliveries_page(event_id=eventId, endpoint_id=endpointId, status=status, limit=limit, cursor=cursor)
    return page.as_body(), 200


def redeliver(platform: Platform, id: str) -> Answer:
    return platform.outbox.redeliver(id), 202
