"""The control API: reset, forced transitions with the lifecycles' rules, the event log, the journal."""


def test_reset_forgets_everything(api):
    api.create_customer()
    assert api.post("/_mock/reset", key=None).status_code == 204
    assert api.get("/client/customer").json()["items"] == []
    assert api.events() == []


def test_customer_verification_and_final_states(api):
    customer = api.create_customer()
    verified = api.transition("customers", customer["id"], "VERIFIED")
    assert verified.status_code == 200 and verified.json()["status"] == "VERIFIED"
    again = api.transition("customers", customer["id"], "REJECTED")
    assert again.status_code == 409 and "VERIFIED is final" in again.json()["message"]
    assert [e["state"] for e in api.events(resourceId=customer["id"])] == ["PENDING_VERIFICATION", "VERIFIED"]


def test_an_account_waits_for_its_customer(api):
    customer = api.create_customer()
    account = api.create_account(customer["id"])
    blocked = api.transition("accounts", account["id"], "ACTIVE")
    assert blocked.status_code == 409 and f"its customer {customer['id']} is PENDING_VERIFICATION" in blocked.json()["message"]
    api.transition("customers", customer["id"], "VERIFIED")
    assert api.transition("accounts", account["id"], "ACTIVE").json()["status"] == "ACTIVE"


def test_activation_required_goes_through_pending_activation(api):
    customer = api.create_customer()
    account = api.create_account(customer["id"], activationRequired=True)
    api.transition("customers", customer["id"], "VERIFIED")
    assert api.transition("accounts", account["id"], "ACTIVE").status_code == 409
    assert api.transition("accounts", account["id"], "PENDING_ACTIVATION").status_code == 200
    assert api.get("/chatbot/agent", key=account["apiKey"]).status_code == 403
    assert api.transition("accounts", account["id"], "ACTIVE").status_code == 200
    assert [e["state"] for e in api.events(type="ACCOUNT_STATUS")] == ["PENDING_VERIFICATION", "PENDING_ACTIVATION", "ACTIVE"]


def test_rejecting_a_customer_rejects_its_accounts(api):
    customer = api.create_customer()
    accounts = [api.create_account(customer["id"])["id"] for _ in range(2)]
    rejected = api.transition("customers", customer["id"], "REJECTED", reason="Kbis illisible")
    assert rejected.json()["rejectionReason"] == "Kbis illisible"
    for id in accounts:
        account = api.get(f"/system/account/{id}").json()
        assert account["status"] == "REJECTED" and account["rejectionReason"] == "its customer was rejected"
    assert [e["state"] for e in api.events(type="ACCOUNT_STATUS")][-2:] == ["REJECTED", "REJECTED"]


def test_message_reports(api, messenger):
    rcs = messenger("POST", "/messenger/submit", json={"recipient": "+33612345678", "channel": "rcs", "text": "Bonjour"}).json()
    for state in ("sent", "delivered", "read"):
        assert api.transition("messages", rcs["id"], state).json()["status"] == state
    sms = messenger("POST", "/messenger/submit", json={"recipient": "+33612345678", "channel": "sms", "text": "Bonjour"}).json()
    api.transition("messages", sms["id"], "sent")
    api.transition("messages", sms["id"], "delivered")
    unread = api.transition("messages", sms["id"], "read")
    assert unread.status_code == 409 and "sms channel does not report reads" in unread.json()["message"]
    failed = messenger("POST", "/messenger/submit", json={"recipient": "+33612345678", "channel": "sms", "text": "x"}).json()
    assert api.transition("messages", failed["id"], "failed", reason="unreachable").json()["failureReason"] == "unreachable"
    assert [e["state"] for e in api.events(resourceId=rcs["id"])] == ["accepted", "sent", "delivered", "read"]


def test_tester_and_agent_transitions(api, messenger):
    agent = messenger("POST", "/chatbot/agent", json={"name": "A"}).json()
    assert api.transition("agents", agent["id"], "VERIFIED").json()["status"] == "VERIFIED"
    tester = messenger("POST", "/messenger/rcs/tester", json={"agentId": agent["id"], "phone": "+33612345678"}).json()
    assert api.transition("testers", tester["id"], "DECLINED").json()["status"] == "DECLINED"
    assert api.transition("testers", tester["id"], "ACCEPTED").status_code == 409


def test_transition_refusals(api):
    customer = api.create_customer()
    assert api.transition("customers", customer["id"], "ON_HOLD").status_code == 409
    assert api.transition("customers", "cus_nope", "VERIFIED").status_code == 404
    assert api.transition("accounts", customer["id"], "ACTIVE").status_code == 404  # wrong kind
    assert api.transition("invoices", customer["id"], "PAID").status_code == 400
    assert api.post(f"/_mock/customers/{customer['id']}/transition", {}, key=None).status_code == 400


def test_events_filter_and_page(api):
    customers = [api.create_customer()["id"] for _ in range(3)]
    page = api.get("/_mock/events", params={"limit": 2}, key=None).json()
    rest = api.get("/_mock/events", params={"cursor": page["nextCursor"]}, key=None).json()
    assert [e["resource"]["id"] for e in page["items"] + rest["items"]] == customers
    assert len({e["eventId"] for e in page["items"] + rest["items"]}) == 3
    assert api.events(type="AGENT_STATUS") == []


