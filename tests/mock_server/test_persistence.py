"""With --data-dir, state and events survive a restart, even a kill -9 (they are committed before the answer)."""

import pytest
from support import Api


@pytest.mark.parametrize("kill", [False, True], ids=["terminate", "kill-9"])
def test_state_survives_a_restart(launch, tmp_path, kill):
    first = launch("--data-dir", str(tmp_path))
    api = Api(first.url)
    customer = api.create_customer()
    api.transition("customers", customer["id"], "VERIFIED")
    first.stop(kill=kill)

    second = launch("--data-dir", str(tmp_path))
    api = Api(second.url)
    assert api.get(f"/client/customer/{customer['id']}").json()["status"] == "VERIFIED"
    assert [e["state"] for e in api.events(resourceId=customer["id"])] == ["PENDING_VERIFICATION", "VERIFIED"]
    second.stop()


def test_in_memory_state_starts_empty(launch):
    api = Api(launch().url)
    assert api.get("/client/customer").json()["items"] == []


def test_the_manual_clock_and_pending_work_survive_a_restart(launch, tmp_path):
    first = launch("--clock", "manual", "--data-dir", str(tmp_path))
    api = Api(first.url)
    customer = api.create_customer()
    api.advance(1)
    before = api.clock()
    first.stop(kill=True)

    api = Api(launch("--clock", "manual", "--data-dir", str(tmp_path)).url)
    after = api.clock()
    assert after["now"] == before["now"] and after["pendingCount"] == 1
    api.advance(1)
    assert api.status(f"/client/customer/{customer['id']}") == "VERIFIED"
