"""The messenger API over HTTP, with an ACTIVE sub-account's key: every operation and its refusals."""

import pytest

PHONE = "+33612345678"


def test_agent(api, messenger):
    created = messenger("POST", "/chatbot/agent", json={"name": "Boulangerie Martin"})
    assert created.status_code == 201
    agent = created.json()
    assert agent["status"] == "PENDING_VERIFICATION" and agent["description"] is None
    assert messenger("GET", f"/chatbot/agent/{agent['id']}").json() == agent
    assert messenger("GET", "/chatbot/agent").json()["items"] == [agent]
    assert api.events(type="AGENT_STATUS")[0]["resource"] == {"type": "agent", "id": agent["id"]}


def test_rcs_tester(api, messenger):
    agent = messenger("POST", "/chatbot/agent", json={"name": "A"}).json()
    tester = messenger("POST", "/messenger/rcs/tester", json={"agentId": agent["id"], "phone": PHONE})
    assert tester.status_code == 201 and tester.json()["status"] == "INVITED"
    assert messenger("GET", f"/messenger/rcs/tester/{tester.json()['id']}").json() == tester.json()
    duplicate = messenger("POST", "/messenger/rcs/tester", json={"agentId": agent["id"], "phone": PHONE})
    assert duplicate.status_code == 409
    unknown = messenger("POST", "/messenger/rcs/tester", json={"agentId": "agt_nope", "phone": PHONE})
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "agentId"
    assert messenger("POST", "/messenger/rcs/tester", json={"agentId": agent["id"], "phone": "0612345678"}).status_code == 400
    api.transition("agents", agent["id"], "REJECTED")
    assert messenger("POST", "/messenger/rcs/tester", json={"agentId": agent["id"], "phone": "+33698765432"}).status_code == 422
    assert [e["state"] for e in api.events(type="RCS_TESTER_STATUS")] == ["INVITED"]


def test_template_is_validated_at_once(messenger):
    body = {"name": "rappel", "channel": "sms", "text": "Bonjour {{prenom}}", "variables": ["prenom"]}
    created = messenger("POST", "/messenger/template", json=body)
    assert created.status_code == 201 and created.json()["status"] == "VALID"
    assert messenger("GET", f"/messenger/template/{created.json()['id']}").json() == created.json()
    assert messenger("POST", "/messenger/template", json=body).status_code == 409
    refused = messenger("POST", "/messenger/template",
                        json={"name": "autre", "channel": "sms", "text": "{{a}} {{b}}", "variables": ["a", "c"]})
    assert refused.status_code == 422
    assert {(e["field"], e["message"]) for e in refused.json()["errors"]} == {
        ("text", "uses {{b}}, which is not declared in variables"),
        ("variables", "declares c, which the text does not use")}
    assert messenger("POST", "/messenger/template", json={"name": "vide", "channel": "sms", "text": "   "}).status_code == 422
    assert messenger("POST", "/messenger/template", json={"name": "long", "channel": "rcs", "text": "x" * 1601}).status_code == 400
    assert messenger("POST", "/messenger/template", json={"name": "fax", "channel": "fax", "text": "x"}).status_code == 400


def test_trigger_keyword_is_unique_case_insensitively(messenger):
    template = messenger("POST", "/messenger/template", json={"name": "h", "channel": "sms", "text": "9h-19h"}).json()
    trigger = messenger("POST", "/chatbot/trigger", json={"keyword": "Horaires", "templateId": template["id"]})
    assert trigger.status_code == 201 and trigger.json()["status"] == "ACTIVE"
    assert messenger("GET", f"/chatbot/trigger/{trigger.json()['id']}").json() == trigger.json()
    assert messenger("POST", "/chatbot/trigger", json={"keyword": "HORAIRES", "templateId": template["id"]}).status_code == 409
    missing = messenger("POST", "/chatbot/trigger", json={"keyword": "autre", "templateId": "tpl_nope"})
    assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "templateId"
    assert messenger("POST", "/chatbot/trigger", json={"keyword": "deux mots", "templateId": template["id"]}).status_code == 400


def test_contact_and_chat_token(api, messenger):
    contact = messenger("POST", "/file/entry", json={"phone": PHONE, "firstName": "Camille"})
    assert contact.status_code == 201 and contact.json()["lastName"] is None
    assert messenger("GET", f"/file/entry/{contact.json()['id']}").json() == contact.json()
    token = messenger("POST", "/chatbot/token", json={"contactId": contact.json()["id"], "ttlSeconds": 3600})
    assert token.status_code == 201
    issued = token.json()
    assert issued["status"] == "issued" and issued["chatUrl"] == f"{api.base_url}/chat/{issued['token']}"
    assert messenger("GET", f"/chatbot/token/{issued['id']}").json() == issued
    assert messenger("POST", "/chatbot/token", json={"contactId": "cnt_nope"}).status_code == 404
    assert messenger("POST", "/chatbot/token", json={"contactId": contact.json()["id"], "agentId": "agt_nope"}).status_code == 404
    assert messenger("POST", "/chatbot/token", json={"contactId": contact.json()["id"], "ttlSeconds": 1}).status_code == 400
    [event] = api.events(resourceId=issued["id"])
    assert (event["type"], event["state"], event["resource"]["type"]) == ("MESSENGER_REPORT", "issued", "token")


