"""The route index answers as a walk over every route would."""

import pytest
from starlette.routing import Match, Route

from mock_server.middleware import RouteIndex


async def endpoint(scope, receive, send) -> None:  # pragma: no cover - never called
    pass


ROUTES = [Route(path, endpoint, methods=methods, name=f"{path} {methods}") for path, methods in [
    ("/messenger/submit", ["POST"]),
    ("/messenger/submit/{id}", ["GET"]),
    ("/messenger/template:search", ["POST"]),
    ("/messenger/template", ["GET", "POST"]),
    ("/messenger/{kind}/latest", ["GET"]),
    ("/chat/{token}", ["GET"]),
    ("/{anything}", ["DELETE"]),
]]


def walk(scope: dict) -> tuple[Match, Route | None]:
    """What Starlette's router does: the first full match, else the first partial one."""
    partial = None
    for route in ROUTES:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return match, route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return (Match.PARTIAL, partial) if partial else (Match.NONE, None)


@pytest.mark.parametrize("path", ["/messenger/submit", "/messenger/submit/msg_1", "/messenger/submit/msg_1/x",
                                  "/messenger/template:search", "/messenger/template", "/messenger/templates",
                                  "/messenger/broadcast/latest", "/messenger", "/chat/tok_1", "/chat", "/x", "/", ""])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_the_index_answers_as_the_walk(path: str, method: str) -> None:
    index = RouteIndex()
    index.add(ROUTES[:3])
    index.add(ROUTES[3:])
    scope = {"type": "http", "path": path, "method": method, "root_path": ""}
    match, child_scope = index.matches(scope)
    expected_match, expected_route = walk(scope)
    assert (match, child_scope.get("biway_mock.route")) == (expected_match, expected_route)
    if expected_route is not None:
        assert child_scope["path_params"] == expected_route.matches(scope)[1]["path_params"]
