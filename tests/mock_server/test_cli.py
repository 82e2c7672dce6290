"""``biway-mock serve`` as a user runs it: the banner, the keys, other spec files."""

import shutil
import subprocess
import sys
import time

import requests
import yaml
from support import biway_mock_command

from mock_server.spec import bundled_spec_dir


def test_serve_prints_url_key_and_docs(launch):
    server = launch("--partner-key", "my-partner-key")
    end = time.monotonic() + 10
    while len(server.output) < 6 and time.monotonic() < end:
        time.sleep(0.01)
    lines = [line.strip() for line in server.output[:6]]
    assert lines[0] == "partner key: my-partner-key"
    assert lines[1] == "state: in memory"
    assert lines[2] == "clock: realtime"
    docs = [line.split(": ", 1)[1] for line in lines[3:]]
    assert docs == [f"{server.url}/docs/{api}/" for api in ("account", "messenger", "control")]
    for url in docs:
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "swagger" in page.text.lower()
    auth = {"Authorization": "Bearer my-partner-key"}
    assert requests.get(f"{server.url}/client/customer", headers=auth, timeout=10).status_code == 200
    default = {"Authorization": "Bearer partner-test-key"}
    assert requests.get(f"{server.url}/client/customer", headers=default, timeout=10).status_code == 401


def test_spec_dir_serves_other_spec_files(launch, tmp_path):
    """A user with the official files points the mock at them; here, a copy with a stricter name."""
    official = tmp_path / "official"
    shutil.copytree(bundled_spec_dir(), official)
    account = yaml.safe_load((official / "account.yaml").read_text(encoding="utf-8"))
    account["info"]["title"] = "Bi-way account API (official)"
    account["components"]["schemas"]["CustomerRequest"]["properties"]["name"]["maxLength"] = 10
    (official / "account.yaml").write_text(yaml.safe_dump(account, allow_unicode=True), encoding="utf-8")
    server = launch("--spec-dir", str(official))
    served = requests.get(f"{server.url}/openapi/account.json", timeout=10).json()
    assert served["info"]["title"] == "Bi-way account API (official)"
    body = {"name": "Un nom bien trop long", "siret": "73282932000074", "email": "a@example.fr",
            "address": {"line": "1 rue", "postalCode": "75001", "city": "Paris", "country": "FR"}}
    refused = requests.post(f"{server.url}/client/customer", json=body, timeout=10,
                            headers={"Authorization": "Bearer partner-test-key"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "name"


def test_bad_spec_dir_is_refused_with_a_message(tmp_path):
    result = subprocess.run([*biway_mock_command(), "serve", "--spec-dir", str(tmp_path / "missing")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_a_server_process_keeps_its_startup_heap_out_of_the_collector():
    """What serve builds at startup is frozen, and requests' objects get a larger first generation."""
    code = ("import gc; from mock_server.app import app_for_server; from mock_server.config import Settings; "
            "before = gc.get_freeze_count(); app_for_server(Settings()); "
            "print(before, gc.get_freeze_count() > 50_000, gc.get_threshold()[0])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.split() == ["0", "True", "10000"]
