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


def list_requests(platform: Platform, limit: int = 100) -> Answer:
    return {"items": platform.store.recent_requests(limit)}, 200
