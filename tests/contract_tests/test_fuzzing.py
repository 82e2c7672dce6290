"""fuzz-webhooks passes a correct consumer and catches broken ones, with a shrunk event to replay."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from support import biway_mock_command

from contract_tests import fuzz_webhooks

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def correct(body: bytes, headers: dict[str, str], seen: set[str]) -> int:
    """Verify, deduplicate on webhook-id, acknowledge."""
    try:
        event = Webhook(SECRET).verify(body, headers)
    except WebhookVerificationError:
        return 401
    seen.add(event["eventId"])
    return 204


def crashes_on_inbound(body: bytes, headers: dict[str, str], seen: set[str]) -> int:
    status = correct(body, headers, seen)
    return 500 if status == 204 and json.loads(body)["type"] == "MESSENGER_INBOUND" else status


def accepts_anything(body: bytes, headers: dict[str, str], seen: set[str]) -> int:
    return 200


def refuses_duplicates(body: bytes, headers: dict[str, str], seen: set[str]) -> int:
    try:
        event = Webhook(SECRET).verify(body, headers)
    except WebhookVerificationError:
        return 401
    if event["eventId"] in seen:
        return 409
    seen.add(event["eventId"])
    return 200


@pytest.fixture
def consumer(request: pytest.FixtureRequest) -> Iterator[str]:
    behaviour: Callable[[bytes, dict[str, str], set[str]], int] = request.param
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(behaviour(body, {k.lower(): v for k, v in self.headers.items()}, seen))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()


@pytest.mark.parametrize("consumer", [correct], indirect=True)
def test_a_correct_consumer_passes_with_events_of_every_type(consumer: str) -> None:
    types: set[str] = set()
    report = fuzz_webhooks(consumer, SECRET, max_examples=60, seed=1, on_event=lambda event: types.add(event["type"]))
    assert report.failure is None and report.sent == 60
    assert types == {"CUSTOMER_STATUS", "ACCOUNT_STATUS", "AGENT_STATUS", "RCS_TESTER_STATUS",
                     "MESSENGER_REPORT", "MESSENGER_INBOUND"}


@pytest.mark.parametrize(("consumer", "problem"), [
    (crashes_on_inbound, "answered 500 to a valid signed event"),
    (accepts_anything, "accepted (200) a forged signature"),
    (refuses_duplicates, "answered 409 to a duplicate delivery"),
], indirect=["consumer"])
def test_a_broken_consumer_fails_with_the_shrunk_event(consumer: str, problem: str) -> None:
    report = fuzz_webhooks(consumer, SECRET, max_examples=100, seed=1)
    assert report.failure is not None and problem in report.failure.problem
    if "500" in problem:
        assert report.failure.event["type"] == "MESSENGER_INBOUND"


@pytest.mark.parametrize("consumer", [crashes_on_inbound], indirect=True)
def test_the_command_exits_non_zero_and_prints_a_replay_command(consumer: str, tmp_path) -> None:
    command = [*biway_mock_command(), "fuzz-webhooks", "--target", consumer, "--secret", SECRET, "--seed", "1"]
    failed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1
    assert "answered 500 to a valid signed event" in failed.stderr
    replay_line = next(line for line in failed.stderr.splitlines() if "replay:" in line)
    replay = replay_line.split("replay: ", 1)[1].split()
    again = subprocess.run([*biway_mock_command(), *replay[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "answered 500" in again.stderr


@pytest.mark.parametrize("consumer", [correct], indirect=True)
def test_the_command_passes_a_correct_consumer(consumer: str, tmp_path) -> None:
    passed = subprocess.run([*biway_mock_command(), "fuzz-webhooks", "--target", consumer, "--secret", SECRET,
                             "--max-examples", "20"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert passed.returncode == 0 and passed.stdout.startswith("passed: 20 events")
