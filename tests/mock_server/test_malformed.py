"""Bad input of every kind is a 4xx in the error shape: never a 500, never HTML, never a trace."""

import pytest
import requests

CUSTOMER = "/client/customer"


def raw(api, method, path, data=None, headers=None, key="partner-test-key"):
    return api.request(method, path, data=data, headers=headers or {}, key=key)


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and isinstance(body["errors"], list), body


@pytest.mark.parametrize("data", [b"{", b"{'name': 1}", b"[1,", b"\xff\xfe", b"nul"])
def test_malformed_json(api, data):
    assert_error(raw(api, "POST", CUSTOMER, data, {"Content-Type": "application/json"}), 400, "invalid_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
def test_wrong_content_type(api, content_type):
    assert_error(raw(api, "POST", CUSTOMER, b"name=x", {"Content-Type": content_type}), 415, "unsupported_media_type")


def test_missing_body(api):
    response = raw(api, "POST", CUSTOMER, b"", {"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_request")
    assert response.json()["errors"] == [{"field": "", "message": "is required"}]


def test_huge_bodies_are_refused_declared_or_streamed(api):
    huge = b'{"name": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    assert_error(raw(api, "POST", CUSTOMER, huge, {"Content-Type": "application/json"}), 413, "payload_too_large")

    def chunks():
        yield b'{"name": "'
        for _ in range(9 * 1024):
            yield b"x" * 1024
        yield b'"}'
    response = requests.post(f"{api.base_url}{CUSTOMER}", data=chunks(), timeout=30,
                             headers={"Content-Type": "application/json", "Authorization": "Bearer partner-test-key"})
    assert_error(response, 413, "payload_too_large")


def test_a_chunked_body_of_normal_size_is_read(api):
    def chunks():
        yield b'{"name": "Chez Paul", "siret": "73282932000074", "email": "paul@example.fr",'
        yield b' "address": {"line": "1 rue", "postalCode": "75001", "city": "Paris", "country": "FR"}}'
    response = requests.post(f"{api.base_url}{CUSTOMER}", data=chunks(), timeout=30,
                              headers={"Content-Type": "application/json", "Authorization": "Bearer partner-test-key"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("body", [
    {"name": 7, "siret": 73282932000074, "email": ["x"], "address": "Lyon"},
    {"name": "x" * 5000, "siret": "7" * 14, "email": "a@b.fr", "address": {"line": "l", "postalCode": "69002", "city": "Lyon", "country": "FR"}, "x": None},
    {"name": None, "siret": None, "email": None, "address": None},
    [], "string", 3.14, True, None,
])
def test_wrong_types_and_unknown_fields(api, body):
    response = api.post(CUSTOMER, body)
    assert_error(response, 400, "invalid_request")
    assert "x" * 100 not in response.text  # long values are not echoed


def test_query_and_path_parameters(api):
    assert_error(api.get(CUSTOMER, params={"limit": "many"}), 400, "invalid_request")
    assert_error(api.get(CUSTOMER, params={"limit": 1000}), 400, "invalid_request")
    assert_error(api.get(CUSTOMER, params={"colour": "red"}), 400, "invalid_request")
    assert_error(api.get(f"{CUSTOMER}/{'x' * 100}"), 400, "invalid_request")
    assert_error(api.get(f"{CUSTOMER}/cus_nope"), 404, "not_found")


def test_unknown_paths_and_methods(api):
    assert_error(api.get("/client/customers"), 404, "unknown_operation")
    not_allowed = api.request("PUT", CUSTOMER, json={})
    assert_error(not_allowed, 405, "method_not_allowed")
    assert set(not_allowed.headers["allow"].split(", ")) >= {"GET", "POST"}  # RFC 9110
    assert_error(api.request("PATCH", "/_mock/reset", key=None), 405, "method_not_allowed")
