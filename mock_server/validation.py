"""Request validation that lists every problem at once, in the error shape.

Connexion's own validators stop at the first error, rebuild a Draft 4 validator on every
request and answer problem+json. These subclasses compile each schema once (jsonschema-rs)
and raise :class:`~mock_server.errors.BadRequest` with one entry per problem. They are wired
through ``validator_map`` in :mod:`mock_server.app`; ``tests/mock_server/test_validation.py``
proves that an invalid body never reaches a handler (a wrong map silently disables them).
"""

from __future__ import annotations

import copy
import typing as t

import jsonschema_rs
import orjson
from connexion.datastructures import MediaTypeDict
from connexion.validators import AbstractRequestBodyValidator, ParameterValidator
from starlette.datastructures import Headers
from starlette.types import Receive, Scope

from .errors import BadRequest, FieldError

__all__ = ["VALIDATOR_MAP", "compile_schema", "schema_errors", "to_json_schema"]

_compiled: dict[int, tuple[dict[str, t.Any], t.Any]] = {}


def to_json_schema(schema: t.Any) -> t.Any:
    """OpenAPI 3.0 schema → JSON Schema: ``nullable: true`` becomes a ``null`` type (and enum value)."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: to_json_schema(value) for key, value in schema.items()
           if key not in ("nullable", "discriminator", "example", "examples") and not key.startswith("x-")}
    if schema.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    # ``properties`` maps names to schemas: a property may be called "example" or "nullable".
    if "properties" in schema:
        out["properties"] = {name: to_json_schema(sub) for name, sub in schema["properties"].items()}
    return out


def compile_schema(schema: dict[str, t.Any]) -> t.Any:
    """A compiled validator for this schema object, built once and kept while the schema lives."""
    entry = _compiled.get(id(schema))
    if entry is None or entry[0] is not schema:
        validator = jsonschema_rs.Draft4Validator(to_json_schema(copy.deepcopy(schema)), validate_formats=True)
        entry = _compiled[id(schema)] = (schema, validator)
    return entry[1]


def _join(path: t.Iterable[t.Any], prefix: str = "") -> str:
    parts = [prefix] if prefix else []
    for part in path:
        if isinstance(part, int) and parts:
            parts[-1] = f"{parts[-1]}[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


def _subschema(schema: dict[str, t.Any], schema_path: t.Sequence[t.Any]) -> t.Any:
    node: t.Any = schema
    for part in schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _describe(keyword: str, value: t.Any, keyword_schema: t.Any) -> str:
    """A message from the failing keyword and its limit: never the offending value itself."""
    if keyword in ("oneOf", "oneOfNotValid", "oneOfMultipleValid"):
        alternatives = keyword_schema if isinstance(keyword_schema, list) else []
        names = [name for alt in alternatives if isinstance(alt, dict) for name in alt.get("required", [])]
        if names and all(set(alt) == {"required"} for alt in alternatives):
            return f"must have exactly one of: {', '.join(names)}"
        return "must match exactly one of the allowed shapes"
    messages: dict[str, t.Callable[[t.Any], str]] = {
        "type": lambda v: f"must be of type {' or '.join(v) if isinstance(v, list) else v}",
        "maxLength": lambda v: f"must be at most {v} characters long",
        "minLength": lambda v: f"must be at least {v} characters long" if v > 1 else "must not be empty",
        "pattern": lambda v: f"must match the pattern {v}",
        "format": lambda v: f"must be a valid {v}",
        "enum": lambda v: f"must be one of: {', '.join(map(str, v))}",
        "minimum": lambda v: f"must be at least {v}",
        "maximum": lambda v: f"must be at most {v}",
        "minItems": lambda v: f"must have at least {v} items",
        "maxItems": lambda v: f"must have at most {v} items",
        "uniqueItems": lambda v: "must not contain duplicates",
        "maxProperties": lambda v: f"must have at most {v} entries",
        "minProperties": lambda v: f"must have at least {v} entries",
    }
    describe = messages.get(keyword)
    return describe(value) if describe else f"breaks the {keyword} rule of the schema"


def schema_errors(schema: dict[str, t.Any], instance: t.Any, prefix: str = "") -> list[FieldError]:
    """Every way ``instance`` breaks ``schema``, each as (dotted field, message)."""
    found: list[FieldError] = []
    json_schema = None
    for error in compile_schema(schema).iter_errors(instance):
        kind = error.kind
        name = kind.name
        path = list(error.instance_path)
        if name == "required":
            found.append(FieldError(_join([*path, kind.property], prefix), "is required"))
        elif name == "additionalProperties":
            for unexpected in kind.unexpected:
                found.append(FieldError(_join([*path, unexpected], prefix), "is not a field of this request"))
        else:
            keyword_schema = None
            if name.startswith("oneOf"):
                json_schema = json_schema or to_json_schema(schema)
                keyword_schema = _subschema(json_schema, list(error.schema_path))
            found.append(FieldError(_join(path, prefix), _describe(name, getattr(kind, "value", None), keyword_schema)))
    return found


class JsonBodyValidator(AbstractRequestBodyValidator):
    """Parses with orjson and validates the whole body, reporting every error."""

    async def _parse(self, stream: t.AsyncGenerator[bytes, None], scope: Scope) -> t.Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("The body is not valid JSON.", [FieldError("", str(exc))]) from None

    def _validate(self, body: t.Any) -> None:
        if body is None:
            if self._required:
                raise BadRequest("The request body is required.", [FieldError("", "is required")])
            return
        errors = schema_errors(self._schema, body)
        if errors:
            raise BadRequest("The request does not conform to the contract.", errors)

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        # Connexion's version treats a chunked body (no Content-Length) as missing; read it instead.
        messages: list[t.MutableMapping[str, t.Any]] = []

        async def stream() -> t.AsyncGenerator[bytes, None]:
            more_body = True
            while more_body:
                message = await receive()
                messages.append(message)
                more_body = message.get("more_body", False)
                yield message.get("body", b"")

        headers = Headers(scope=scope)
        if headers.get("content-length") == "0":
            body = None
        else:
            body = await self._parse(stream(), scope=scope)
        self._validate(body)
        return self._insert_messages(receive, messages=messages), scope


class AllErrorsParameterValidator(ParameterValidator):
    """Checks every query, path and header parameter and reports them all together."""

    def validate_request(self, request: t.Any) -> None:
        errors: list[FieldError] = []
        if self.strict_validation:
            extra = self.validate_query_parameter_list(request, security_params=self.security_query_params)
            errors += [FieldError(f"query.{name}", "is not a parameter of this operation") for name in sorted(extra)]
        sources = {
            "query": request.query_params,
            "path": request.path_params,
            "header": request.headers,
        }
        for location, values in sources.items():
            for param in self.parameters.get(location, []):
                name = param["name"]
                value = values.get(name if location != "path" else name.replace("-", "_"))
                if value is None:
                    if param.get("required"):
                        errors.append(FieldError(f"{location}.{name}", "is required"))
                    continue
                errors += schema_errors(param.get("schema", {}), value, prefix=f"{location}.{name}")
        if errors:
            raise BadRequest("The request does not conform to the contract.", errors)


VALIDATOR_MAP: dict[str, t.Any] = {
    "parameter": AllErrorsParameterValidator,
    # A MediaTypeDict, not a dict: with a plain dict "*/*json" never matches and Connexion
    # silently skips body validation (CONNEXION-NOTES.md).
    "body": MediaTypeDict({"*/*json": JsonBodyValidator}),
}
