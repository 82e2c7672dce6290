"""The platform simulation on the manual clock: every lifecycle path and every test value of the default scenario.

Nothing moves until the test advances the clock; ``advance`` returns once everything due has
happened, so no test sleeps.
"""

import pytest

PHONE = "+33612345678"
REJECTED_SIRET = "73282932090000"  # passes Luhn, ends in 0000


def test_nothing_moves_until_the_clock_advances(api):
    customer = api.create_customer()
    clock = api.clock()
    assert clock["mode"] == "manual" and clock["pendingCount"] == 1
    [job] = clock["pending"]
    assert job["states"] == ["VERIFIED"] and job["resources"] == [{"type": "customer", "id": customer["id"]}]
    assert api.advance(1.9)["ran"] == 0
    assert api.status(f"/client/customer/{customer['id']}") == "PENDING_VERIFICATION"
    after = api.advance(0.1)
    assert after["ran"] == 1 and after["pendingCount"] == 0
    assert api.status(f"/client/customer/{customer['id']}") == "VERIFIED"
    [created, verified] = api.events(resourceId=customer["id"])
    assert verified["state"] == "VERIFIED" and verified["occurredAt"] > created["occurredAt"]


def test_customer_test_values(api):
    refused = api.post("/client/customer", {**_customer_body(), "siret": "00000000000000"})
    assert refused.status_code == 422
    rejected = api.create_customer(siret=REJECTED_SIRET)
    api.advance(2)
    customer = api.get(f"/client/customer/{rejected['id']}").json()
    assert customer["status"] == "REJECTED" and "SIRENE" in customer["rejectionReason"]


def test_an_account_is_verified_after_its_customer(api):
    customer = api.create_customer()
    account = api.create_account(customer["id"])
    api.advance(2)
    assert api.status(f"/client/customer/{customer['id']}") == "VERIFIED"
    assert api.status(f"/system/account/{account['id']}") == "PENDING_VERIFICATION"
    api.advance(2)
    assert api.status(f"/system/account/{account['id']}") == "ACTIVE"
    assert api.get("/chatbot/agent", key=account["apiKey"]).status_code == 200


def test_an_account_waits_as_long_as_its_customer(api):
    customer = api.create_customer()
    api.transition("customers", customer["id"], "VERIFIED")
    account = api.create_account(customer["id"])
    api.advance(2)
    assert api.status(f"/system/account/{account['id']}") == "ACTIVE"


def test_account_test_values(api):
    customer = api.create_customer()
    rejected = api.create_account(customer["id"], email="lyon+reject@example.fr")
    activation = api.create_account(customer["id"], activationRequired=True)
    api.advance(10)
    assert api.get(f"/system/account/{rejected['id']}").json()["rejectionReason"] == "The account holder could not be verified."
    assert api.status(f"/system/account/{activation['id']}") == "PENDING_ACTIVATION"
    assert api.get("/chatbot/agent", key=activation["apiKey"]).status_code == 403
    api.advance(3600)
    assert api.status(f"/system/account/{activation['id']}") == "PENDING_ACTIVATION"  # waits for a person
    api.transition("accounts", activation["id"], "ACTIVE")
    assert api.get("/chatbot/agent", key=activation["apiKey"]).status_code == 200


def test_accounts_are_rejected_with_their_customer(api):
    customer = api.create_customer(siret=REJECTED_SIRET)
    account = api.create_account(customer["id"])
    api.advance(60)
    shown = api.get(f"/system/account/{account['id']}").json()
    assert shown["status"] == "REJECTED" and shown["rejectionReason"] == "its customer was rejected"
    assert api.clock()["pendingCount"] == 0


def test_agent_is_verified(api, messenger):
    agent = messenger("POST", "/chatbot/agent", json={"name": "A"}).json()
    api.advance(2)
    assert messenger("GET", f"/chatbot/agent/{agent['id']}").json()["status"] == "VERIFIED"


