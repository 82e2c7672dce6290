"""``serve --workers 2``: two processes, one state. Each request below opens a new connection,
so the kernel hands them to either worker; every answer must agree with the others."""

from __future__ import annotations

from typing import Any

import requests
from support import Api

from contract_tests import WebhookReceiver

PHONE = "+33612345678"


class SpreadApi(Api):
    """An :class:`Api` that opens a new connection for each request (so both workers serve it)."""

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return super().request(method, path, **kwargs)
        finally:
            self.session.close()


def test_two_workers_share_state_clock_faults_and_webhooks(launch, receiver: WebhookReceiver) -> None:
    server = launch("--workers", "2", "--clock", "manual")
    try:
        api = SpreadApi(server.url)
        account = api.active_account()
        key = account["apiKey"]
        hook = api.post("/system/callback", {"url": f"{receiver.url}/hook"}, key=key)
        assert hook.status_code == 201, hook.text

        # A counted fault is used up exactly once across both workers.
        put = api.request("PUT", "/_mock/faults", json={"MessengerSubmitPost": {"status": 503, "count": 3}}, key=None)
        assert put.status_code == 200
        answers = [api.post("/messenger/submit", {"recipient": PHONE, "channel": "sms", "text": f"n°{i}"},
                            key=key, check=False) for i in range(12)]
        assert sorted(a.status_code for a in answers) == [201] * 9 + [503] * 3
        assert api.get("/_mock/faults", key=None).json()["MessengerSubmitPost"]["count"] == 0

        # One clock: an advance handled by one worker is the time of both, and runs each job once.
        ran = api.advance(60)["ran"]
        assert ran > 0
        assert len({api.clock()["now"] for _ in range(10)}) == 1
        assert api.clock()["pendingCount"] == 0
        messages = [a.json()["id"] for a in answers if a.status_code == 201]
        assert {api.status(f"/messenger/submit/{id}", key=key) for id in messages} == {"delivered"}

        # One outbox: every event of the account reaches the consumer once.
        expected = [e for e in api.events(accountId=account["id"]) if e["resource"]["type"] == "message"]
        assert len(expected) == 9 * 3  # accepted, sent, delivered
        received = receiver.wait_until(lambda got: len(got) >= len(expected), timeout=20)
        ids = [w.headers["webhook-id"] for w in received]
        assert sorted(ids) == sorted(e["eventId"] for e in expected)
    finally:
        server.stop()


def test_workers_end_with_their_parent_even_on_sigkill(launch, tmp_path) -> None:
    """No orphans serving on after ``kill -9`` of biway-mock (a CI job's usual end)."""
    import time

    server = launch("--workers", "2", "--clock", "manual", "--data-dir", str(tmp_path))
    assert requests.get(f"{server.url}/_mock/clock", timeout=10).status_code == 200
    server.stop(kill=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            requests.get(f"{server.url}/_mock/clock", timeout=1)
        except requests.ConnectionError:
            break
        assert time.monotonic() < deadline, "a worker still answers after its parent was killed"
        time.sleep(0.05)


def test_a_killed_servers_scratch_folder_is_swept_by_the_next_one(tmp_path) -> None:
    """Without --data-dir the state sits on a tmpfs; ``kill -9`` leaves it there, holding memory.
    The next ``serve --workers N`` removes folders whose leader lock nobody holds."""
    import os

    from mock_server.app import LEADER_FILE
    from mock_server.workers import SCRATCH_PREFIX, Leadership, sweep_scratch

    abandoned, starting, running = (tmp_path / f"{SCRATCH_PREFIX}{name}" for name in ("a", "b", "c"))
    for folder in (abandoned, starting, running):
        folder.mkdir()
        (folder / "biway-mock.sqlite3").write_bytes(b"")
    for folder in (abandoned, running):
        os.utime(folder, (0, 0))  # long ago
    alive = Leadership(running / LEADER_FILE)
    assert alive.try_acquire()
    sweep_scratch(tmp_path, LEADER_FILE)
    assert not abandoned.exists()
    assert starting.exists() and running.exists()
    alive.release()
