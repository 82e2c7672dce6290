"""The pytest plugin, as a user's suite sees it (run by pytester)."""

import pytest

pytest_plugins = ["pytester"]

CLIENT = '''
import requests

def submit(mock, key, body):
    return requests.post(f"{mock.url}/messenger/submit", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {key}"})
'''


def run(pytester: pytest.Pytester, tests: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=CLIENT + tests)
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def test_a_client_that_keeps_the_contract_passes(pytester):
    result = run(pytester, '''
def test_ok(biway_mock):
    account = biway_mock.active_account()
    assert submit(biway_mock, account.api_key, {"recipient": "+33612345678", "channel": "sms", "text": "x"}).status_code == 201
''')
    result.assert_outcomes(passed=1)


def test_a_client_that_breaks_the_contract_fails_with_the_violations(pytester):
    result = run(pytester, '''
def test_bad_client(biway_mock):
    account = biway_mock.active_account()
    submit(biway_mock, account.api_key, {"recipient": "0612345678", "channel": "fax", "text": "x", "colour": "red"})
''')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*sent biway-mock 1 request(s) that break the contract:*",
        "*POST /messenger/submit (MessengerSubmitPost) -> 400*",
        "*recipient: must match the pattern*",
        "*channel: must be one of: sms, rcs*",
        "*colour: is not a field of this request*",
    ])


def test_strict_mode_can_be_turned_off_per_test_or_per_suite(pytester):
    tests = '''
import pytest

@pytest.mark.biway(strict=False)
def test_lenient(biway_mock):
    biway_mock.active_account()
    submit(biway_mock, "sk_wrong", {"recipient": "x"})

def test_default(biway_mock):
    submit(biway_mock, "sk_wrong", {"recipient": "x"})
'''
    run(pytester, tests).assert_outcomes(passed=1, failed=1)
    pytester.makeini("[pytest]\nbiway_strict = false\n")
    run(pytester, tests).assert_outcomes(passed=2)


def test_each_test_starts_from_fresh_state_on_the_manual_clock(pytester):
    result = run(pytester, '''
def test_first(biway_mock):
    biway_mock.active_account()
    assert len(biway_mock.events()) == 4

def test_second(biway_mock):
    assert biway_mock.events() == []
    customer = biway_mock.active_account()
    before = biway_mock.events(resourceId=customer.id)
    biway_mock.advance(3600)
    assert biway_mock.events(resourceId=customer.id) == before  # forced ACTIVE: nothing else moves
''')
    result.assert_outcomes(passed=2)


def test_the_receiver_verifies_signatures_and_waits_for_an_event(pytester):
    result = run(pytester, '''
import requests

def test_events(biway_mock, biway_webhooks):
    biway_mock.subscribe(biway_webhooks, "/partner")
    customer = requests.post(f"{biway_mock.url}/client/customer", timeout=10,
                             headers={"Authorization": f"Bearer {biway_mock.partner_key}"},
                             json={"name": "B", "siret": "73282932000074", "email": "b@example.fr",
                                   "address": {"line": "1 rue", "postalCode": "69002", "city": "Lyon", "country": "FR"}}).json()
    biway_mock.advance(2)
    event = biway_webhooks.wait_for(type="CUSTOMER_STATUS", state="VERIFIED", resource_id=customer["id"])
    assert event["data"]["status"] == "VERIFIED"
    assert all(w.verified for w in biway_webhooks.received)

def test_forged(biway_mock, biway_webhooks):
    biway_mock.subscribe(biway_webhooks, "/partner")
    requests.post(f"{biway_webhooks.url}/partner", data=b"{}", timeout=10,
                  headers={"webhook-id": "evt_x", "webhook-timestamp": "1", "webhook-signature": "v1,Zm9yZ2Vk"})

def test_nothing_comes(biway_webhooks):
    biway_webhooks.wait_for(type="AGENT_STATUS", timeout=0.2)
''')
    result.assert_outcomes(passed=2, failed=1, errors=1)  # the forged one errors at teardown
    result.stdout.fnmatch_lines(["*1 webhook(s) failed signature verification*", "*not received within 0.2 s*"])


def test_errors_inside_the_mock_surface_in_the_test(pytester):
    result = run(pytester, '''
import logging

def test_mock_bug(biway_mock):
    logging.getLogger("biway_mock").error("a handler crashed")
''')
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*biway-mock failed inside:*", "*a handler crashed*"])
