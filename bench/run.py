"""biway-mock side by side with Prism and a raw Starlette ceiling, in one run on this machine.

    python bench/run.py [--duration 10] [--connections 32] [--recipients 100000] [--skip-prism]

Measures, each with wrk on loopback: POST /messenger/submit, GET of a message, POST
/client/customer on ``biway-mock serve`` (default settings, ``--workers 2``, ``--data-dir``), on
Prism (default logging and ``-v error``) and on a raw Starlette app (the ceiling); then a
100,000-recipient broadcast (time to accept it, webhooks/s to a consumer on loopback) and the
resident memory after storing 1,000,000 messages.

Needs wrk (Debian: ``apt-get install wrk``) and, for Prism, Node.js with npm: the script
installs ``@stoplight/prism-cli`` into ``bench/.prism`` the first time. Prints each figure and
writes ``bench/results/RESULTS.md`` (date and machine included).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import orjson
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from broadcast import active_account, start, wait_until_up  # noqa: E402
from webhooks import Delivery  # noqa: E402
from webhooks import measure as measure_webhooks  # noqa: E402

PRISM = HERE / ".prism" / "node_modules" / ".bin" / "prism"
SPEC = HERE.parent / "spec"


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wrk(url: str, method: str, body: bytes | None, key: str, duration: int, connections: int) -> Load:
    """Drive ``method url`` with wrk (2 threads) and read requests/s, p50, p99 and errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "{method}"\n')
        script.write(f'wrk.headers["Authorization"] = "Bearer {key}"\n')
        if body is not None:
            script.write('wrk.headers["Content-Type"] = "application/json"\n')
            script.write(f"wrk.body = [[{body.decode()}]]\n")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script.name, url],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)

    def millis(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(map(int, socket_errors.groups())) if socket_errors else 0
    return Load(rps, millis("50%"), millis("99%"), errors)


SUBMIT = orjson.dumps({"recipient": "+33612345678", "channel": "sms", "text": "Votre commande est prête."})
CUSTOMER = orjson.dumps({"name": "Boulangerie Martin", "siret": "73282932000074", "email": "contact@example.fr",
                         "address": {"line": "12 rue de la République", "postalCode": "69002", "city": "Lyon",
                                     "country": "FR"}})


def measure_mock(url: str, options: argparse.Namespace) -> dict[str, Load]:
    key = active_account(url)
    message = requests.post(f"{url}/messenger/submit", data=SUBMIT, timeout=10,
                            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}).json()
    loads = {}
    wrk(f"{url}/messenger/submit", "POST", SUBMIT, key, 2, options.connections)  # warm-up
    loads["POST /messenger/submit"] = wrk(f"{url}/messenger/submit", "POST", SUBMIT, key, options.duration, options.connections)
    loads["GET /messenger/submit/{id}"] = wrk(f"{url}/messenger/submit/{message['id']}", "GET", None, key,
                                              options.duration, options.connections)
    loads["POST /client/customer"] = wrk(f"{url}/client/customer", "POST", CUSTOMER, "partner-test-key",
                                         options.duration, options.connections)
    return loads


def start_prism(spec: str, port: int, quiet: bool) -> subprocess.Popen[bytes]:
    command = [str(PRISM), "mock", str(SPEC / spec), "-p", str(port), "-h", "127.0.0.1", *(["-v", "error"] if quiet else [])]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/nowhere", seconds=60)
    return process


def measure_prism(options: argparse.Namespace, quiet: bool) -> dict[str, Load]:
    messenger_port, account_port = free_port(), free_port()
    processes = [start_prism("messenger.yaml", messenger_port, quiet), start_prism("account.yaml", account_port, quiet)]
    try:
        m, a = f"http://127.0.0.1:{messenger_port}", f"http://127.0.0.1:{account_port}"
        wrk(f"{m}/messenger/submit", "POST", SUBMIT, "k", 2, options.connections)
        return {
            "POST /messenger/submit": wrk(f"{m}/messenger/submit", "POST", SUBMIT, "k", options.duration, options.connections),
            "GET /messenger/submit/{id}": wrk(f"{m}/messenger/submit/msg_1", "GET", None, "k", options.duration,
                                              options.connections),
            "POST /client/customer": wrk(f"{a}/client/customer", "POST", CUSTOMER, "k", options.duration, options.connections),
        }
    finally:
        for process in processes:
            process.terminate()