@pytest.mark.parametrize(("phone", "final"), [("+33612345678", "ACCEPTED"), ("+33612340003", "DECLINED")])
def test_tester_answers(api, messenger, phone, final):
    agent = messenger("POST", "/chatbot/agent", json={"name": "A"}).json()
    tester = messenger("POST", "/messenger/rcs/tester", json={"agentId": agent["id"], "phone": phone}).json()
    api.advance(2.9)
    assert messenger("GET", f"/messenger/rcs/tester/{tester['id']}").json()["status"] == "INVITED"
    api.advance(0.1)
    assert messenger("GET", f"/messenger/rcs/tester/{tester['id']}").json()["status"] == final
    assert [e["state"] for e in api.events(type="RCS_TESTER_STATUS")] == ["INVITED", final]


def test_tester_phone_not_rcs_compatible_is_refused_at_once(messenger):
    agent = messenger("POST", "/chatbot/agent", json={"name": "A"}).json()
    refused = messenger("POST", "/messenger/rcs/tester", json={"agentId": agent["id"], "phone": "+33612340000"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "phone", "message": "is not RCS-compatible"}]


@pytest.mark.parametrize(("recipient", "channel", "reports"), [
    ("+33612345678", "sms", ["accepted", "sent", "delivered"]),
    ("+33612345678", "rcs", ["accepted", "sent", "delivered", "read"]),
    ("+33612340001", "rcs", ["accepted", "sent", "failed"]),
    ("+33612340002", "rcs", ["accepted", "sent", "delivered"]),
])
def test_message_reports(api, messenger, recipient, channel, reports):
    message = messenger("POST", "/messenger/submit", json={"recipient": recipient, "channel": channel, "text": "Bonjour"}).json()
    api.advance(0.3)
    assert messenger("GET", f"/messenger/submit/{message['id']}").json()["status"] == "sent"
    api.advance(60)
    final = messenger("GET", f"/messenger/submit/{message['id']}").json()
    assert final["status"] == reports[-1]
    assert [e["state"] for e in api.events(resourceId=message["id"])] == reports
    if reports[-1] == "failed":
        assert final["failureReason"] == "The recipient's handset is unreachable."


def test_broadcast_and_conversation_messages_all_report(api, messenger):
    recipients = ["+33612345678", "+33612340001", "+33612340002"]
    broadcast = messenger("POST", "/messenger/broadcast", json={"recipients": recipients, "channel": "rcs", "text": "x"}).json()
    conversation = messenger("POST", "/messenger/conversation", json={"recipients": recipients[:2], "channel": "sms", "text": "y"}).json()
    api.advance(60)
    statuses = [m["status"] for m in messenger("GET", f"/messenger/broadcast/{broadcast['id']}/messages").json()["items"]]
    assert statuses == ["read", "failed", "delivered"]
    shown = messenger("GET", f"/messenger/conversation/{conversation['id']}").json()
    assert [m["status"] for m in shown["messages"]] == ["delivered", "failed"]


def test_forcing_ahead_does_not_confuse_the_plan(api, messenger):
    message = messenger("POST", "/messenger/submit", json={"recipient": PHONE, "channel": "rcs", "text": "x"}).json()
    api.transition("messages", message["id"], "sent")
    api.transition("messages", message["id"], "delivered")
    api.advance(60)
    assert [e["state"] for e in api.events(resourceId=message["id"])] == ["accepted", "sent", "delivered", "read"]


def test_the_same_steps_give_the_same_history(api, messenger):
    def run():
        api.post("/_mock/reset", key=None)
        account = api.active_account()
        for recipient in ("+33612345678", "+33612340001"):
            api.post("/messenger/submit", {"recipient": recipient, "channel": "rcs", "text": "x"}, key=account["apiKey"])
        api.advance(0.3)
        api.advance(0.25)
        api.advance(10)
        return [(e["type"], e["state"], e["resource"]["type"]) for e in api.events()]
    assert run() == run()


def _customer_body():
    return {"name": "B", "siret": "73282932000074", "email": "b@example.fr",
            "address": {"line": "1 rue", "postalCode": "69002", "city": "Lyon", "country": "FR"}}
