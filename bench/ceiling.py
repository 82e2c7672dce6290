"""The Python ceiling on this machine: a raw Starlette app that parses JSON and stores it in a dict.

    uvicorn ceiling:app --port PORT   (no validation, no state on disk, no events)
"""

from __future__ import annotations

import itertools

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_store: dict[str, bytes] = {}
_ids = itertools.count()


async def create(request: Request) -> Response:
    body = orjson.loads(await request.body())
    key = f"msg_{next(_ids)}"
    _store[key] = orjson.dumps({**body, "id": key, "status": "accepted"})
    return Response(_store[key], status_code=201, media_type="application/json")


async def read(request: Request) -> Response:
    return Response(_store.get(request.path_params["id"], b"{}"), media_type="application/json")


app = Starlette(routes=[Route("/messenger/submit", create, methods=["POST"]),
                        Route("/messenger/submit/{id}", read, methods=["GET"])])
