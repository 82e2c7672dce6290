"""The one error shape of every 4xx/5xx answer, and the exceptions that carry it.

``{"code": ..., "message": ..., "errors": [{"field": ..., "message": ...}]}``: domain code raises
an :class:`ApiError` subclass; Connexion's own problems (401, 404, 405, 415, validation) are
translated by :func:`error_response`, so a client never sees problem+json, HTML or a trace.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import orjson
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

__all__ = [
    "ApiError", "BadRequest", "Conflict", "FieldError", "Forbidden", "NotFound", "PayloadTooLarge",
    "Unauthorized", "Unprocessable", "CONTRACT_CODES", "error_body", "error_handler",
]

logger = logging.getLogger("biway_mock")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class ApiError(Exception):
    """An answer other than success, in the error shape."""

    message: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    code: str = "invalid_request"

    def __str__(self) -> str:
        return self.message


class BadRequest(ApiError):
    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message, errors or [], 400, "invalid_request")


class Unauthorized(ApiError):
    def __init__(self, message: str = "Missing or unknown API key.") -> None:
        super().__init__(message, [], 401, "unauthorized")


class Forbidden(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(message, [], 403, "forbidden")


class NotFound(ApiError):
    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message, errors or [], 404, "not_found")


class Conflict(ApiError):
    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message, errors or [], 409, "conflict")


class Unprocessable(ApiError):
    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message, errors or [], 422, "unprocessable")


class PayloadTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The body exceeds {limit} bytes.", [], 413, "payload_too_large")


#: Codes that mean the request itself broke the contract (the journal lists them as violations),
#: as opposed to a well-formed request that a business rule refused.
CONTRACT_CODES = frozenset(
    {"invalid_request", "unauthorized", "unknown_operation", "method_not_allowed",
     "payload_too_large", "unsupported_media_type"}
)

_HTTP_CODES = {
    400: ("invalid_request", "The request does not conform to the contract."),
    401: ("unauthorized", "Missing or unknown API key."),
    403: ("forbidden", "This key may not call this operation."),
    404: ("unknown_operation", "No operation of the Bi-way specs has this path."),
    405: ("method_not_allowed", "This path does not take this method."),
    413: ("payload_too_large", "The body is too large."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    500: ("internal_error", "The mock failed on this request; see its log."),
}


def error_body(error: ApiError) -> dict[str, object]:
    return {
        "code": error.code,
        "message": error.message,
        "errors": [{"field": e.field, "message": e.message} for e in error.errors],
    }


def to_api_error(exc: Exception) -> ApiError:
    """Translate any exception that reached the top into the error shape."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, (ProblemException, HTTPException)):
        status = exc.status_code
        code, default_message = _HTTP_CODES.get(status, ("error", "The request failed."))
        errors = list(getattr(exc, "field_errors", []))
        detail = getattr(exc, "detail", None)
        message = default_message if status in (404, 405) or not detail else str(detail)
        if status == 400 and not errors and detail:
            errors = [FieldError("", str(detail))]
            message = default_message
        return ApiError(message, errors, status, code)
    logger.exception("unhandled error", exc_info=exc)
    return ApiError("The mock failed on this request; see its log.", [], 500, "internal_error")


ErrorHandler = Callable[[ConnexionRequest, Exception], Awaitable[ConnexionResponse]]


def error_handler(allowed_methods: Callable[[str], list[str]]) -> ErrorHandler:
    """Connexion's error handler for an app whose paths take ``allowed_methods(path)``."""

    async def error_response(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        # async, so that it runs inline and not in a thread pool
        error = to_api_error(exc)
        headers = {}
        if error.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if error.status == 405:  # RFC 9110: list what the path takes
            headers["Allow"] = ", ".join(allowed_methods(request.url.path))
        return ConnexionResponse(
            status_code=error.status,
            body=orjson.dumps(error_body(error)),
            content_type="application/json",
            headers=headers or None,
        )

    return error_response
