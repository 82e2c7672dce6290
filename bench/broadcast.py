"""Time a 100,000-recipient broadcast against ``biway-mock serve``, on loopback.

    python bench/broadcast.py [--recipients 100000] [--data-dir DIR]

Prints the time to accept the broadcast (one request), and the time until every message has
reached its final report under the default scenario's realtime delays.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import requests

PARTNER = {"Authorization": "Bearer partner-test-key"}


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    script = Path(sys.executable).with_name("biway-mock")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server"]
    process = subprocess.Popen([*command, "serve", "--port", "0", *args], stdout=subprocess.PIPE, text=True,
                               cwd=tempfile.gettempdir())
    assert process.stdout is not None
    url = process.stdout.readline().split("listening on", 1)[1].strip()
    wait_until_up(f"{url}/_mock/clock")
    return process, url


def wait_until_up(url: str, seconds: float = 30) -> None:
    """Poll ``url`` until it answers, or stop the benchmark."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answers at {url}")


def active_account(url: str) -> str:
    customer = requests.post(f"{url}/client/customer", headers=PARTNER, timeout=10, json={
        "name": "Bench", "siret": "73282932000074", "email": "bench@example.fr",
        "address": {"line": "1 rue", "postalCode": "69002", "city": "Lyon", "country": "FR"}}).json()
    account = requests.post(f"{url}/system/account", headers=PARTNER, timeout=10,
                            json={"customerId": customer["id"], "name": "Bench", "email": "bench@example.fr"}).json()
    requests.post(f"{url}/_mock/customers/{customer['id']}/transition", json={"to": "VERIFIED"}, timeout=10)
    requests.post(f"{url}/_mock/accounts/{account['id']}/transition", json={"to": "ACTIVE"}, timeout=10)
    return str(account["apiKey"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--data-dir", default=None)
    options = parser.parse_args()
    process, url = start(*(["--data-dir", options.data_dir] if options.data_dir else []))
    try:
        key = active_account(url)
        body = orjson.dumps({"recipients": [f"+336{i:08d}" for i in range(options.recipients)],
                             "channel": "sms", "text": "La boulangerie sera fermée le 25 décembre."})
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        started = time.perf_counter()
        response = requests.post(f"{url}/messenger/broadcast", data=body, headers=headers, timeout=600)
        accepted = time.perf_counter() - started
        assert response.status_code == 201, response.text[:500]
        print(f"broadcast of {options.recipients:,} recipients ({len(body) / 1e6:.1f} MB): accepted in {accepted:.2f} s")
        while requests.get(f"{url}/_mock/clock", timeout=60).json()["pendingCount"]:
            time.sleep(0.2)
        print(f"all {options.recipients:,} messages at their final report {time.perf_counter() - started:.1f} s after sending")
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