def measure_ceiling(options: argparse.Namespace) -> dict[str, Load]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "ceiling:app", "--port", str(port), "--log-level",
                                "warning", "--no-access-log"], cwd=HERE)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/messenger/submit/x")
        created = requests.post(f"{url}/messenger/submit", data=SUBMIT, timeout=10).json()
        wrk(f"{url}/messenger/submit", "POST", SUBMIT, "k", 2, options.connections)
        return {"POST /messenger/submit": wrk(f"{url}/messenger/submit", "POST", SUBMIT, "k", options.duration,
                                              options.connections),
                "GET /messenger/submit/{id}": wrk(f"{url}/messenger/submit/{created['id']}", "GET", None, "k",
                                                  options.duration, options.connections)}
    finally:
        process.terminate()


def rss_after_million(data_dir: str) -> float:
    """Resident memory (MB) of biway-mock --data-dir after it stored 1,000,000 messages (10 broadcasts)."""
    process, url = start("--data-dir", data_dir, "--clock", "manual")
    try:
        key = active_account(url)
        body = orjson.dumps({"recipients": [f"+336{i:08d}" for i in range(100_000)], "channel": "sms", "text": "x"})
        for _ in range(10):
            requests.post(f"{url}/messenger/broadcast", data=body, timeout=600,
                          headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}).raise_for_status()
        status = Path(f"/proc/{process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(timeout=30)


#: The mock's rows, each compared with every other server.
MOCKS = ("biway-mock", "biway-mock --workers 2")


def row(name: str, load: Load | None, ratios: list[str]) -> str:
    if load is None:
        return f"| {name} | - | - | - | - | {' | '.join('' for _ in MOCKS)} |"
    return f"| {name} | {load.rps:,.0f} | {load.p50_ms:.1f} | {load.p99_ms:.1f} | {load.errors} | {' | '.join(ratios)} |"


def report(options: argparse.Namespace, results: dict[str, dict[str, Load]], delivery: Delivery, rss: float) -> str:
    lines = [f"# biway-mock benchmark, {datetime.date.today()}",
             "", f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"wrk -t2 -c{options.connections} -d{options.duration}s on loopback, on the same machine as the servers.",
             "", "Columns `x / this`: that mock's requests/s divided by this row's.", ""]
    for operation in ("POST /messenger/submit", "GET /messenger/submit/{id}", "POST /client/customer"):
        lines += [f"## {operation}", "",
                  "| server | requests/s | p50 ms | p99 ms | errors | " + " | ".join(f"{m} / this" for m in MOCKS) + " |",
                  "| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in MOCKS) + " |"]
        for name, loads in results.items():
            load = loads.get(operation)
            ratios = [f"{results[m][operation].rps / load.rps:.2f}x" if load and not name.startswith("biway-mock") else ""
                      for m in MOCKS]
            lines.append(row(name, load, ratios))
        lines.append("")
    lines += ["## Broadcast and webhooks", "",
              f"- A broadcast to {delivery.recipients:,} recipients accepted in **{delivery.accepted_s:.2f} s** (one request).",
              f"- Its reports: {delivery.received:,} of {delivery.expected:,} webhooks reached a consumer on loopback, "
              f"the last {delivery.last_s:.1f} s after sending: **{delivery.rate:,.0f} webhooks/s**.",
              f"- Resident memory of `biway-mock --data-dir` after storing 1,000,000 messages: **{rss:,.0f} MB**.", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--recipients", type=int, default=100_000, help="recipients of the broadcast")
    parser.add_argument("--skip-prism", action="store_true")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (Debian), then run again")
    if not options.skip_prism and not PRISM.exists():
        if shutil.which("npm") is None:
            raise SystemExit("Prism needs Node.js and npm (or pass --skip-prism)")
        print("installing @stoplight/prism-cli into bench/.prism ...")
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(HERE / ".prism"),
                        "@stoplight/prism-cli@5"], check=True)

    results: dict[str, dict[str, Load]] = {}
    for name, args in (("biway-mock", ()), ("biway-mock --workers 2", ("--workers", "2"))):
        process, url = start(*args)
        try:
            results[name] = measure_mock(url, options)
        finally:
            process.terminate()
            process.wait(timeout=30)
    with tempfile.TemporaryDirectory() as data_dir:
        process, url = start("--data-dir", data_dir)
        try:
            results["biway-mock --data-dir"] = measure_mock(url, options)
        finally:
            process.terminate()
            process.wait(timeout=30)
    if not options.skip_prism:
        results["Prism (default)"] = measure_prism(options, quiet=False)
        results["Prism (-v error)"] = measure_prism(options, quiet=True)
    results["raw Starlette ceiling"] = measure_ceiling(options)
    delivery = measure_webhooks(options.recipients)
    with tempfile.TemporaryDirectory() as data_dir:
        rss = rss_after_million(data_dir)

    text = report(options, results, delivery, rss)
    print(text)
    out = HERE / "results" / "RESULTS.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
