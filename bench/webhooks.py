"""Webhook throughput: a broadcast's reports delivered to a consumer on loopback.

    python bench/webhooks.py [--recipients 100000]

Starts ``biway-mock serve`` (realtime clock) and a minimal consumer (bench/receiver.py), both on
loopback; registers the consumer for an ACTIVE sub-account; sends one broadcast; prints the
webhooks delivered per second and the time until the last one arrived.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from broadcast import active_account, start, wait_until_up  # noqa: E402


def start_receiver() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "receiver:app", "--port", str(port),
                                "--log-level", "warning", "--no-access-log"],
                               cwd=Path(__file__).resolve().parent)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(f"{url}/stats")
    return process, url


@dataclass
class Delivery:
    recipients: int
    accepted_s: float
    received: int
    expected: int
    last_s: float
    rate: float


def measure(recipients: int, deadline: float = 900) -> Delivery:
    """One broadcast on a realtime mock; its reports, counted by a consumer on loopback."""
    receiver, receiver_url = start_receiver()
    mock, url = start()
    try:
        key = active_account(url)
        requests.post(f"{url}/system/callback", json={"url": f"{receiver_url}/hooks"},
                      headers={"Authorization": f"Bearer {key}"}, timeout=10).raise_for_status()
        body = orjson.dumps({"recipients": [f"+336{i:08d}" for i in range(recipients)], "channel": "sms",
                             "text": "Promo"})
        started = time.time()
        response = requests.post(f"{url}/messenger/broadcast", data=body, timeout=600,
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        accepted = time.time() - started
        assert response.status_code == 201, response.text[:300]
        expected = recipients * 3  # accepted, sent, delivered (SMS): one webhook each
        print(f"broadcast of {recipients:,} accepted in {accepted:.2f} s; waiting for {expected:,} webhooks")
        stats = {"received": 0, "first": None, "last": None}
        while stats["received"] < expected and time.time() - started < deadline:
            time.sleep(0.5)
            stats = requests.get(f"{receiver_url}/stats", timeout=10).json()
        span = (stats["last"] or started) - (stats["first"] or started)
        return Delivery(recipients, accepted, stats["received"], expected, (stats["last"] or started) - started,
                        stats["received"] / span if span else 0.0)
    finally:
        mock.terminate()
        receiver.terminate()
        mock.wait(timeout=30)
        receiver.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--deadline", type=float, default=900, help="give up after this many seconds")
    options = parser.parse_args()
    result = measure(options.recipients, options.deadline)
    print(f"webhooks received: {result.received:,} of {result.expected:,}")
    print(f"time until the last one: {result.last_s:.1f} s after sending")
    print(f"delivery rate: {result.rate:,.0f} webhooks/s")


if __name__ == "__main__":
    main()
