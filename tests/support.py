"""Helpers for the project's tests: a real server on loopback and a client that checks the contract.

The server is the installed ``biway-mock`` command, started from a directory outside the
checkout; every response the client receives is validated against the spec with openapi-core.
"""

from __future__ import annotations

import copy
import functools
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

from mock_server.spec import API_FILES, bundled_spec_dir, callback_schema, load_spec
from mock_server.validation import schema_errors

PARTNER_KEY = "partner-test-key"
EVENT_SCHEMA = callback_schema(load_spec(bundled_spec_dir(), "account"))
DEADLINE_SECONDS = 30
VALID_SIRET = "73282932000074"


def biway_mock_command() -> list[str]:
    script = Path(sys.executable).with_name("biway-mock")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mock_server"]


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[str]
    #: What the server printed after its first line (drained, so that it never blocks on a full pipe).
    output: list[str]

    def stop(self, kill: bool = False) -> None:
        if self.process.poll() is None:
            (self.process.kill if kill else self.process.terminate)()
            self.process.wait(timeout=DEADLINE_SECONDS)


def start_server(*args: str, cwd: Path) -> RunningServer:
    """``biway-mock serve --port 0 ARGS`` in ``cwd``; returns once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIWAY_")}
    process = subprocess.Popen(
        [*biway_mock_command(), "serve", "--port", "0", *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    first_line = process.stdout.readline()
    if "listening on" not in first_line:
        process.kill()
        raise RuntimeError(f"biway-mock did not start: {first_line}{process.stdout.read()}")
    url = first_line.split("listening on", 1)[1].strip()
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(process.stdout or ()), daemon=True).start()
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        try:
            requests.get(f"{url}/_mock/requests", timeout=1)
            break
        except requests.ConnectionError as exc:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"biway-mock at {url} never answered") from exc
            time.sleep(0.05)
    return RunningServer(url, process, output)


@functools.cache
def load_openapi(base_url: str) -> dict[str, OpenAPI]:
    """The specs as openapi-core apps whose server is ``base_url``."""
    spec_dir = bundled_spec_dir()
    apps = {}
    for api, name in API_FILES.items():
        path = spec_dir / name
        document = copy.deepcopy(yaml.safe_load(path.read_text(encoding="utf-8")))
        document["servers"] = [{"url": base_url}]
        apps[api] = OpenAPI.from_dict(document, base_uri=path.as_uri())
    return apps


class ContractViolation(AssertionError):
    pass


class Api:
    """An HTTP client for the mock whose every response must conform to the spec."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.openapi = load_openapi(base_url)
        self.session = requests.Session()

    def request(self, method: str, path: str, *, key: str | None = PARTNER_KEY, check: bool = True,
                **kwargs: Any) -> requests.Response:
        """Send a request; unless ``check`` is False (an injected fault), the answer must conform."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if key is not None:
            headers.setdefault("Authorization", f"Bearer {key}")
        response = self.session.request(method, f"{self.base_url}{path}", headers=headers, timeout=30, **kwargs)
        if check:
            self.check_conforms(response)
        return response

    def check_conforms(self, response: requests.Response) -> None:
        assert response.headers.get("content-type", "").startswith("application/json") or response.status_code == 204, \
            f"{response.status_code} answered {response.headers.get('content-type')}: {response.text[:200]}"
        request = RequestsOpenAPIRequest(response.request)
        for app in self.openapi.values():
            try:
                app.validate_response(request, RequestsOpenAPIResponse(response))
                return
            except (PathNotFound, OperationNotFound):
                continue
            except Exception as exc:
                raise ContractViolation(f"{response.request.method} {response.request.path_url} -> "
                                        f"{response.status_code} breaks the spec: {exc!r}\n{response.text[:500]}") from exc
        # No operation has this path or method: the answer must still be the error shape.
        body = response.json()
        assert response.status_code in (404, 405) and set(body) == {"code", "message", "errors"}, response.text

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # -- flows used by many tests ----------------------------------------------------------

    def create_customer(self, **overrides: Any) -> dict[str, Any]:
        body = {"name": "Boulangerie Martin", "siret": VALID_SIRET, "email": "contact@boulangerie-martin.fr",
                "address": {"line": "12 rue de la République", "postalCode": "69002", "city": "Lyon", "country": "FR"},
                "phone": "+33478123456", **overrides}
        response = self.post("/client/customer", body)
        assert response.status_code == 201, response.text
        return response.json()

    def create_account(self, customer_id: str, **overrides: Any) -> dict[str, Any]:
        body = {"customerId": customer_id, "name": "Lyon 2e", "email": "lyon2@boulangerie-martin.fr", **overrides}
        response = self.post("/system/account", body)
        assert response.status_code == 201, response.text
        return response.json()

    def transition(self, resource: str, id: str, to: str, **extra: Any) -> requests.Response:
        return self.post(f"/_mock/{resource}/{id}/transition", {"to": to, **extra}, key=None)

    def active_account(self) -> dict[str, Any]:
        """A VERIFIED customer and its ACTIVE sub-account (the account dict carries its apiKey)."""
        customer = self.create_customer()
        account = self.create_account(customer["id"])
        assert self.transition("customers", customer["id"], "VERIFIED").status_code == 200
        assert self.transition("accounts", account["id"], "ACTIVE").status_code == 200
        return account

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the manual clock and return once everything due has happened."""
        response = self.post("/_mock/clock/advance", {"seconds": seconds}, key=None)
        assert response.status_code == 200, response.text
        return response.json()

    def clock(self) -> dict[str, Any]:
        return self.get("/_mock/clock", key=None).json()

    def status(self, path: str, key: str = PARTNER_KEY) -> str:
        response = self.get(path, key=key)
        assert response.status_code == 200, response.text
        return str(response.json()["status"])

    def events(self, **query: Any) -> list[dict[str, Any]]:
        """The event log; each event must validate against the spec's callback schema."""
        response = self.get("/_mock/events", params={"limit": 1000, **query}, key=None)
        assert response.status_code == 200
        events = response.json()["items"]
        for event in events:
            assert schema_errors(EVENT_SCHEMA, event) == [], event
        return events