def test_journal_lists_requests_with_their_violations(api):
    api.post("/client/customer", {"name": "", "extra": 1})
    api.get("/client/customer", params={"limit": 2})
    api.get("/nowhere")
    entries = api.get("/_mock/requests", key=None).json()["items"]
    unknown, listing, invalid = entries[:3]
    assert unknown["path"] == "/nowhere" and unknown["operationId"] is None and unknown["violations"]
    assert listing["operationId"] == "listCustomers" and listing["status"] == 200 and listing["violations"] == []
    assert invalid["operationId"] == "newCustomer" and invalid["status"] == 400
    assert {"field": "extra", "message": "is not a field of this request"} in invalid["violations"]
    assert all(not e["path"].startswith("/_mock/") for e in entries)


def test_business_refusals_are_not_contract_violations(api):
    api.post("/system/account", {"customerId": "cus_nope", "name": "X", "email": "x@example.fr"})
    [entry] = api.get("/_mock/requests", params={"limit": 1}, key=None).json()["items"]
    assert entry["status"] == 404 and entry["violations"] == []


def test_the_guide_flows_end_to_end_conform(api):
    """DONE WHEN of issue 2: callback, customer, account, forced ACTIVE, every messenger operation."""
    assert api.post("/system/callback", {"url": "http://127.0.0.1:9000/partner"}).status_code == 201
    account = api.active_account()
    key = account["apiKey"]
    assert api.post("/system/callback", {"url": "http://127.0.0.1:9000/lyon"}, key=key).status_code == 201
    agent = api.post("/chatbot/agent", {"name": "Boulangerie"}, key=key).json()
    api.transition("agents", agent["id"], "VERIFIED")
    tester = api.post("/messenger/rcs/tester", {"agentId": agent["id"], "phone": "+33612345678"}, key=key).json()
    api.transition("testers", tester["id"], "ACCEPTED")
    template = api.post("/messenger/template", {"name": "horaires", "channel": "sms", "text": "Ouvert {{jours}}",
                                               "variables": ["jours"]}, key=key).json()
    assert api.post("/chatbot/trigger", {"keyword": "HORAIRES", "templateId": template["id"]}, key=key).status_code == 201
    contact = api.post("/file/entry", {"phone": "+33612345678"}, key=key).json()
    assert api.post("/chatbot/token", {"contactId": contact["id"], "agentId": agent["id"]}, key=key).status_code == 201
    message = api.post("/messenger/submit", {"recipient": "+33612345678", "channel": "sms", "templateId": template["id"],
                                             "variables": {"jours": "du mardi au dimanche"}}, key=key).json()
    assert message["text"] == "Ouvert du mardi au dimanche"
    assert api.post("/messenger/broadcast", {"recipients": ["+33612345678", "+33698765432"], "channel": "sms", "text": "Promo"}, key=key).status_code == 201
    assert api.post("/messenger/conversation", {"recipients": ["+33612345678", "+33698765432"], "channel": "rcs", "text": "Salut"}, key=key).status_code == 201
    journal = api.get("/_mock/requests", key=None).json()["items"]
    assert len(journal) >= 12 and all(entry["violations"] == [] for entry in journal), journal
    types = {e["type"] for e in api.events()}
    assert types == {"CUSTOMER_STATUS", "ACCOUNT_STATUS", "AGENT_STATUS", "RCS_TESTER_STATUS", "MESSENGER_REPORT"}


def test_journal_filters_and_summary(api, messenger):
    api.create_customer()
    mark = api.get("/_mock/requests", params={"limit": 1}, key=None).json()["items"][0]["seq"]
    messenger("POST", "/messenger/submit", json={"recipient": "0612345678", "channel": "sms", "text": "x"})
    messenger("POST", "/messenger/submit", json={"recipient": "+33612345678", "channel": "sms", "text": "x"})
    api.get("/nowhere")
    since = api.get("/_mock/requests", params={"since": mark}, key=None).json()["items"]
    assert [e["path"] for e in since] == ["/nowhere", "/messenger/submit", "/messenger/submit"]
    bad = api.get("/_mock/requests", params={"since": mark, "violations": "true"}, key=None).json()["items"]
    assert [(e["operationId"], e["status"]) for e in bad] == [(None, 404), ("MessengerSubmitPost", 400)]
    submits = api.get("/_mock/requests", params={"operation": "MessengerSubmitPost"}, key=None).json()["items"]
    assert [e["status"] for e in submits] == [201, 400]
    summary = {o["operationId"]: o for o in api.get("/_mock/requests/summary", key=None).json()["operations"]}
    assert summary["MessengerSubmitPost"] == {"operationId": "MessengerSubmitPost", "requests": 2, "violating": 1,
                                              "statuses": {"201": 1, "400": 1}}
    assert summary[None]["violating"] == 1 and summary["newCustomer"]["violating"] == 0
