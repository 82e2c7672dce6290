"""Connexion's per-request work, done once per operation instead.

Connexion 3.3 rebuilds, on every request, things that depend only on the operation: request
validation builds a URI parser (twice) and new validators, and the app re-decorates the
handler (``AsyncOperation.fn`` is a property that runs ``inspect.signature`` each time).
Profiling a validated POST put a fifth of its time there (CONNEXION-NOTES.md). These
subclasses build each of those once, when the operation is added, and reuse it.

They rely on Connexion internals (``RequestValidationOperation._operation``, ``_validator_map``,
``AsyncOperation._fn``, ``BaseDecorator.decorate``, ``_parameter_decorator_cls``,
``BaseParameterDecorator.sanitize_fn``, ``AsyncASGIApp.api_cls``): the version is
pinned in pyproject.toml and ``tests/mock_server/test_cached_operations.py`` fails if one of
them changes.
"""

from __future__ import annotations

import functools
import typing as t

from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.decorators import StarletteDecorator
from connexion.decorators.parameter import AsyncParameterDecorator
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.operations import AbstractOperation
from connexion.utils import is_nullable
from starlette.types import Receive, Scope, Send

__all__ = ["CachedAsyncApi", "CachedRequestValidation"]


class CachedValidationOperation(RequestValidationOperation):
    """Validates like Connexion's, with the URI parser and validators built once."""

    def __init__(self, next_app: t.Any, *, operation: AbstractOperation, **kwargs: t.Any) -> None:
        super().__init__(next_app, operation=operation, **kwargs)
        self._uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self._parameter_validator = self._validator_map["parameter"](
            operation.parameters,
            uri_parser=self._uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        self._body_validators: dict[tuple[str, str], t.Any] = {}

    def _body_validator(self, mime_type: str, encoding: str) -> t.Any:
        """The validator for this content type (None: no schema, or none registered), built once."""
        key = (mime_type, encoding)
        if key not in self._body_validators:
            schema = self._operation.body_schema(mime_type)
            try:  # a MediaTypeDict matches ranges such as */*json in [], not in .get()
                validator_cls = self._validator_map["body"][mime_type] if schema else None
            except KeyError:
                validator_cls = None
            self._body_validators[key] = validator_cls and validator_cls(
                schema=schema,
                required=self._operation.request_body.get("required", False),
                nullable=is_nullable(self._operation.body_definition(mime_type)),
                encoding=encoding,
                strict_validation=self.strict_validation,
                uri_parser=self._uri_parser,
            )
        return self._body_validators[key]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._parameter_validator.validate(scope)
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        validator = self._body_validator(mime_type, encoding)
        if validator is not None:
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


class _CachedValidationAPI(RequestValidationAPI):
    def make_operation(self, operation: AbstractOperation) -> RequestValidationOperation:
        return CachedValidationOperation(self.next_app, operation=operation, strict_validation=self.strict_validation,
                                         validator_map=self.validator_map)


class CachedRequestValidation(RequestValidationMiddleware):
    """Connexion's request validation middleware, with per-operation work cached."""

    api_cls = _CachedValidationAPI


class _ParameterDecorator(AsyncParameterDecorator):
    """Connexion's, with its parameter-name cleaner memoized (three ``re.sub`` per name per request)."""

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.sanitize_fn = functools.lru_cache(maxsize=1024)(self.sanitize_fn)  # type: ignore[has-type]


class _Decorator(StarletteDecorator):
    @property
    def _parameter_decorator_cls(self) -> type[AsyncParameterDecorator]:
        return _ParameterDecorator


class CachedAsyncOperation(AsyncOperation):
    """Calls the handler through Connexion's decorators (parameters in, response out), built once."""

    def __init__(self, fn: t.Callable[..., t.Any], *, operation: AbstractOperation, **kwargs: t.Any) -> None:
        super().__init__(fn, **kwargs)
        self._uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        decorator = _Decorator(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)
        self._decorated = decorator.decorate(self._fn)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._decorated(ConnexionRequest(scope, receive, uri_parser=self._uri_parser))
        await response(scope, receive, send)


class CachedAsyncApi(AsyncApi):
    def make_operation(self, operation: AbstractOperation) -> AsyncOperation:
        return CachedAsyncOperation(operation.function, operation=operation, jsonifier=self.jsonifier,
                                    operation_id=operation.operation_id, pythonic_params=self.pythonic_params)