def test_submit_text(api, messenger, account):
    sent = messenger("POST", "/messenger/submit", json={"recipient": PHONE, "channel": "sms", "text": "Bonjour", "sender": "BMARTIN"})
    assert sent.status_code == 201
    message = sent.json()
    assert (message["status"], message["recipient"], message["templateId"]) == ("accepted", PHONE, None)
    assert messenger("GET", f"/messenger/submit/{message['id']}").json() == message
    assert messenger("GET", "/messenger/submit").json()["items"] == [message]
    [event] = api.events(type="MESSENGER_REPORT")
    assert event["accountId"] == account["id"] and event["data"]["recipient"] == PHONE


def test_submit_with_a_template(messenger):
    template = messenger("POST", "/messenger/template",
                         json={"name": "t", "channel": "rcs", "text": "Bonjour {{prenom}}, table à {{heure}}", "variables": ["prenom", "heure"]}).json()
    ok = messenger("POST", "/messenger/submit", json={"recipient": PHONE, "channel": "rcs", "templateId": template["id"],
                                                      "variables": {"prenom": "Camille", "heure": "20h"}})
    assert ok.status_code == 201 and ok.json()["text"] == "Bonjour Camille, table à 20h"
    refused = messenger("POST", "/messenger/submit", json={"recipient": PHONE, "channel": "sms", "templateId": template["id"],
                                                           "variables": {"prenom": "Camille", "autre": "x"}})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"channel", "variables.heure", "variables.autre"}
    assert messenger("POST", "/messenger/submit", json={"recipient": PHONE, "channel": "rcs", "templateId": "tpl_nope"}).status_code == 404


@pytest.mark.parametrize("content", [{}, {"text": "a", "templateId": "tpl_x"}])
def test_submit_needs_exactly_one_of_text_or_template(messenger, content):
    response = messenger("POST", "/messenger/submit", json={"recipient": PHONE, "channel": "sms", **content})
    assert response.status_code == 400
    assert {"field": "", "message": "must have exactly one of: text, templateId"} in response.json()["errors"]


def test_broadcast_creates_one_message_per_recipient(api, messenger):
    recipients = [f"+336000000{i:02d}" for i in range(25)]
    created = messenger("POST", "/messenger/broadcast", json={"recipients": recipients, "channel": "sms", "text": "Fermé le 25"})
    assert created.status_code == 201
    broadcast = created.json()
    assert broadcast["count"] == 25 and broadcast["status"] == "accepted"
    assert messenger("GET", f"/messenger/broadcast/{broadcast['id']}").json() == broadcast
    first = messenger("GET", f"/messenger/broadcast/{broadcast['id']}/messages", params={"limit": 20}).json()
    rest = messenger("GET", f"/messenger/broadcast/{broadcast['id']}/messages", params={"cursor": first["nextCursor"]}).json()
    messages = first["items"] + rest["items"]
    assert [m["recipient"] for m in messages] == recipients
    assert {m["broadcastId"] for m in messages} == {broadcast["id"]} and rest["nextCursor"] is None
    assert len(api.events(type="MESSENGER_REPORT")) == 25
    assert messenger("POST", "/messenger/broadcast", json={"recipients": [], "channel": "sms", "text": "x"}).status_code == 400


def test_conversation_has_two_to_twenty_recipients(messenger):
    created = messenger("POST", "/messenger/conversation", json={"recipients": [PHONE, "+33698765432"], "channel": "rcs", "text": "Table réservée"})
    assert created.status_code == 201
    conversation = created.json()
    assert [m["recipient"] for m in conversation["messages"]] == [PHONE, "+33698765432"]
    assert messenger("GET", f"/messenger/conversation/{conversation['id']}").json() == conversation
    assert messenger("GET", "/messenger/conversation").json()["items"] == [conversation]
    for recipients in ([PHONE], [f"+336000000{i:02d}" for i in range(21)], [PHONE, PHONE]):
        assert messenger("POST", "/messenger/conversation", json={"recipients": recipients, "channel": "sms", "text": "x"}).status_code == 400


def test_every_list_returns_what_was_created(api, messenger):
    agent = messenger("POST", "/chatbot/agent", json={"name": "A"}).json()
    template = messenger("POST", "/messenger/template", json={"name": "t", "channel": "sms", "text": "x"}).json()
    contact = messenger("POST", "/file/entry", json={"phone": PHONE}).json()
    created = {
        "/chatbot/agent": agent,
        "/messenger/rcs/tester": messenger("POST", "/messenger/rcs/tester", json={"agentId": agent["id"], "phone": PHONE}).json(),
        "/messenger/template": template,
        "/chatbot/trigger": messenger("POST", "/chatbot/trigger", json={"keyword": "k", "templateId": template["id"]}).json(),
        "/file/entry": contact,
        "/chatbot/token": messenger("POST", "/chatbot/token", json={"contactId": contact["id"]}).json(),
        "/messenger/broadcast": messenger("POST", "/messenger/broadcast", json={"recipients": [PHONE], "channel": "sms", "text": "b"}).json(),
    }
    for path, resource in created.items():
        listed = messenger("GET", path, params={"limit": 100}).json()
        assert listed == {"items": [resource], "nextCursor": None}, path
