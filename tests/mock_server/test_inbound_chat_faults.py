"""Inbound messages and keyword triggers, chat token pages, and injected faults."""

import time

import requests

PHONE = "+33612345678"


def _trigger(messenger, keyword="HORAIRES", text="Bonjour {{firstName}}, ouvert du mardi au dimanche.", variables=("firstName",)):
    template = messenger("POST", "/messenger/template",
                         json={"name": f"t-{keyword}", "channel": "sms", "text": text, "variables": list(variables)}).json()
    return messenger("POST", "/chatbot/trigger", json={"keyword": keyword, "templateId": template["id"]}).json()


def test_an_inbound_keyword_sends_the_template_back(api, messenger, account):
    trigger = _trigger(messenger)
    messenger("POST", "/file/entry", json={"phone": PHONE, "firstName": "Camille"})
    received = api.post("/_mock/inbound", {"accountId": account["id"], "from": PHONE, "text": "Quels sont vos horaires ?"}, key=None)
    assert received.status_code == 201
    inbound, reply = received.json()["inbound"], received.json()["reply"]
    assert inbound["triggerId"] == trigger["id"] and inbound["status"] == "received"
    assert reply["recipient"] == PHONE and reply["text"] == "Bonjour Camille, ouvert du mardi au dimanche."
    [event] = api.events(type="MESSENGER_INBOUND")
    assert event["accountId"] == account["id"] and event["data"]["from"] == PHONE
    api.advance(10)
    assert messenger("GET", f"/messenger/submit/{reply['id']}").json()["status"] == "delivered"
    assert [e["state"] for e in api.events(resourceId=reply["id"])] == ["accepted", "sent", "delivered"]


def test_keywords_match_whole_words_case_insensitively(api, messenger, account):
    _trigger(messenger, keyword="STOP", text="Vous ne recevrez plus nos messages.", variables=())
    def reply(text):
        return api.post("/_mock/inbound", {"accountId": account["id"], "from": PHONE, "text": text}, key=None).json()["reply"]
    assert reply("stop") is not None
    assert reply("Merci, STOP.") is not None
    assert reply("stopper") is None
    assert reply("nonstop") is None


def test_inbound_needs_an_active_account(api):
    customer = api.create_customer()
    pending = api.create_account(customer["id"])
    assert api.post("/_mock/inbound", {"accountId": pending["id"], "from": PHONE, "text": "x"}, key=None).status_code == 409
    assert api.post("/_mock/inbound", {"accountId": "acc_nope", "from": PHONE, "text": "x"}, key=None).status_code == 404
    assert api.post("/_mock/inbound", {"accountId": pending["id"], "from": "06", "text": "x"}, key=None).status_code == 400


def _token(messenger, **body):
    contact = messenger("POST", "/file/entry", json={"phone": PHONE, "firstName": "Camille"}).json()
    return messenger("POST", "/chatbot/token", json={"contactId": contact["id"], **body}).json()


def test_opening_a_chat_url_uses_the_token(api, messenger):
    token = _token(messenger)
    opened = api.get(f"/chat/{token['token']}", key=None)
    assert opened.status_code == 200 and opened.json()["token"]["status"] == "used"
    assert opened.json()["contact"]["firstName"] == "Camille"
    assert messenger("GET", f"/chatbot/token/{token['id']}").json()["usedAt"] is not None
    again = api.get(f"/chat/{token['token']}", key=None)
    assert again.status_code == 200
    assert [e["state"] for e in api.events(resourceId=token["id"])] == ["issued", "read"]


def test_a_browser_gets_a_page(api, messenger):
    token = _token(messenger)
    page = requests.get(token["chatUrl"], headers={"Accept": "text/html,application/xhtml+xml"}, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Camille" in page.text
    missing = requests.get(f"{api.base_url}/chat/ct_unknown", headers={"Accept": "text/html"}, timeout=10)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")


def test_unknown_and_expired_tokens_answer_404(api, messenger):
    unknown = api.get("/chat/ct_unknown", key=None)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    token = _token(messenger, ttlSeconds=60)
    api.advance(61)
    expired = api.get(f"/chat/{token['token']}", key=None)
    assert expired.status_code == 404 and "expired" in expired.json()["message"]
    assert api.events(type="MESSENGER_REPORT", resourceId=token["id"])[-1]["state"] == "issued"


def test_faults_fail_a_number_of_answers_in_the_error_shape(api, messenger):
    put = api.request("PUT", "/_mock/faults", json={"FileEntryPost": {"status": 503, "count": 2}}, key=None)
    assert put.status_code == 200 and put.json()["FileEntryPost"]["count"] == 2
    # An injected fault is outside the contract on purpose: these answers are not checked against it.
    answers = [messenger("POST", "/file/entry", json={"phone": PHONE}, check=False) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 201]
    assert answers[0].json()["code"] == "injected_fault"
    assert api.get("/_mock/faults", key=None).json()["FileEntryPost"]["count"] == 0
    assert messenger("GET", "/file/entry").json()["items"] == [answers[2].json()]


def test_faults_add_latency_and_can_be_cleared(api, messenger):
    api.request("PUT", "/_mock/faults", json={"FileEntryList": {"latencyMs": 300}, "FileEntryPost": {"status": 500, "rate": 0}}, key=None)
    started = time.monotonic()
    assert messenger("GET", "/file/entry").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert messenger("POST", "/file/entry", json={"phone": PHONE}).status_code == 201  # rate 0: never
    assert api.delete("/_mock/faults", key=None).status_code == 204
    assert api.get("/_mock/faults", key=None).json() == {}


def test_faults_name_operations_of_the_bi_way_apis(api):
    refused = api.request("PUT", "/_mock/faults", json={"reset": {"status": 500}, "Nope": {}}, key=None)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"reset", "Nope"}
    assert api.request("PUT", "/_mock/faults", json={"FileEntryPost": {"status": 200}}, key=None).status_code == 400


def test_reset_clears_faults(api):
    api.request("PUT", "/_mock/faults", json={"listCustomers": {"status": 503}}, key=None)
    api.post("/_mock/reset", key=None)
    assert api.get("/client/customer").status_code == 200
