"""The scheduler: what is due runs in (due, seq) order; the realtime loop takes one batch at a time."""

from datetime import timedelta

from mock_server import Settings, create_app
from mock_server.platform import JOB_SIZE, Caller


def test_the_realtime_loop_runs_one_batch_then_yields() -> None:
    """A broadcast's reports come in batches of JOB_SIZE, so the event loop (answers, commits)
    gets a turn between them instead of waiting for all 2 x JOB_SIZE moves."""
    platform = create_app(Settings(clock="manual")).platform
    partner = Caller("partner", "partner")
    customer = platform.create_customer(partner, {"name": "B", "siret": "73282932000074", "email": "b@example.fr",
                                                  "address": {"line": "1", "postalCode": "69002", "city": "Lyon",
                                                              "country": "FR"}})
    account = platform.create_account(partner, {"customerId": customer["id"], "name": "B", "email": "b@example.fr"})
    platform.force_transition("customers", customer["id"], "VERIFIED")
    platform.force_transition("accounts", account["id"], "ACTIVE")
    sender = Caller("account", account["id"], "ACTIVE")
    broadcast = platform.broadcast(sender, {"recipients": [f"+336{i:08d}" for i in range(2 * JOB_SIZE)],
                                            "channel": "sms", "text": "x"})
    platform.clock.move_to(platform.clock.now() + timedelta(seconds=1))  # the first report is due

    def sent() -> int:
        messages = platform.store.list_page("message", parent=broadcast["id"], limit=2 * JOB_SIZE).items
        return sum(m["status"] == "sent" for m in messages)

    assert platform.scheduler.run_due(batches=1) > 0
    assert sent() == JOB_SIZE
    platform.scheduler.run_due()
    assert sent() == 2 * JOB_SIZE
