"""The Connexion internals that cached_operations.py builds on, and that the cache is used."""

from __future__ import annotations

import importlib.metadata
import inspect

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.decorators.main import BaseDecorator
from connexion.middleware.request_validation import RequestValidationOperation

from mock_server import Settings, create_app
from mock_server.cached_operations import CachedAsyncOperation, CachedRequestValidation, CachedValidationOperation


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
    from connexion.decorators.parameter import AsyncParameterDecorator

    assert "self.sanitize_fn" in inspect.getsource(AsyncParameterDecorator.__mro__[1].__init__)
    assert AsyncASGIApp.api_cls is AsyncApi and hasattr(AsyncApi, "make_operation")


def test_every_operation_uses_the_cached_objects() -> None:
    app = create_app(Settings(clock="manual"))
    _, stack = app.middleware._build_middleware_stack()
    validation = [m for m in stack if isinstance(m, CachedRequestValidation)]
    assert len(validation) == 1
    operations = [op for api in validation[0].apis[""] for op in api.operations.values()]
    assert operations and all(isinstance(op, CachedValidationOperation) for op in operations)
    handlers = [op for api in app._middleware_app.apis[""] for op in api.operations.values()]
    assert handlers and all(isinstance(op, CachedAsyncOperation) for op in handlers)
