"""The pytest plugin (entry point ``pytest11``): fixtures and hooks only.

- ``biway_mock``: a biway-mock with the manual clock and fresh state for each test, served on
  loopback from this process (one server for the session, reset before each test).
- ``biway_webhooks``: a webhook consumer on loopback that verifies signatures.
- Strict mode (``biway_strict = true`` in the ini file, the default; ``@pytest.mark.biway(strict=False)``
  for one test): a test fails when the code under test sent the mock a request that breaks the
  contract, and the failure lists the violations from the request journal.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from .mock import MockServer
from .receiver import WebhookReceiver


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("biway_strict", type="bool", default=True,
                  help="fail a test whose client sent biway-mock a request that breaks the contract")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "biway(strict=True): settings of the biway_mock fixture for one test")


@pytest.fixture(scope="session")
def biway_mock_server() -> Iterator[MockServer]:
    """The session's server; most tests want ``biway_mock``, which resets it first."""
    server = MockServer().start()
    yield server
    server.stop()


@pytest.fixture
def biway_mock(biway_mock_server: MockServer) -> Iterator[MockServer]:
    """biway-mock with fresh state and the manual clock: ``.url``, ``.partner_key``,
    ``.active_account()``, ``.advance(seconds)``, ``.transition(...)``, ``.events()``."""
    biway_mock_server.reset()
    biway_mock_server.check_errors()
    biway_mock_server.mark = biway_mock_server.journal_mark()
    yield biway_mock_server
    biway_mock_server.check_errors()


@pytest.fixture
def biway_webhooks() -> Iterator[WebhookReceiver]:
    """A webhook consumer: ``biway_mock.subscribe(biway_webhooks)``, then ``.wait_for(type=..., state=...)``.
    The test fails if a webhook arrived with a signature that does not verify."""
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
    forged = receiver.unverified()
    if forged:
        pytest.fail(f"{len(forged)} webhook(s) failed signature verification: {forged[0].problem}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Strict mode: after the test's body, its requests to the mock must have kept the contract."""
    result = yield
    mock = getattr(item, "funcargs", {}).get("biway_mock")
    if isinstance(mock, MockServer) and _strict(item):
        violations = mock.violations(since=mock.mark)
        if violations:
            pytest.fail(_report(violations), pytrace=False)
    return result


def _strict(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("biway")
    if marker is not None and "strict" in marker.kwargs:
        return bool(marker.kwargs["strict"])
    return bool(item.config.getini("biway_strict"))


def _report(violations: list[dict[str, object]]) -> str:
    lines = [f"the code under test sent biway-mock {len(violations)} request(s) that break the contract:"]
    for entry in violations:
        lines.append(f"  {entry['method']} {entry['path']} ({entry['operationId'] or 'no such operation'}) -> {entry['status']}")
        for problem in entry["violations"]:  # type: ignore[attr-defined]
            lines.append(f"      {problem['field'] or '(body)'}: {problem['message']}")
    lines.append("(strict mode: set biway_strict = false, or mark the test @pytest.mark.biway(strict=False))")
    return "\n".join(lines)
