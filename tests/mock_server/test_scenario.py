"""Scenario files: the default one, user ones, and clear errors for broken ones."""

import subprocess
import textwrap
from pathlib import Path

import pytest
from support import Api, biway_mock_command

from mock_server.scenario import ScenarioError, bundled_scenario, load_scenario


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_default_scenario_holds_the_documented_test_values() -> None:
    scenario = load_scenario()
    assert scenario.source == str(bundled_scenario())
    assert [s.state for s in scenario.outcome_for("customer", {"siret": "73282932090000"}).steps] == ["REJECTED"]
    assert [s.state for s in scenario.outcome_for("account", {"email": "a+reject@b.fr"}).steps] == ["REJECTED"]
    assert [s.state for s in scenario.outcome_for("account", {"activationRequired": True, "email": "a@b.fr"}).steps] == ["PENDING_ACTIVATION"]
    assert scenario.outcome_for("tester", {"phone": "+33612340000"}).refuse_reason == "is not RCS-compatible"
    assert [s.state for s in scenario.outcome_for("message", {"recipient": "+33612340001", "channel": "sms"}).steps] == ["sent", "failed"]
    assert [s.after for s in scenario.outcome_for("message", {"recipient": "+33612345678", "channel": "rcs"}).steps] == [0.3] * 3


def test_outcomes_for_many_values_are_each_outcome_for_one() -> None:
    scenario = load_scenario()
    recipients = ["+33612340001", "+33612340002", "+33612345678", "+33600000001"]
    for channel in ("sms", "rcs"):
        data = {"channel": channel, "recipient": recipients[0]}
        many = scenario.outcomes_for("message", data, "recipient", recipients)
        assert many == [scenario.outcome_for("message", {**data, "recipient": r}) for r in recipients]
    assert scenario.outcomes_for("message", {"channel": "sms"}, "recipient", []) == []


@pytest.mark.parametrize(("text", "line", "problem"), [
    ("rules:\n  - resource: customer\n    states: [VERIFIED, ACTIVE]\n", 3, "cannot go from VERIFIED to ACTIVE"),
    ("rules:\n  - resource: customer\n    when: {siret: '('}\n    states: [VERIFIED]\n", 3, "not a valid regular expression"),
    ("rules:\n  - resource: shop\n    states: [OPEN]\n", 2, "rules.0.resource"),
    ("rules:\n  - resource: customer\n   states: [X]\n", 3, "not valid YAML"),
    ("delays: {customer: -1}\nrules: []\n", 1, "delays.customer"),
    ("rules:\n  - resource: tester\n    states: [ACCEPTED]\n    refuse: {field: phone, reason: nope}\n", 2, "either 'refuse' or 'states'"),
    ("rules:\n  - resource: message\n    states: [sent, delivered]\n    after: [1]\n", 4, "'after' lists 1 delays for 2 states"),
    ("rule: []\n", 1, "'rule' was unexpected"),
])
def test_a_broken_scenario_names_the_line_and_the_problem(tmp_path, text, line, problem) -> None:
    with pytest.raises(ScenarioError) as error:
        load_scenario(write(tmp_path, text))
    assert f"line {line}:" in str(error.value) and problem in str(error.value)


def test_serve_stops_on_a_broken_scenario(tmp_path) -> None:
    path = write(tmp_path, "rules:\n  - resource: agent\n    states: [ACTIVE]\n")
    result = subprocess.run([*biway_mock_command(), "serve", "--scenario", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"{path}, line 3: an agent cannot go from PENDING_VERIFICATION to ACTIVE" in result.stderr


def test_a_user_scenario_scripts_its_own_cases(launch, tmp_path) -> None:
    path = write(tmp_path, """\
        delays: {agent: 30}
        rules:
          - resource: agent
            when: {name: '(?i)refus'}
            states: [REJECTED]
            reason: Logo non conforme.
          - resource: agent
            states: [VERIFIED]
          - resource: message
            when: {text: 'lent'}
            states: [sent, delivered]
            after: [5, 60]
        """)
    api = Api(launch("--clock", "manual", "--scenario", str(path)).url)
    key = api.active_account()["apiKey"]
    refused = api.post("/chatbot/agent", {"name": "Agent à refuser"}, key=key).json()
    accepted = api.post("/chatbot/agent", {"name": "Agent"}, key=key).json()
    slow = api.post("/messenger/submit", {"recipient": "+33612345678", "channel": "sms", "text": "un message lent"}, key=key).json()
    fast = api.post("/messenger/submit", {"recipient": "+33612345678", "channel": "sms", "text": "rapide"}, key=key).json()
    api.advance(30)
    assert api.get(f"/chatbot/agent/{refused['id']}", key=key).json()["rejectionReason"] == "Logo non conforme."
    assert api.status(f"/chatbot/agent/{accepted['id']}", key=key) == "VERIFIED"
    assert api.status(f"/messenger/submit/{slow['id']}", key=key) == "sent"
    assert api.status(f"/messenger/submit/{fast['id']}", key=key) == "accepted"  # no rule: stays as created
    api.advance(60)
    assert api.status(f"/messenger/submit/{slow['id']}", key=key) == "delivered"
