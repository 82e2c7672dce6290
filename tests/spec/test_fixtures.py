"""The sample payloads in fixtures/ are valid requests."""

import json

import pytest

from mock_server.spec import API_FILES, bundled_spec_dir, iter_operations, load_spec
from mock_server.validation import schema_errors

FIXTURES = bundled_spec_dir().parent / "fixtures" / "payloads"
REQUEST_SCHEMAS = {
    op.operation_id: op.spec["requestBody"]["content"]["application/json"]["schema"]
    for api in API_FILES
    for op in iter_operations(load_spec(bundled_spec_dir(), api), api)
    if "requestBody" in op.spec
}


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_payload_is_a_valid_request(path) -> None:
    body = json.loads(path.read_text(encoding="utf-8"))
    assert schema_errors(REQUEST_SCHEMAS[path.stem], body) == []


def test_there_are_payloads() -> None:
    assert len(list(FIXTURES.glob("*.json"))) >= 5
