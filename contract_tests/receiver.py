"""A webhook consumer on loopback for tests: records every event and checks its signature."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["ReceivedWebhook", "WebhookReceiver"]


@dataclass
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: bytes
    #: Whether the signature verified with the secret registered for this path (None: no secret known).
    verified: bool | None = None
    problem: str | None = field(default=None, repr=False)

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """Records every POST; verifies signatures for the paths it was registered on.

    ``answer(webhook) -> status`` decides each answer (200 by default), to play a failing or a
    slow consumer.
    """

    def __init__(self) -> None:
        self.received: list[ReceivedWebhook] = []
        self.answer: Callable[[ReceivedWebhook], int] = lambda webhook: 200
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                webhook = ReceivedWebhook(self.path, {k.lower(): v for k, v in self.headers.items()},
                                          self.rfile.read(int(self.headers.get("content-length", 0))))
                receiver._verify(webhook)
                with receiver._lock:
                    receiver.received.append(webhook)
                self.send_response(receiver.answer(webhook))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True, name="webhook-receiver").start()

    def expect_secret(self, path: str, secret: str) -> None:
        """Verify what arrives on ``path`` with ``secret`` (the one newCallbackUrl returned)."""
        self._secrets[path] = secret

    def _verify(self, webhook: ReceivedWebhook) -> None:
        secret = self._secrets.get(webhook.path)
        if secret is None:
            return
        try:
            Webhook(secret).verify(webhook.body, webhook.headers)
            webhook.verified = True
        except WebhookVerificationError as exc:
            webhook.verified, webhook.problem = False, str(exc)

    def events(self, path: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [w.json() for w in self.received if path is None or w.path == path]

    def unverified(self) -> list[ReceivedWebhook]:
        """What arrived with a signature that does not verify."""
        with self._lock:
            return [w for w in self.received if w.verified is False]

    def wait_for(self, type: str | None = None, state: str | None = None, resource_id: str | None = None,
                 timeout: float = 10.0) -> dict[str, Any]:
        """The first event of this type, state and resource to arrive, waiting up to ``timeout`` seconds."""
        def wanted(event: dict[str, Any]) -> bool:
            return ((type is None or event.get("type") == type) and (state is None or event.get("state") == state)
                    and (resource_id is None or event.get("resource", {}).get("id") == resource_id))
        found = self.wait_until(lambda received: any(wanted(w.json()) for w in received), timeout)
        return next(w.json() for w in found if wanted(w.json()))

    def wait_until(self, check: Callable[[list[ReceivedWebhook]], bool], timeout: float = 10.0) -> list[ReceivedWebhook]:
        """Poll (never a fixed sleep) until ``check`` holds for what was received."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                received = list(self.received)
            if check(received):
                return received
            if time.monotonic() > deadline:
                kinds = [(w.json().get("type"), w.json().get("state")) for w in received]
                raise AssertionError(f"not received within {timeout} s; received: {kinds}")
            time.sleep(0.02)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
