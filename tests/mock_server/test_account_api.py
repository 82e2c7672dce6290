"""The account API over HTTP: callback URLs, customers, sub-accounts, keys and tenancy."""

def test_partner_registers_replaces_and_rotates_its_callback_url(api):
    first = api.post("/system/callback", {"url": "http://127.0.0.1:9000/hooks"})
    assert first.status_code == 201
    registration = first.json()
    assert registration["accountId"] == "partner" and registration["secret"].startswith("whsec_")
    again = api.post("/system/callback", {"url": "https://hooks.example.fr/biway"})
    assert again.status_code == 200
    assert again.json()["id"] == registration["id"] and again.json()["secret"] == registration["secret"]
    rotated = api.post("/system/callback", {"url": "https://hooks.example.fr/biway", "rotateSecret": True}).json()
    assert rotated["secret"] != registration["secret"]
    assert api.get(f"/system/callback/{registration['id']}").json() == rotated
    assert api.delete(f"/system/callback/{registration['id']}").status_code == 204
    assert api.get(f"/system/callback/{registration['id']}").status_code == 404


def test_sub_account_callback_by_partner_or_by_itself(api, account):
    by_partner = api.post("/system/callback", {"url": "http://127.0.0.1:9001/a", "accountId": account["id"]})
    assert by_partner.status_code == 201 and by_partner.json()["accountId"] == account["id"]
    by_itself = api.post("/system/callback", {"url": "http://127.0.0.1:9001/b"}, key=account["apiKey"])
    assert by_itself.status_code == 200 and by_itself.json()["id"] == by_partner.json()["id"]
    other = api.post("/system/callback", {"url": "http://127.0.0.1:9001/c", "accountId": "partner"}, key=account["apiKey"])
    assert other.status_code == 404
    unknown = api.post("/system/callback", {"url": "http://127.0.0.1:9001/c", "accountId": "acc_nope"})
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "accountId"
    assert [c["accountId"] for c in api.get("/system/callback", key=account["apiKey"]).json()["items"]] == [account["id"]]


def test_callback_url_must_be_absolute_http(api):
    for url in ("ftp://example.fr/x", "/relative", "not a url"):
        response = api.post("/system/callback", {"url": url})
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "url", url


def test_customer_is_created_pending_and_readable(api):
    customer = api.create_customer()
    assert customer["status"] == "PENDING_VERIFICATION" and customer["rejectionReason"] is None
    assert api.get(f"/client/customer/{customer['id']}").json() == customer
    [event] = api.events(resourceId=customer["id"])
    assert (event["type"], event["state"], event["accountId"]) == ("CUSTOMER_STATUS", "PENDING_VERIFICATION", "partner")
    assert event["data"] == customer


def test_customer_siret_must_be_real(api):
    for siret in ("73282932000075", "00000000000000"):
        response = api.post("/client/customer", {"name": "X", "siret": siret, "email": "x@example.fr",
                                                 "address": {"line": "1 rue", "postalCode": "75001", "city": "Paris", "country": "FR"}})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "siret"
    assert api.get("/client/customer").json()["items"] == []


def test_customers_page(api):
    ids = [api.create_customer(name=f"Boutique {i}")["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = api.get("/client/customer", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == ids
    assert api.get("/client/customer", params={"cursor": "garbage!"}).status_code == 400


def test_account_is_created_for_a_customer_with_its_own_key(api):
    customer = api.create_customer()
    account = api.create_account(customer["id"], activationRequired=True)
    assert account["status"] == "PENDING_VERIFICATION" and account["apiKey"].startswith("sk_test_")
    shown = api.get(f"/system/account/{account['id']}").json()
    assert "apiKey" not in shown and shown["activationRequired"] is True
    assert api.get("/system/account").json()["items"] == [shown]
    [event] = api.events(type="ACCOUNT_STATUS")
    assert event["accountId"] == account["id"] and "apiKey" not in event["data"]


def test_account_needs_an_existing_non_rejected_customer(api):
    missing = api.post("/system/account", {"customerId": "cus_nope", "name": "X", "email": "x@example.fr"})
    assert missing.status_code == 404 and missing.json()["errors"] == [{"field": "customerId", "message": "no such customer for this key"}]
    customer = api.create_customer()
    api.transition("customers", customer["id"], "REJECTED")
    refused = api.post("/system/account", {"customerId": customer["id"], "name": "X", "email": "x@example.fr"})
    assert refused.status_code == 422


def test_keys_missing_wrong_and_of_the_wrong_kind(api, account):
    assert api.get("/client/customer", key=None).status_code == 401
    assert api.get("/client/customer", key="sk_test_wrong").status_code == 401
    assert api.get("/chatbot/agent", key=None).status_code == 401
    assert api.get("/client/customer", key=account["apiKey"]).status_code == 403
    forbidden = api.get("/chatbot/agent")
    assert forbidden.status_code == 403 and "sub-account" in forbidden.json()["message"]


def test_a_sub_account_is_unusable_until_active(api):
    customer = api.create_customer()
    account = api.create_account(customer["id"])
    pending = api.get("/chatbot/agent", key=account["apiKey"])
    assert pending.status_code == 403 and "PENDING_VERIFICATION" in pending.json()["message"]
    api.transition("customers", customer["id"], "VERIFIED")
    api.transition("accounts", account["id"], "ACTIVE")
    assert api.get("/chatbot/agent", key=account["apiKey"]).status_code == 200


def test_tenants_see_only_their_own_resources(api):
    first, second = api.active_account(), api.active_account()
    agent = api.post("/chatbot/agent", {"name": "Agent A"}, key=first["apiKey"]).json()
    assert api.get(f"/chatbot/agent/{agent['id']}", key=first["apiKey"]).status_code == 200
    assert api.get(f"/chatbot/agent/{agent['id']}", key=second["apiKey"]).status_code == 404
    assert api.get("/chatbot/agent", key=second["apiKey"]).json()["items"] == []
    template = api.post("/messenger/template", {"name": "t", "channel": "sms", "text": "Bonjour"}, key=first["apiKey"]).json()
    stolen = api.post("/chatbot/trigger", {"keyword": "VOL", "templateId": template["id"]}, key=second["apiKey"])
    assert stolen.status_code == 404
    assert api.get(f"/chatbot/agent/{agent['id']}").status_code == 403  # the partner key is not a tenant of messenger
