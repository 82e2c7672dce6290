"""The README's example of the pytest plugin, run as a test (tests/test_readme.py keeps them equal)."""

import requests


def send_order_ready_sms(base_url: str, api_key: str, phone: str) -> str:
    """The code under test: a client of the messenger API."""
    response = requests.post(f"{base_url}/messenger/submit", timeout=10,
                             headers={"Authorization": f"Bearer {api_key}"},
                             json={"recipient": phone, "channel": "sms", "text": "Votre commande est prête."})
    response.raise_for_status()
    return str(response.json()["id"])


def test_the_customer_is_told_their_order_is_ready(biway_mock, biway_webhooks):
    account = biway_mock.active_account()
    biway_mock.subscribe(biway_webhooks, "/hooks", api_key=account.api_key)

    message_id = send_order_ready_sms(biway_mock.url, account.api_key, "+33612345678")

    biway_mock.advance(seconds=5)  # the manual clock: the message is sent, then delivered
    delivered = biway_webhooks.wait_for(type="MESSENGER_REPORT", state="delivered", resource_id=message_id)
    assert delivered["data"]["recipient"] == "+33612345678"
