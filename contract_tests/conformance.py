"""``biway-mock contract``: check a server (the mock, the vendor's sandbox, another fake) against the contract.

Two stages. Conformance: Schemathesis runs every operation of both APIs with its positive and
negative data, every check, and stateful chains through the spec's links, with the partner's key
for the account API and a sub-account's for the messenger API. Lifecycles and webhooks: the guide's
flows are walked with a webhook receiver of our own; every event must arrive, match the spec's
callback schema and carry a valid signature. On a biway-mock target the clock is advanced through
the control API; on another target the flows wait, up to a deadline.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from mock_server.spec import bundled_spec_dir, callback_schema, iter_operations, load_spec
from mock_server.validation import schema_errors

from .mock import VALID_SIRET, ControlClient
from .receiver import WebhookReceiver

__all__ = ["ContractOptions", "FlowStep", "run_contract", "walk_flows"]

#: What a schema-valid request may be answered besides 2xx: auth, a missing resource, a duplicate
#: and the business-rule refusals (422) that the spec documents.
ACCEPTABLE_REFUSALS = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]

Echo = Callable[[str], None]


@dataclass
class ContractOptions:
    base_url: str
    partner_key: str
    account_key: str | None = None
    spec_dir: Path | None = None
    max_examples: int = 20
    seed: int | None = None
    junit: Path | None = None
    headers: Sequence[str] = ()
    operations: Sequence[str] = ()
    webhook_url: str | None = None
    deadline: float = 120.0
    flows: bool = True


@dataclass
class FlowStep:
    name: str
    passed: bool
    detail: str = ""


@dataclass
class _Run:
    passed: bool = True
    junit_files: list[Path] = field(default_factory=list)


def run_contract(options: ContractOptions, echo: Echo = print) -> bool:
    """Run both stages; True when the target kept the contract."""
    target = ControlClient(options.base_url, options.partner_key)
    on_mock = target.is_biway_mock()
    echo(f"target: {options.base_url} ({'biway-mock' if on_mock else 'not biway-mock: no control API'})")
    account_key = options.account_key
    if account_key is None:
        if not on_mock:
            echo("error: --account-key is needed (an ACTIVE sub-account's key) on a target that is not biway-mock")
            return False
        account_key = target.active_account(name="Contract run").api_key
        echo("provisioned an ACTIVE sub-account through the control API for the messenger API")
    run = _Run()
    with tempfile.TemporaryDirectory(prefix="biway-contract-") as scratch:
        work = Path(scratch)
        config = work / "schemathesis.toml"
        config.write_text("[checks.positive_data_acceptance]\n"
                          f"expected-statuses = {json.dumps(ACCEPTABLE_REFUSALS)}\n", encoding="utf-8")
        for api, key in (("account", options.partner_key), ("messenger", account_key)):
            document = load_spec(options.spec_dir or bundled_spec_dir(), api)
            if options.operations and not set(options.operations) & {op.operation_id for op in iter_operations(document, api)}:
                continue  # none of the asked operations is in this API
            spec = work / f"{api}.json"
            spec.write_text(json.dumps(document), encoding="utf-8")
            echo(f"\n=== conformance of the {api} API ===")
            if not _schemathesis(options, config, spec, key, work / f"{api}.xml", run):
                run.passed = False
        if options.junit:
            _merge_junit(run.junit_files, options.junit)
            echo(f"JUnit XML: {options.junit}")
    if options.flows:
        echo("\n=== lifecycles and webhooks ===")
        steps = walk_flows(target, on_mock, options, echo)
        run.passed &= all(step.passed for step in steps)
    echo("\n" + ("PASSED: the target keeps the contract" if run.passed else "FAILED: the target breaks the contract"))
    return run.passed


def _schemathesis(options: ContractOptions, config: Path, spec: Path, key: str, junit: Path, run: _Run) -> bool:
    command = [sys.executable, "-c", "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
               "--config-file", str(config), "run", str(spec), "--url", options.base_url,
               "--header", f"Authorization: Bearer {key}", "--checks", "all",
               "--max-examples", str(options.max_examples), "--report", "junit", "--report-junit-path", str(junit),
               "--no-color"]
    for header in options.headers:
        command += ["--header", header]
    for operation in options.operations:
        command += ["--include-operation-id", operation]
    if options.seed is not None:
        command += ["--seed", str(options.seed)]
    # In the scratch directory: Schemathesis keeps a cache (and replays past crashes) in its cwd.
    result = subprocess.run(command, stdout=sys.stdout, stderr=sys.stderr, check=False, cwd=config.parent)
    if junit.exists():
        run.junit_files.append(junit)
    return result.returncode == 0


def _merge_junit(files: list[Path], destination: Path) -> None:
    merged = ElementTree.Element("testsuites")
    for path in files:
        root = ElementTree.parse(path).getroot()
        merged.extend(root if root.tag == "testsuites" else [root])
    destination.parent.mkdir(parents=True, exist_ok=True)
    ElementTree.ElementTree(merged).write(destination, encoding="unicode", xml_declaration=True)


def walk_flows(target: ControlClient, on_mock: bool, options: ContractOptions, echo: Echo = print) -> list[FlowStep]:
    """The guide's flowcharts end to end, checking each event the target sends."""
    schema = callback_schema(load_spec(options.spec_dir or bundled_spec_dir(), "account"))
    receiver = WebhookReceiver()
    steps: list[FlowStep] = []

    def step(name: str, check: Callable[[], str]) -> None:
        try:
            detail = check()
            steps.append(FlowStep(name, True, detail))
            echo(f"  ok    {name}{f' ({detail})' if detail else ''}")
        except Exception as exc:  # a failed step is reported, and the walk goes on where it can
            steps.append(FlowStep(name, False, str(exc)))
            echo(f"  FAIL  {name}: {exc}")

    def call(method: str, path: str, key: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {key}", **dict(h.split(": ", 1) for h in options.headers)}
        response = requests.request(method, f"{target.url}{path}", json=body, headers=headers, timeout=30)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return dict(response.json())

    def event(type: str, state: str, resource_id: str) -> dict[str, Any]:
        if on_mock:
            target.advance(10)
        received = receiver.wait_for(type=type, state=state, resource_id=resource_id,
                                     timeout=10 if on_mock else options.deadline)
        problems = schema_errors(schema, received)
        if problems:
            raise AssertionError(f"the {type} event breaks the callback schema: {problems}")
        return received

    url = options.webhook_url or receiver.url
    echo(f"  webhook receiver listening on {receiver.url}" + (f", registered as {url}" if options.webhook_url else ""))
    partner = options.partner_key
    state: dict[str, Any] = {}
    try:
        registration = call("POST", "/system/callback", partner, {"url": f"{url}/partner"})
        receiver.expect_secret("/partner", registration["secret"])
        step("newCallbackUrl (partner)", lambda: registration["id"])

        def customer() -> str:
            state["customer"] = call("POST", "/client/customer", partner, {
                "name": "Contrat Biway", "siret": VALID_SIRET, "email": "contrat@example.fr",
                "address": {"line": "1 place Bellecour", "postalCode": "69002", "city": "Lyon", "country": "FR"}})
            event("CUSTOMER_STATUS", "VERIFIED", state["customer"]["id"])
            return "CUSTOMER_STATUS VERIFIED received, signed"
        step("newCustomer, verified", customer)

        def account() -> str:
            state["account"] = call("POST", "/system/account", partner, {
                "customerId": state["customer"]["id"], "name": "Contrat", "email": "contrat@example.fr"})
            event("ACCOUNT_STATUS", "ACTIVE", state["account"]["id"])
            key = state["account"]["apiKey"]
            own = call("POST", "/system/callback", key, {"url": f"{url}/account"})
            receiver.expect_secret("/account", own["secret"])
            return "ACCOUNT_STATUS ACTIVE received; the sub-account registered its own URL"
        step("newAccount, active", account)

        key = state.get("account", {}).get("apiKey", "")

        def agent_and_tester() -> str:
            agent = call("POST", "/chatbot/agent", key, {"name": "Agent contrat"})
            event("AGENT_STATUS", "VERIFIED", agent["id"])
            tester = call("POST", "/messenger/rcs/tester", key, {"agentId": agent["id"], "phone": "+33612345678"})
            event("RCS_TESTER_STATUS", "ACCEPTED", tester["id"])
            state["agent"] = agent
            return "AGENT_STATUS VERIFIED, RCS_TESTER_STATUS ACCEPTED"
        step("ChatbotAgentPost and MessengerRcsTesterPost", agent_and_tester)

        def template_trigger_message() -> str:
            template = call("POST", "/messenger/template", key, {
                "name": f"contrat-{int(time.time())}", "channel": "sms", "text": "Bonjour {{prenom}}", "variables": ["prenom"]})
            call("POST", "/chatbot/trigger", key, {"keyword": f"CONTRAT{int(time.time())}", "templateId": template["id"]})
            message = call("POST", "/messenger/submit", key, {
                "recipient": "+33612345678", "channel": "sms", "templateId": template["id"], "variables": {"prenom": "Camille"}})
            event("MESSENGER_REPORT", "delivered", message["id"])
            return "MESSENGER_REPORT delivered"
        step("MessengerTemplatePost, ChatbotTriggerPost, MessengerSubmitPost", template_trigger_message)

        def chat_token() -> str:
            contact = call("POST", "/file/entry", key, {"phone": "+33612345678", "firstName": "Camille"})
            token = call("POST", "/chatbot/token", key, {"contactId": contact["id"]})
            requests.get(token["chatUrl"], timeout=30)
            event("MESSENGER_REPORT", "read", token["id"])
            return "opening the chat URL reported read"
        step("FileEntryPost and ChatbotTokenPost", chat_token)

        def every_webhook() -> str:
            if not receiver.received:
                raise AssertionError("no webhook arrived")
            forged = receiver.unverified()
            if forged:
                raise AssertionError(f"{len(forged)} webhook(s) with a signature that does not verify: {forged[0].problem}")
            for webhook in receiver.received:
                problems = schema_errors(schema, webhook.json())
                if problems:
                    raise AssertionError(f"a {webhook.json().get('type')} event breaks the callback schema: {problems}")
            return f"{len(receiver.received)} webhooks, each signed (Standard Webhooks) and matching the callback schema"
        step("every webhook received", every_webhook)
    finally:
        receiver.close()
    return steps
