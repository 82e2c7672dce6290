"""The realtime clock: lifecycles move on their own. Tests poll with a deadline, never a fixed sleep."""

import time
from collections.abc import Callable

from support import Api

DEADLINE = 20.0


def eventually(check: Callable[[], bool], deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while not check():
        assert time.monotonic() < end, "not reached before the deadline"
        time.sleep(0.05)


def test_default_delays_take_a_customer_and_its_account_to_active(launch):
    api = Api(launch().url)
    assert api.clock()["mode"] == "realtime"
    customer = api.create_customer()
    account = api.create_account(customer["id"])
    started = time.monotonic()
    eventually(lambda: api.status(f"/system/account/{account['id']}") == "ACTIVE")
    assert time.monotonic() - started >= 3.5  # two verifications of about 2 s, one after the other
    message = api.post("/messenger/submit", {"recipient": "+33612345678", "channel": "rcs", "text": "x"}, key=account["apiKey"]).json()
    eventually(lambda: api.status(f"/messenger/submit/{message['id']}", key=account["apiKey"]) == "read")
    assert [e["state"] for e in api.events(resourceId=message["id"])] == ["accepted", "sent", "delivered", "read"]


def test_advancing_a_realtime_clock_jumps_ahead(launch):
    api = Api(launch().url)
    customer = api.create_customer()
    jumped = api.advance(5)
    assert jumped["ran"] >= 1
    assert api.status(f"/client/customer/{customer['id']}") == "VERIFIED"
