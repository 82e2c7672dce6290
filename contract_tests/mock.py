"""A biway-mock served from this process, and the control-API calls tests make of it."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import uvicorn
from starlette.types import ASGIApp

from mock_server import Settings, create_app

from .receiver import WebhookReceiver

__all__ = ["ControlClient", "MockServer", "SubAccount"]

VALID_SIRET = "73282932000074"


@dataclass(frozen=True)
class SubAccount:
    """An ACTIVE sub-account: what a client needs to call the messenger API."""

    id: str
    api_key: str
    customer_id: str


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class ControlClient:
    """The calls a test makes of a running biway-mock: its control API, and a partner's setup."""

    def __init__(self, url: str, partner_key: str = "partner-test-key") -> None:
        self.url = url.rstrip("/")
        self.partner_key = partner_key
        self.session = requests.Session()
        #: The journal's position when the current test started (set by the ``biway_mock`` fixture).
        self.mark = 0

    def is_biway_mock(self) -> bool:
        """Whether the target answers the control API (a biway-mock, not the vendor's sandbox)."""
        try:
            response = self.session.get(f"{self.url}/_mock/clock", timeout=10)
        except requests.RequestException:
            return False
        return response.status_code == 200 and "mode" in response.json()


    def _call(self, method: str, path: str, key: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = self.session.request(method, f"{self.url}{path}", headers=headers, timeout=60, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def reset(self) -> None:
        """Forget every resource, event, pending step, fault and journal entry."""
        self._call("POST", "/_mock/reset")

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the manual clock; returns once everything due has happened."""
        result: dict[str, Any] = self._call("POST", "/_mock/clock/advance", json={"seconds": seconds})
        return result

    def transition(self, resource: str, id: str, to: str, reason: str | None = None) -> dict[str, Any]:
        """Force ``resource`` (customers, accounts, agents, testers, messages) ``id`` into state ``to``."""
        body = {"to": to, **({"reason": reason} if reason else {})}
        result: dict[str, Any] = self._call("POST", f"/_mock/{resource}/{id}/transition", json=body)
        return result

    def events(self, **filters: str) -> list[dict[str, Any]]:
        """The event log, oldest first (filters: type, accountId, resourceId)."""
        items: list[dict[str, Any]] = self._call("GET", "/_mock/events", params={"limit": 1000, **filters})["items"]
        return items

    def active_account(self, name: str = "Test", email: str = "test@example.fr") -> SubAccount:
        """A VERIFIED customer and its ACTIVE sub-account, as a partner would get them."""
        customer = self._call("POST", "/client/customer", key=self.partner_key, json={
            "name": name, "siret": VALID_SIRET, "email": email,
            "address": {"line": "12 rue de la République", "postalCode": "69002", "city": "Lyon", "country": "FR"}})
        account = self._call("POST", "/system/account", key=self.partner_key,
                             json={"customerId": customer["id"], "name": name, "email": email})
        self.transition("customers", customer["id"], "VERIFIED")
        self.transition("accounts", account["id"], "ACTIVE")
        return SubAccount(account["id"], account["apiKey"], customer["id"])

    def subscribe(self, receiver: WebhookReceiver, path: str = "/", api_key: str | None = None) -> dict[str, Any]:
        """Register ``receiver`` as the callback URL of the partner (or of the sub-account whose key
        is given), and tell it the signing secret so that it verifies what arrives."""
        registration: dict[str, Any] = self._call("POST", "/system/callback", key=api_key or self.partner_key,
                                                  json={"url": f"{receiver.url}{path}"})
        receiver.expect_secret(path, registration["secret"])
        return registration

    def journal_mark(self) -> int:
        """The journal's position now, for :meth:`violations` later."""
        items = self._call("GET", "/_mock/requests", params={"limit": 1})["items"]
        return int(items[0]["seq"]) if items else 0

    def violations(self, since: int = 0) -> list[dict[str, Any]]:
        """The requests after ``since`` that broke the contract, oldest first, with what they broke."""
        items: list[dict[str, Any]] = self._call("GET", "/_mock/requests",
                                                 params={"violations": "true", "since": since, "limit": 1000})["items"]
        return list(reversed(items))


class MockServer(ControlClient):
    """biway-mock on a free loopback port, on a thread of this process.

    The clock is manual unless told otherwise: nothing moves until :meth:`advance`. Errors the
    server logs (a bug of the mock) are kept and raised by :meth:`check_errors`. ``wrap``
    wraps the app (the harness's tests use it to serve deliberately broken variants).
    """

    def __init__(self, *, clock: str = "manual", partner_key: str = "partner-test-key",
                 scenario: Path | None = None, spec_dir: Path | None = None,
                 wrap: Callable[[ASGIApp], ASGIApp] | None = None) -> None:
        super().__init__("", partner_key)
        self.settings = Settings.from_env({}, clock=clock, partner_key=partner_key, scenario=scenario, spec_dir=spec_dir)
        self._wrap = wrap
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._errors = _Collect()

    # -- running ----------------------------------------------------------------------------

    def start(self) -> MockServer:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        app: ASGIApp = create_app(self.settings)
        config = uvicorn.Config(self._wrap(app) if self._wrap else app, log_level="warning", access_log=False,
                                lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name="biway-mock")
        logging.getLogger("biway_mock").addHandler(self._errors)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("biway-mock did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
        logging.getLogger("biway_mock").removeHandler(self._errors)

    def check_errors(self) -> None:
        """Raise what went wrong inside the server since the last check (a bug of the mock)."""
        records, self._errors.records = self._errors.records, []
        if records:
            raise AssertionError("biway-mock failed inside:\n" + "\n".join(r.getMessage() for r in records))
