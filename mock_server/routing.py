"""From an operationId of the spec to the plain function that handles it.

``newCustomer`` tagged ``Clients`` is handled by ``mock_server.handlers.clients.new_customer``:
the module is the operation's first tag, the function its operationId in snake case. Handlers
are plain functions ``(platform, caller, **parameters) -> (body, status)``; this module binds
them to the app's :class:`~mock_server.platform.Platform` and wraps them in ``async def`` so that
Connexion calls them inline instead of in a thread pool (their SQLite calls are short).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

import inflection
from connexion import request as current_request
from connexion.resolver import Resolution, Resolver

from .platform import Platform
from .spec import Operation

__all__ = ["handler_path", "HandlerResolver", "bind_handler"]

#: Handler parameters filled by the binding rather than by Connexion from the request.
_INJECTED = ("platform", "caller", "base_url", "wants_html")


def handler_path(operation: Operation) -> str:
    module = inflection.underscore(operation.tag.replace("-", "_"))
    return f"mock_server.handlers.{module}.{inflection.underscore(operation.operation_id)}"


def _import(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def bind_handler(handler: Callable[..., Any], platform: Platform, writes: bool = False) -> Callable[..., Any]:
    """An async endpoint whose signature shows Connexion only the request's parameters.

    ``writes``: the operation changes state (any method but GET); the store gets ready first."""
    signature = inspect.signature(handler)
    wants = {name: name in signature.parameters for name in _INJECTED}
    parameters = [p for name, p in signature.parameters.items() if name not in _INJECTED]
    if wants["caller"]:
        # Connexion passes the security check's result as ``token_info``.
        parameters.append(inspect.Parameter("token_info", inspect.Parameter.KEYWORD_ONLY))

    async def endpoint(**kwargs: Any) -> Any:
        if wants["caller"]:
            kwargs["caller"] = kwargs.pop("token_info")["caller"]
        if wants["base_url"]:
            kwargs["base_url"] = str(current_request.base_url).rstrip("/")
        if wants["wants_html"]:
            # OpenAPI ignores an Accept header parameter, so the binding reads it.
            accept = current_request.headers.get("accept", "")
            kwargs["wants_html"] = "text/html" in accept and "application/json" not in accept
        if writes:
            await platform.store.ready_to_write()
        return handler(platform, **kwargs)

    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = handler.__name__
    endpoint.__qualname__ = handler.__qualname__
    endpoint.__module__ = handler.__module__
    endpoint.__doc__ = handler.__doc__
    return endpoint


class HandlerResolver(Resolver):
    """Resolves each operation of one API to its bound handler."""

    def __init__(self, platform: Platform, operations: list[Operation]) -> None:
        super().__init__()
        self.platform = platform
        self.by_id = {op.operation_id: op for op in operations}

    def resolve(self, operation: Any) -> Resolution:
        path = handler_path(self.by_id[operation.operation_id])
        writes = operation.method.lower() not in ("get", "head")
        return Resolution(bind_handler(_import(path), self.platform, writes), operation.operation_id)
