"""The contract itself: valid OpenAPI, examples valid, the guide's operations where it puts them."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from mock_server.routing import handler_path
from mock_server.spec import API_FILES, bundled_spec_dir, callback_schema, iter_operations, load_spec
from mock_server.validation import schema_errors

SPECS = {api: load_spec(bundled_spec_dir(), api) for api in API_FILES}

#: The guide's operations: (api, method, path, operationId or None where the guide names none, tag).
GUIDE = [
    ("account", "post", "/system/callback", "newCallbackUrl", "Capture-Events"),
    ("account", "post", "/client/customer", "newCustomer", "Clients"),
    ("account", "post", "/system/account", "newAccount", "Accounts"),
    ("messenger", "post", "/chatbot/agent", "ChatbotAgentPost", "Chatbot"),
    ("messenger", "post", "/messenger/rcs/tester", "MessengerRcsTesterPost", "Rcs"),
    ("messenger", "post", "/messenger/template", "MessengerTemplatePost", "Submit-template"),
    ("messenger", "post", "/chatbot/trigger", "ChatbotTriggerPost", "Chatbot"),
    ("messenger", "post", "/file/entry", None, None),
    ("messenger", "post", "/chatbot/token", "ChatbotTokenPost", "Chatbot"),
    ("messenger", "post", "/messenger/submit", "MessengerSubmitPost", "Messenger"),
    ("messenger", "post", "/messenger/broadcast", None, "Messenger"),
    ("messenger", "post", "/messenger/conversation", None, "Messenger"),
]

OPERATIONS = [op for api in ("account", "messenger") for op in iter_operations(SPECS[api], api)]


@pytest.mark.parametrize("api", list(API_FILES))
def test_spec_file_is_valid_openapi(api: str) -> None:
    document, base_uri = read_from_filename(str(bundled_spec_dir() / API_FILES[api]))
    assert document["openapi"] == "3.0.3"
    validate(document, base_uri=base_uri)


@pytest.mark.parametrize(("api", "method", "path", "operation_id", "tag"), GUIDE)
def test_guide_operation_is_at_the_guides_path(api: str, method: str, path: str, operation_id: str | None, tag: str | None) -> None:
    operation = SPECS[api]["paths"][path][method]
    assert operation["x-biway-source"] == "guide"
    if operation_id:
        assert operation["operationId"] == operation_id
    if tag:
        assert operation["tags"] == [tag]


def test_every_operation_says_where_it_comes_from() -> None:
    guide = {(m, p) for _, m, p, _, _ in GUIDE}
    for op in OPERATIONS:
        expected = "guide" if (op.method, op.path) in guide else "inferred"
        assert op.spec.get("x-biway-source") == expected, op.operation_id


def test_every_resource_has_a_get_by_id_linked_from_its_create() -> None:
    by_id = {op.operation_id: op for op in OPERATIONS}
    for op in OPERATIONS:
        if op.method != "post" or op.path == "/system/callback/{id}":
            continue
        created = op.spec["responses"].get("201")
        assert created, op.operation_id
        links = created["links"]
        targets = [by_id[link["operationId"]] for link in links.values()]
        get = next(t for t in targets if t.path == f"{op.path}/{{id}}")
        assert get.method == "get"
        assert links[get.operation_id]["parameters"] == {"id": "$response.body#/id"}


def test_main_resources_have_paged_lists() -> None:
    for op in OPERATIONS:
        if op.method == "post":
            listing = SPECS[op.api]["paths"][op.path].get("get")
            assert listing, f"no list at GET {op.path}"
            names = {p["name"] for p in listing["parameters"]}
            assert {"limit", "cursor"} <= names


def test_every_operation_is_secured_with_bearer_and_every_4xx_uses_the_error_schema() -> None:
    for api in ("account", "messenger"):
        assert SPECS[api]["components"]["securitySchemes"]["bearerAuth"] == {
            **SPECS[api]["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
        assert SPECS[api]["security"] == [{"bearerAuth": []}]
    for api, spec in SPECS.items():
        error = spec["components"]["schemas"]["Error"]
        for op in iter_operations(spec, api):
            assert op.spec.get("security", spec.get("security")) != [] or api == "control"
            for status, response in op.spec["responses"].items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == error, (op.operation_id, status)


def _object_schemas(schema: dict[str, Any]) -> list[dict[str, Any]]:
    found = [schema] if schema.get("type") == "object" else []
    for sub in schema.get("properties", {}).values():
        found += _object_schemas(sub)
    if isinstance(schema.get("items"), dict):
        found += _object_schemas(schema["items"])
    return found


def test_request_bodies_refuse_unknown_fields() -> None:
    for api, spec in SPECS.items():
        for op in iter_operations(spec, api):
            if "requestBody" in op.spec:
                schema = op.spec["requestBody"]["content"]["application/json"]["schema"]
                for obj in _object_schemas(schema):
                    if "additionalProperties" not in obj or obj["additionalProperties"] is not False:
                        assert isinstance(obj.get("additionalProperties"), dict), (op.operation_id, obj)


def test_tight_schemas_for_the_fields_clients_get_wrong() -> None:
    schemas = SPECS["messenger"]["components"]["schemas"]
    assert schemas["Phone"]["pattern"] == r"^\+[1-9][0-9]{7,14}$"
    assert schemas["MessageText"]["maxLength"] == 1600
    assert schemas["Channel"]["enum"] == ["sms", "rcs"]
    assert SPECS["account"]["components"]["schemas"]["CustomerRequest"]["properties"]["siret"]["pattern"] == "^[0-9]{14}$"
    assert SPECS["account"]["components"]["schemas"]["CustomerRequest"]["properties"]["email"]["format"] == "email"


def _examples() -> list[tuple[str, str, dict[str, Any], Any]]:
    found = []
    for api, spec in SPECS.items():
        for op in iter_operations(spec, api):
            body = op.spec.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                found.append((op.operation_id, "request", body["schema"], body.get("example")))
            for status, response in op.spec["responses"].items():
                media = response.get("content", {}).get("application/json")
                if media:
                    found.append((op.operation_id, status, media["schema"], media.get("example")))
    return found


@pytest.mark.parametrize(("operation_id", "where", "schema", "example"), _examples(),
                         ids=[f"{o}-{w}" for o, w, _, _ in _examples()])
def test_every_example_is_valid_against_its_schema(operation_id: str, where: str, schema: dict[str, Any], example: Any) -> None:
    if where == "request" or where.startswith("2"):
        assert example is not None, f"{operation_id} {where} has no example"
    if example is not None:
        errors = [e.message for e in OAS30Validator(schema, format_checker=oas30_format_checker).iter_errors(example)]
        assert not errors, (operation_id, where, errors)


def test_callbacks_describe_every_event_type_discriminated_by_type() -> None:
    schema = callback_schema(SPECS["account"])
    assert set(schema["discriminator"]["mapping"]) == {
        "CUSTOMER_STATUS", "ACCOUNT_STATUS", "AGENT_STATUS", "RCS_TESTER_STATUS", "MESSENGER_REPORT", "MESSENGER_INBOUND"}
    assert schema["discriminator"]["propertyName"] == "type"
    assert len(schema["oneOf"]) == 6
    callback = SPECS["account"]["paths"]["/system/callback"]["post"]["callbacks"]["platformEvent"]
    operation = callback["{$request.body#/url}"]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    example = operation["requestBody"]["content"]["application/json"]["example"]
    # The validator the mock checks its own payloads with (OAS30Validator cannot follow the
    # discriminator's mapping once the schema is lifted out of its document).
    assert schema_errors(schema, example) == []
    assert schema_errors(schema, {**example, "type": "AGENT_STATUS"}) != []


def test_every_operation_id_resolves_to_a_handler() -> None:
    import importlib

    for api, spec in SPECS.items():
        for op in iter_operations(spec, api):
            module, _, name = handler_path(op).rpartition(".")
            assert callable(getattr(importlib.import_module(module), name, None)), f"{op.operation_id} -> {handler_path(op)}"
