"""ASGI middlewares around Connexion's stack: the request journal, the body size limit, docs."""

from __future__ import annotations

import asyncio
import functools
import typing as t

import orjson
from connexion.middleware.routing import RoutingAPI, RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIAPI, SwaggerUIMiddleware, _original_scope
from starlette._utils import get_route_path
from starlette.datastructures import Headers, URLPath
from starlette.routing import BaseRoute, Match, NoMatchFound, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .clock import Clock, format_time
from .errors import CONTRACT_CODES, PayloadTooLarge
from .store import JournalEntry, Store

__all__ = ["DOCS_PREFIXES", "RequestJournal", "BodySizeLimit", "RouteIndex", "RoutingPerAPI", "SwaggerUIPerAPI"]

#: Seconds a journal entry may wait for a write to ride along with, before it is written alone.
JOURNAL_DELAY = 0.005
#: Where the Swagger UI and the spec files are served (see :func:`mock_server.app.create_app`).
DOCS_PREFIXES = ("/docs/", "/openapi/")
#: Paths that are the mock's own (control API, docs): the journal records clients' calls only.
_OWN_PREFIXES = ("/_mock/", *DOCS_PREFIXES, "/chat/")


class RequestJournal:
    """Records each request with its status and, when it broke the contract, what it broke.

    It sits outside Connexion's exception middleware, so it sees the final answer: a 4xx whose
    code is one of :data:`~mock_server.errors.CONTRACT_CODES` lists the request's violations.
    Entries ride along with the next write, or are written :data:`JOURNAL_DELAY` later; a
    worker reading the journal writes its own first, another worker's may lag by that delay.
    It also holds each answer back until the store has committed the request's writes (the
    store commits the writes of one event-loop iteration together).
    """

    def __init__(self, app: ASGIApp, store: Store, clock: Clock) -> None:
        self.app = app
        self.store = store
        self.clock = clock
        self._flush_planned = False

    def _after_commit(self, send: Send) -> Send:
        async def send_when_durable(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self.store.durable()
            await send(message)
        return send_when_durable

    def _flush(self) -> None:
        self._flush_planned = False
        self.store.flush_journal()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(_OWN_PREFIXES):
            await self.app(scope, receive, self._after_commit(send))
            return
        # Connexion's routing writes the operation id into this dict (shared by scope copies).
        extensions = scope.setdefault("extensions", {})
        status = 500
        error_body: list[bytes] = []

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                await self.store.durable()  # never answer before the request's writes are committed
            elif message["type"] == "http.response.body" and status >= 400:
                error_body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            routing = extensions.get("connexion_routing", {})
            if not self._flush_planned:
                self._flush_planned = True
                asyncio.get_running_loop().call_later(JOURNAL_DELAY, self._flush)
            self.store.journal(JournalEntry(
                at=format_time(self.clock.now()),
                method=scope["method"],
                path=scope["path"],
                operation_id=routing.get("operation_id"),
                status=status,
                violations=_violations(b"".join(error_body)),
            ))


def _violations(body: bytes) -> list[dict[str, str]]:
    if not body:
        return []
    try:
        error = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []
    if not isinstance(error, dict) or error.get("code") not in CONTRACT_CODES:
        return []
    return error.get("errors") or [{"field": "", "message": str(error.get("message", ""))}]


class BodySizeLimit:
    """Refuses bodies over the limit with 413, declared (Content-Length) or streamed (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise PayloadTooLarge(self.max_bytes)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise PayloadTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)


class SwaggerUIPerAPI(SwaggerUIMiddleware):
    """Connexion's Swagger UI middleware, for several APIs that share one base path.

    Connexion mounts each API's docs router at its base path; with every API at ``""`` the first
    mount swallows the others' docs. Here each new API's router falls through to the routers
    added before it, so ``/docs/account/``, ``/docs/messenger/`` and ``/docs/control/`` all work.
    A request outside :data:`DOCS_PREFIXES` goes straight on, without walking those routers.
    Relies on Connexion 3.3 internals (``SwaggerUIAPI``, ``_original_scope``): the version is
    pinned and ``tests/mock_server/test_app.py`` serves all three UIs.
    """

    def add_api(self, specification: t.Any, base_path: str | None = None,
                arguments: dict[str, t.Any] | None = None, **kwargs: t.Any) -> None:
        previous: Router = self.router  # type: ignore[has-type]  # set by Connexion, untyped

        async def fall_through(_scope: Scope, receive: Receive, send: Send) -> None:
            await previous(_original_scope.get(), receive, send)

        api = SwaggerUIAPI(specification, base_path=base_path, arguments=arguments, default=fall_through, **kwargs)
        self.router = Router(default=self.default_fn)
        self.router.mount(api.base_path, app=api.router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(DOCS_PREFIXES):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class RoutingPerAPI(RoutingMiddleware):
    """Connexion's routing middleware, fixed for three or more APIs on one base path.

    Connexion chains APIs that share a base path by making the new API the fallback of *every*
    earlier one, so with account, messenger and control all at ``""`` the account API falls
    through straight to control and the messenger API is never reached. Here the routes of every
    API at ``""`` go into one :class:`RouteIndex`, the top router's only route: a path that
    exists with another method is a 405 whichever API declares it.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self.index = RouteIndex()
        self.router.routes.append(self.index)

    def add_api(self, specification: t.Any, base_path: str | None = None,
                arguments: dict[str, t.Any] | None = None, **kwargs: t.Any) -> None:
        api = RoutingAPI(specification, base_path=base_path, arguments=arguments, next_app=self.app, **kwargs)
        if api.base_path:
            raise ValueError(f"biway-mock serves its APIs at the root, not at {api.base_path!r}")
        self.index.add([route for route in api.router.routes if isinstance(route, Route)])


class RouteIndex(BaseRoute):
    """Routes tried, in their order, only where the literal start of their path fits the request's.

    A router tries every route in turn; with about forty paths, that walk was a tenth of a
    GET. The routes a path could match depend on its first two segments (``/messenger/submit``),
    so the list for each start is worked out once. Same answers as the walk: a route whose
    literal start the path does not begin with could never match it.
    """

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._candidates = functools.lru_cache(maxsize=1024)(self._candidates_for)

    def add(self, routes: list[Route]) -> None:
        self.routes += routes
        self._candidates.cache_clear()

    def _candidates_for(self, start: str) -> tuple[Route, ...]:
        literals = ((route, route.path.split("{", 1)[0]) for route in self.routes)
        return tuple(route for route, literal in literals if start.startswith(literal) or literal.startswith(start))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http":
            return Match.NONE, {}
        partial: Scope | None = None
        for route in self._candidates("/".join(get_route_path(scope).split("/", 3)[:3])):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, {**child_scope, _CHOSEN: route}
            if match is Match.PARTIAL and partial is None:
                partial = {**child_scope, _CHOSEN: route}
        return (Match.NONE, {}) if partial is None else (Match.PARTIAL, partial)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope[_CHOSEN].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: t.Any) -> URLPath:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                continue
        raise NoMatchFound(name, path_params)


#: The scope key under which :class:`RouteIndex` hands the route that matched to its ``handle``.
_CHOSEN = "biway_mock.route"
