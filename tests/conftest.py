"""Fixtures shared by the project's tests (helpers are in ``support.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from support import Api, RunningServer, start_server

from contract_tests import WebhookReceiver


@pytest.fixture(scope="session")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., RunningServer]]:
    """Start extra servers (cwd outside the checkout); all are stopped at the end."""
    started: list[RunningServer] = []

    def _launch(*args: str) -> RunningServer:
        server = start_server(*args, cwd=tmp_path_factory.mktemp("cwd"))
        started.append(server)
        return server

    yield _launch
    for server in started:
        server.stop(kill=True)


@pytest.fixture(scope="session")
def server(launch: Callable[..., RunningServer]) -> RunningServer:
    """The shared server: manual clock, so nothing moves unless a test advances it."""
    return launch("--clock", "manual")


@pytest.fixture
def api(server: RunningServer) -> Api:
    """A client of the shared server, whose state is reset for each test."""
    client = Api(server.url)
    assert client.post("/_mock/reset", key=None).status_code == 204
    return client


@pytest.fixture
def account(api: Api) -> dict[str, Any]:
    return api.active_account()


@pytest.fixture
def messenger(api: Api, account: dict[str, Any]) -> Callable[..., requests.Response]:
    """Call the messenger API with the ACTIVE sub-account's key: ``messenger("POST", path, json=...)``."""
    def call(method: str, path: str, **kwargs: Any) -> requests.Response:
        return api.request(method, path, key=account["apiKey"], **kwargs)
    return call


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook consumer on a free loopback port (the plugin's own, dogfooded)."""
    consumer = WebhookReceiver()
    yield consumer
    consumer.close()
