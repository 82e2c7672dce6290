"""biway-mock contract passes the real mock and fails deliberately broken servers, naming the
operation and the check."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from support import biway_mock_command

from contract_tests import MockServer
from contract_tests.conformance import ContractOptions, run_contract

Rewrite = Callable[[int, dict[str, Any]], tuple[int, dict[str, Any]] | None]


def breaking(method: str, path: str, rewrite: Rewrite) -> Callable[[ASGIApp], ASGIApp]:
    """Wrap the mock so that ``method path`` answers what ``rewrite(status, body)`` says."""
    def wrap(app: ASGIApp) -> ASGIApp:
        async def broken(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] != method or scope["path"] != path:
                await app(scope, receive, send)
                return
            held: list[Message] = []

            async def hold(message: Message) -> None:
                held.append(message)

            await app(scope, receive, hold)
            status = held[0]["status"]
            body = b"".join(m.get("body", b"") for m in held[1:])
            changed = rewrite(status, json.loads(body) if body else {})
            if changed is None:
                for message in held:
                    await send(message)
                return
            new_status, new_body = changed
            payload = json.dumps(new_body).encode()
            await send({"type": "http.response.start", "status": new_status,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
            await send({"type": "http.response.body", "body": payload})
        return broken
    return wrap


def drop_siret(status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    return (status, {k: v for k, v in body.items() if k != "siret"}) if status == 201 else None


def fail_valid_agents(status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    return (500, {"code": "internal_error", "message": "boom", "errors": []}) if status == 201 else None


def accept_invalid_contacts(status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    contact = {"id": "cnt_1", "status": "ACTIVE", "phone": "+33612345678", "firstName": None, "lastName": None,
               "email": None, "createdAt": "2026-11-27T09:00:00Z", "updatedAt": "2026-11-27T09:00:00Z"}
    return (201, contact) if status == 400 else None


def serve(wrap: Callable[[ASGIApp], ASGIApp] | None = None) -> Iterator[MockServer]:
    server = MockServer(wrap=wrap).start()
    yield server
    server.stop()


@pytest.fixture
def real_mock() -> Iterator[MockServer]:
    yield from serve()


def test_the_real_mock_keeps_the_contract(real_mock: MockServer, capfd: pytest.CaptureFixture[str], tmp_path) -> None:
    lines: list[str] = []
    junit = tmp_path / "contract.xml"
    assert run_contract(ContractOptions(real_mock.url, real_mock.partner_key, seed=1, junit=junit), echo=lines.append)
    output = capfd.readouterr().out + "\n".join(lines)
    assert "No issues found" in output and "PASSED: the target keeps the contract" in output
    assert sum("  ok    " in line for line in lines) == 7
    assert junit.read_text(encoding="utf-8").count("<testsuite ") == 2


@pytest.mark.parametrize(("wrap", "operation", "expected"), [
    (breaking("POST", "/client/customer", drop_siret), "newCustomer",
     ["POST /client/customer", "Response violates schema"]),
    (breaking("POST", "/chatbot/agent", fail_valid_agents), "ChatbotAgentPost",
     ["POST /chatbot/agent", "Server error"]),
    (breaking("POST", "/file/entry", accept_invalid_contacts), "FileEntryPost",
     ["POST /file/entry", "Schema-violating request accepted"]),
], ids=["response-outside-the-schema", "500-on-valid-input", "invalid-input-accepted"])
def test_a_server_that_breaks_the_contract_fails(wrap, operation: str, expected: list[str],
                                                 capfd: pytest.CaptureFixture[str]) -> None:
    for server in serve(wrap):
        options = ContractOptions(server.url, server.partner_key, seed=1, operations=[operation], flows=False)
        assert not run_contract(options, echo=lambda line: None)
    output = capfd.readouterr().out
    for text in expected:
        assert text in output, text


def test_the_command_exits_non_zero_on_a_broken_server(tmp_path) -> None:
    for server in serve(breaking("POST", "/chatbot/agent", fail_valid_agents)):
        result = subprocess.run([*biway_mock_command(), "contract", "--base-url", server.url, "--partner-key",
                                 server.partner_key, "--operation", "ChatbotAgentPost", "--no-flows", "--seed", "1"],
                                capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert result.returncode == 1
        assert "Reproduce with" in result.stdout and "curl" in result.stdout
        assert "FAILED: the target breaks the contract" in result.stdout


def test_another_target_needs_an_account_key(tmp_path) -> None:
    lines: list[str] = []
    assert not run_contract(ContractOptions("http://127.0.0.1:9", "key", flows=False), echo=lines.append)
    assert any("--account-key is needed" in line for line in lines)


def wrong_secret(status: int, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    return (status, {**body, "secret": "whsec_" + "QUJD" * 8}) if status in (200, 201) else None


def test_webhooks_that_do_not_verify_fail_the_flows(capfd: pytest.CaptureFixture[str]) -> None:
    lines: list[str] = []
    for server in serve(breaking("POST", "/system/callback", wrong_secret)):
        options = ContractOptions(server.url, server.partner_key, seed=1, operations=["newCallbackUrl"])
        assert not run_contract(options, echo=lines.append)
    assert any("FAIL  every webhook received" in line and "does not verify" in line for line in lines), lines
