"""Connexion's per-request work, done once per operation instead.

Connexion 3.3 rebuilds, on every request, things that depend only on the operation: request
validation builds a URI parser (twice) and new validators; the app re-decorates the handler
(``AsyncOperation.fn`` is a property that runs ``inspect.signature`` each time); the parameter
and response decorators look the operation's definitions up through a context proxy, and parse
every request as a form. Profiling put a fifth of a validated POST, and two fifths of a GET,
there (CONNEXION-NOTES.md). These subclasses build each of those once, when the operation is
added, and reuse it.

They rely on Connexion internals (``RequestValidationOperation._operation``, ``_validator_map``,
``AsyncOperation._fn``, the helpers of ``connexion.decorators.parameter``,
``BaseResponseDecorator._infer_content_type``, ``connexion.context._context``,
``AsyncASGIApp.api_cls``): the version is pinned in pyproject.toml, and
``tests/mock_server/test_cached_operations.py`` fails if one of them changes, and checks that
every operation's handler gets the arguments Connexion's own decorator would give it.
"""

from __future__ import annotations

import collections.abc
import copy
import functools
import types
import typing as t

from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.context import _context
from connexion.decorators import StarletteDecorator
from connexion.decorators.parameter import (
    CONTEXT_NAME,
    AsyncParameterDecorator,
    _get_body_argument_json,
    _get_query_defaults,
    _get_val_from_param,
    unwrap_decorators,
)
from connexion.decorators.response import AsyncResponseDecorator
from connexion.exceptions import NonConformingResponseHeaders
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.operations import AbstractOperation, Swagger2Operation
from connexion.utils import deep_merge, extract_content_type, inspect_function_arguments, is_nullable
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


class _OperationParameters(AsyncParameterDecorator):
    """Connexion's parameter decorator for one operation, with what depends only on the
    operation worked out once: its parameter definitions, its query defaults, whether it takes a
    form. Connexion's looks them up on every request (through a context proxy), and parses the
    request as a form even for a GET; with the response decorator's lookups, two fifths of a GET
    (150 µs in-process, 91 without either). An operation that takes a form keeps Connexion's
    decorator as it is.

    Per request, this is ``AsyncParameterDecorator.__call__``'s wrapper with ``prep_kwargs`` and
    ``get_arguments`` inlined, calling the same helpers.
    """

    def __init__(self, operation: AbstractOperation, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.sanitize_fn = functools.lru_cache(maxsize=1024)(self.sanitize_fn)  # type: ignore[has-type]
        self.operation = operation
        self.path = {p["name"]: p for p in operation.parameters if p["in"] == "path"}
        self.query = {p["name"]: p for p in operation.parameters if p["in"] == "query"}
        self.query_defaults = _get_query_defaults(self.query)
        self.takes_form = isinstance(operation, Swagger2Operation) or any(
            media_type in FORM_CONTENT_TYPES for media_type in operation.consumes)

    def __call__(self, function: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        if self.takes_form or self.operation.method.upper() == "TRACE":
            return super().__call__(function)  # type: ignore[no-any-return]
        arguments, has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        operation, sanitize, path, query, defaults = (
            self.operation, self.sanitize_fn, self.path, self.query, self.query_defaults)

        @functools.wraps(function)
        async def wrapper(request: ConnexionRequest) -> t.Any:
            kwargs = {}
            for name, value in request.path_params.items():
                kwargs[sanitize(name)] = _get_val_from_param(value, path[name]) if name in path else value
            provided = request.query_params
            for name, value in (deep_merge(copy.deepcopy(defaults), provided) if defaults else provided).items():
                key = sanitize(name)
                if (has_kwargs or key in arguments) and name in query:
                    kwargs[key] = _get_val_from_param(value, query[name])
            if (arguments or has_kwargs) and operation.is_request_body_defined:
                body_name = sanitize(operation.body_name(request.mimetype))
                if has_kwargs or body_name in arguments:
                    # Connexion reads the body under the name for the whole Content-Type header.
                    fetch = has_kwargs or sanitize(operation.body_name(request.content_type)) in arguments
                    body = await request.get_body() if fetch else None
                    kwargs[body_name] = _get_body_argument_json(body, operation=operation, content_type=request.mimetype)
            context = _context.get()
            for key, value in context.items():
                if has_kwargs or key in arguments:
                    kwargs[key] = value
            if CONTEXT_NAME in arguments:
                kwargs[CONTEXT_NAME] = context
            return await function(**kwargs)

        return wrapper


class _OperationResponse(AsyncResponseDecorator):
    """Connexion's response decorator for one operation, with the content types it produces
    looked up once rather than through a context proxy on every response."""

    def __init__(self, operation: AbstractOperation, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.produces: list[str] = list(set(operation.produces))
        self.operation_produces = operation.produces

    def _infer_content_type(self, data: t.Any, headers: dict[str, str]) -> str | None:
        """``BaseResponseDecorator._infer_content_type``, reading the cached content types."""
        content_type: str | None = extract_content_type(headers) if headers else None  # mostly none: skip the walk
        produces = self.produces
        if data is not None and not produces:
            produces = ["application/json"]
        if content_type:
            if content_type not in produces:
                raise NonConformingResponseHeaders(
                    f"Returned content type ({content_type}) is not defined in operation spec "
                    f"({self.operation_produces}).")
            return content_type
        if len(produces) == 1:
            return produces[0]
        if not produces:
            return None
        if isinstance(data, str):
            content_type = next((c for c in reversed(produces) if "text/plain" in c), None)
        elif isinstance(data, bytes | types.GeneratorType | collections.abc.Iterator):
            content_type = next((c for c in reversed(produces) if "application/octet-stream" in c), None)
        if content_type is None:
            raise NonConformingResponseHeaders(
                "Multiple response content types are defined in the operation spec, but "
                "the handler response did not specify which one to return.")
        return content_type


class CachedAsyncOperation(AsyncOperation):
    """Calls the handler through Connexion's decorators (parameters in, response out), built
    once for the operation."""

    def __init__(self, fn: t.Callable[..., t.Any], *, operation: AbstractOperation, **kwargs: t.Any) -> None:
        super().__init__(fn, **kwargs)
        self._uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        parameters = _OperationParameters(operation, framework=StarletteFramework, pythonic_params=self.pythonic_params)
        response = _OperationResponse(operation, framework=StarletteFramework, jsonifier=self.jsonifier)
        self._decorated = response(parameters(StarletteDecorator()._sync_async_decorator(self._fn)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._decorated(ConnexionRequest(scope, receive, uri_parser=self._uri_parser))
        await response(scope, receive, send)


class CachedAsyncApi(AsyncApi):
    def make_operation(self, operation: AbstractOperation) -> AsyncOperation:
        return CachedAsyncOperation(operation.function, operation=operation, jsonifier=self.jsonifier,
                                    operation_id=operation.operation_id, pythonic_params=self.pythonic_params)
