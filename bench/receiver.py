"""A minimal webhook consumer for benchmarks: counts distinct webhook-ids, answers 204.

    uvicorn bench.receiver:app --port PORT     (GET /stats for the counts)
"""

from __future__ import annotations

import time
from typing import Any

import orjson

_seen: set[str] = set()
_first: list[float] = []
_last: list[float] = []


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    if scope["method"] == "GET":
        body = orjson.dumps({"received": len(_seen), "first": _first[0] if _first else None,
                             "last": _last[0] if _last else None})
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return
    webhook_id = dict(scope["headers"]).get(b"webhook-id", b"").decode()
    now = time.time()
    if webhook_id not in _seen:
        _seen.add(webhook_id)
        _first[:] = _first or [now]
        _last[:] = [now]
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
