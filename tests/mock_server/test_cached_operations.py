"""The Connexion internals that cached_operations.py builds on, and that the cache is used."""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.context import _context, _operation
from connexion.decorators.main import BaseDecorator
from connexion.decorators.parameter import AsyncParameterDecorator
from connexion.decorators.response import BaseResponseDecorator
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.operations import AbstractOperation

from mock_server import Settings, create_app
from mock_server.cached_operations import (
    CachedAsyncApi,
    CachedAsyncOperation,
    CachedRequestValidation,
    CachedValidationOperation,
    _OperationParameters,
)


def test_connexion_internals_are_where_the_cache_expects_them() -> None:
    assert importlib.metadata.version("connexion") == "3.3.0"
    validation = inspect.signature(RequestValidationOperation.__init__).parameters
    assert {"next_app", "operation", "strict_validation", "validator_map"} <= set(validation)
    for name in ("extract_content_type", "validate_mime_type", "security_query_params"):
        assert hasattr(RequestValidationOperation, name), name
    source = inspect.getsource(RequestValidationOperation.__init__)
    assert "self._operation = operation" in source and "self._validator_map" in source
    assert {"fn", "jsonifier", "operation_id", "pythonic_params"} <= set(inspect.signature(AsyncOperation.__init__).parameters)
    assert "self._fn = fn" in inspect.getsource(AsyncOperation.__init__)
    assert callable(BaseDecorator.decorate) and hasattr(BaseDecorator, "_parameter_decorator_cls")
    assert "self.sanitize_fn" in inspect.getsource(AsyncParameterDecorator.__mro__[1].__init__)
    # _OperationParameters inlines this wrapper; _OperationResponse overrides the inference it calls.
    wrapper = inspect.getsource(AsyncParameterDecorator.__call__)
    assert "self._maybe_get_body(" in wrapper and "prep_kwargs(" in wrapper
    assert "self._infer_content_type(data, headers)" in inspect.getsource(BaseResponseDecorator.build_framework_response)
    assert AsyncASGIApp.api_cls is AsyncApi and hasattr(AsyncApi, "make_operation")


def operations_with_handlers(monkeypatch) -> list[tuple[AbstractOperation, CachedAsyncOperation]]:
    made = []
    original = CachedAsyncApi.make_operation

    def make_operation(self, operation):
        made.append((operation, original(self, operation)))
        return made[-1][1]

    monkeypatch.setattr(CachedAsyncApi, "make_operation", make_operation)
    app = create_app(Settings(clock="manual"))
    app.middleware._build_middleware_stack()
    return made


def sample(schema: dict) -> str:
    """A query or path value of the parameter's type, as a client would send it."""
    if "enum" in schema:
        return str(schema["enum"][-1])
    return {"integer": "7", "number": "2.5", "boolean": "true"}.get(schema.get("type"), "x_1")


def request_for(operation: AbstractOperation, query: bool, body: bytes | None) -> ConnexionRequest:
    path_params = {p["name"]: sample(p["schema"]) for p in operation.parameters if p["in"] == "path"}
    query_string = "&".join(f"{p['name']}={sample(p['schema'])}" for p in operation.parameters
                            if p["in"] == "query") if query else ""
    scope = {"type": "http", "method": operation.method.upper(), "path": operation.path, "path_params": path_params,
             "query_string": query_string.encode(), "root_path": "",
             "headers": [(b"content-type", b"application/json; charset=utf-8")] if body is not None else [],
             "extensions": {"connexion_context": {"token_info": {"caller": "someone"}, "user": "u"}}}

    async def receive() -> dict:
        return {"type": "http.request", "body": body or b"", "more_body": False}

    uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
    return ConnexionRequest(scope, receive, uri_parser=uri_parser)


def test_the_per_operation_parameters_are_connexions(monkeypatch) -> None:
    """Every operation's handler gets from _OperationParameters what Connexion's decorator gives it."""
    made = operations_with_handlers(monkeypatch)
    assert len(made) > 40
    for operation, handler in made:
        given: list[dict] = []

        async def capture(given: list[dict] = given, **kwargs):
            given.append(kwargs)

        capture.__signature__ = inspect.signature(handler._fn)
        ours = _OperationParameters(operation, framework=StarletteFramework, pythonic_params=False)(capture)
        connexions = AsyncParameterDecorator(framework=StarletteFramework, pythonic_params=False)(capture)
        bodies = [None, b'{"name": "x", "n": 1}', b"null"] if operation.is_request_body_defined else [None]
        for query, body in [(query, body) for query in (False, True) for body in bodies]:
            _operation.set(operation)
            _context.set({"token_info": {"caller": "someone"}, "user": "u"})
            asyncio.run(ours(request_for(operation, query, body)))
            asyncio.run(connexions(request_for(operation, query, body)))
            assert given[-2] == given[-1], (operation.operation_id, query, body)


def test_every_operation_uses_the_cached_objects() -> None:
    app = create_app(Settings(clock="manual"))
    _, stack = app.middleware._build_middleware_stack()
    validation = [m for m in stack if isinstance(m, CachedRequestValidation)]
    assert len(validation) == 1
    operations = [op for api in validation[0].apis[""] for op in api.operations.values()]
    assert operations and all(isinstance(op, CachedValidationOperation) for op in operations)
    handlers = [op for api in app._middleware_app.apis[""] for op in api.operations.values()]
    assert handlers and all(isinstance(op, CachedAsyncOperation) for op in handlers)
