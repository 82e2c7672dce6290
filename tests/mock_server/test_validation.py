"""Request validation runs before any handler, and lists every problem.

In-process on purpose: a spy on every handler proves an invalid body never reaches one
(CONNEXION-NOTES.md: a wrong ``validator_map`` silently turns body validation off).
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
from typing import Any

import httpx
import pytest
from connexion.datastructures import MediaTypeDict

from mock_server import create_app, routing
from mock_server.spec import API_FILES, bundled_spec_dir, iter_operations, load_spec
from mock_server.validation import VALIDATOR_MAP

POSTS = [op for api in API_FILES for op in iter_operations(load_spec(bundled_spec_dir(), api), api)
         if "requestBody" in op.spec]


@pytest.fixture
def spied_app(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    calls: list[str] = []
    original = routing._import

    def spying_import(path: str) -> Any:
        handler = original(path)

        @functools.wraps(handler)
        def spy(*args: Any, **kwargs: Any) -> Any:
            calls.append(path)
            return handler(*args, **kwargs)
        return spy

    monkeypatch.setattr(routing, "_import", spying_import)
    return create_app(), calls


def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock") as client:
            return await client.request(method, path, headers={"Authorization": "Bearer partner-test-key"}, **kwargs)
    return asyncio.run(go())


def concrete(path: str) -> str:
    return path.replace("{resource}", "customers").replace("{id}", "cus_1")


@pytest.mark.parametrize("op", POSTS, ids=lambda op: op.operation_id)
def test_invalid_bodies_never_reach_a_handler(spied_app: tuple[Any, list[str]], op: Any) -> None:
    app, calls = spied_app
    for bad in ({"unexpected": True}, [], "text", 42):
        response = call(app, op.method.upper(), concrete(op.path), json=bad)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_request"
        assert response.json()["errors"]
    assert calls == []


def test_the_spy_sees_valid_requests(spied_app: tuple[Any, list[str]]) -> None:
    app, calls = spied_app
    body = {"name": "B", "siret": "73282932000074", "email": "b@example.fr",
            "address": {"line": "1 rue", "postalCode": "69002", "city": "Lyon", "country": "FR"}}
    assert call(app, "POST", "/client/customer", json=body).status_code == 201
    assert calls == ["mock_server.handlers.clients.new_customer"]


def test_every_problem_is_listed_at_once(spied_app: tuple[Any, list[str]]) -> None:
    app, _ = spied_app
    body = {"name": "", "siret": "123", "email": "not-an-email", "address": {"city": 7}, "extra": 1}
    errors = call(app, "POST", "/client/customer", json=body).json()["errors"]
    fields = {e["field"] for e in errors}
    assert {"name", "siret", "email", "address.line", "address.postalCode", "address.country",
            "address.city", "extra"} <= fields
    assert all("not-an-email" not in e["message"] for e in errors)  # messages never echo values


def test_connexion_internals_this_project_relies_on_are_there() -> None:
    """Fails when an upgrade moves what validation.py, middleware.py and auth.py build on."""
    from connexion.middleware import swagger_ui
    from connexion.security import BearerSecurityHandler
    from connexion.validators import AbstractRequestBodyValidator, ParameterValidator

    assert importlib.metadata.version("connexion") == "3.3.0"
    assert isinstance(VALIDATOR_MAP["body"], MediaTypeDict)
    from connexion.middleware import routing as connexion_routing

    assert hasattr(swagger_ui, "_original_scope") and hasattr(swagger_ui, "SwaggerUIAPI")
    assert hasattr(connexion_routing, "RoutingAPI")
    assert hasattr(AbstractRequestBodyValidator, "_insert_messages")
    assert hasattr(ParameterValidator, "validate_query_parameter_list")
    assert hasattr(BearerSecurityHandler, "_resolve_func")
