"""``create_app``: the Connexion AsyncApp that serves the three specs on one host."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import orjson
from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.jsonifier import Jsonifier
from connexion.middleware import ConnexionMiddleware, MiddlewarePosition
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from starlette.exceptions import HTTPException

from .auth import PlatformBearerHandler
from .cached_operations import CachedAsyncApi, CachedRequestValidation
from .clock import Clock, make_clock
from .config import Settings
from .errors import error_handler
from .faults import FaultInjection
from .middleware import BodySizeLimit, RequestJournal, RoutingPerAPI, SwaggerUIPerAPI
from .platform import Platform
from .routing import HandlerResolver
from .scenario import load_scenario
from .spec import API_FILES, PathMethods, bundled_spec_dir, iter_operations, load_spec
from .store import SqliteStore, Store
from .validation import VALIDATOR_MAP
from .workers import Leadership, follow_parent, lead

__all__ = ["create_app", "app_for_server", "app_from_env", "leader_file", "DATABASE_FILE"]

DATABASE_FILE = "biway-mock.sqlite3"
#: The lock held by the worker that delivers webhooks and runs due work (mock_server.workers).
LEADER_FILE = "biway-mock.leader"


class OrjsonJsonifier(Jsonifier):
    """Response bodies serialized by orjson (several times faster than ``json`` with Connexion's encoder)."""

    def dumps(self, data: Any, **kwargs: Any) -> bytes:
        return orjson.dumps(data)


def leader_file(settings: Settings) -> Path | None:
    """The leader lock's file, beside the database; None for state in memory (one process)."""
    return settings.data_dir / LEADER_FILE if settings.data_dir else None


def open_store(settings: Settings) -> SqliteStore:
    if settings.data_dir is None:
        return SqliteStore()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteStore(settings.data_dir / DATABASE_FILE, shared=settings.workers > 1)


def create_app(settings: Settings | None = None, *, store: Store | None = None,
               clock: Clock | None = None) -> AsyncApp:
    """The mock as an ASGI app; ``app.platform`` is its state, for the CLI and fixtures.

    Raises :class:`~mock_server.scenario.ScenarioError` for a scenario file it cannot use.
    """
    settings = settings or Settings.from_env()
    scenario = load_scenario(settings.scenario)
    store = store or open_store(settings)
    clock = clock or make_clock(settings.clock, store)
    platform = Platform(store, clock, settings, scenario)

    leadership = Leadership(leader_file(settings))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        task = asyncio.create_task(lead(platform, leadership))
        try:
            yield
        finally:
            task.cancel()
            leadership.release()

    spec_dir = settings.spec_dir or bundled_spec_dir()

    # Our three APIs share the base path "": two of Connexion's middlewares need fixing for that.
    # Request validation is Connexion's, with its per-request set-up done once per operation.
    replacements = {SwaggerUIMiddleware: SwaggerUIPerAPI, RoutingMiddleware: RoutingPerAPI,
                    RequestValidationMiddleware: CachedRequestValidation}
    middlewares = [replacements.get(m, m) for m in ConnexionMiddleware.default_middlewares]
    app = AsyncApp(
        __name__,
        middlewares=middlewares,
        security_map={"bearer": partial(PlatformBearerHandler, platform.authenticate)},
        validator_map=VALIDATOR_MAP,
        strict_validation=True,
        jsonifier=OrjsonJsonifier(),
        lifespan=lifespan,
    )
    app._middleware_app.api_cls = CachedAsyncApi  # handlers decorated once per operation, not per request
    served = []
    for api in API_FILES:
        spec = load_spec(spec_dir, api)
        operations = list(iter_operations(spec, api))
        served += operations
        app.add_api(
            spec,
            name=api,
            resolver=HandlerResolver(platform, operations),
            swagger_ui_options=SwaggerUIOptions(spec_path=f"/openapi/{api}.json", swagger_ui_path=f"/docs/{api}"),
        )
    platform.faults.known = frozenset(op.operation_id for op in served if op.api != "control")
    on_error = error_handler(PathMethods(served))
    for exception in (Exception, HTTPException, ProblemException):
        app.add_error_handler(exception, on_error)
    app.add_middleware(RequestJournal, position=MiddlewarePosition.BEFORE_EXCEPTION, store=store, clock=clock)
    app.add_middleware(BodySizeLimit, position=MiddlewarePosition.BEFORE_SECURITY, max_bytes=settings.max_body_bytes)
    app.add_middleware(FaultInjection, position=MiddlewarePosition.BEFORE_SECURITY, faults=platform.faults, clock=clock)
    app.platform = platform
    return app


def app_for_server(settings: Settings) -> AsyncApp:
    """The app of a ``biway-mock serve`` process, whose heap from then on is its own.

    Requests in flight when the collector runs outlive its young generations, so the oldest
    one filled up every half second under load; collecting it scanned every object built at
    startup (the specs, validators, routes: some 95,000) for 40-55 ms, during which nothing
    was answered. That was the p99 of a submit (70 ms, against a p50 of 15). Frozen, those
    objects are never scanned again; and with a larger first generation, a request's objects
    mostly die before they are collected. (Not in :func:`create_app`: the pytest plugin runs
    in the user's own process.)
    """
    app = create_app(settings)
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    return app


def app_from_env() -> AsyncApp:
    """The app of one worker process of ``serve --workers N``: its settings come from ``BIWAY_*``."""
    follow_parent()
    return app_for_server(Settings.from_env())
