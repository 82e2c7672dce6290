"""The ``biway-mock`` command."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import socket
import tempfile
from dataclasses import replace
from pathlib import Path

import click
import uvicorn
from uvicorn.supervisors import Multiprocess

from .app import LEADER_FILE, app_for_server, leader_file
from .config import Settings
from .scenario import ScenarioError
from .spec import API_FILES
from .workers import SCRATCH_PREFIX, Leadership, lead_in_thread, sweep_scratch

__all__ = ["main"]


@click.group()
@click.version_option(package_name="biway-mock")
def main() -> None:
    """biway-mock: a stateful mock of the Bi-way messaging API, and its contract harness."""


@main.command()
@click.option("--host", default=None, help="Address to listen on.  [default: 127.0.0.1]")
@click.option("--port", type=int, default=None, help="Port; 0 picks a free one.  [default: 8080]")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep state in a SQLite file there (it survives restarts); in memory without it.")
@click.option("--partner-key", default=None, help="The partner's API key.  [default: partner-test-key]")
@click.option("--spec-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Serve these spec files (account.yaml, messenger.yaml, control.yaml) instead of the bundled ones.")
@click.option("--public-url", default=None, help="The URL clients use to reach the mock (for chat URLs).")
@click.option("--clock", type=click.Choice(["realtime", "manual"]), default=None,
              help="realtime: lifecycles move on their own; manual: only when POST /_mock/clock/advance "
                   "says.  [default: realtime]")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A scenario file (test values and delays) instead of fixtures/scenarios/default.yaml.")
@click.option("--webhook-timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds a webhook consumer has to answer.  [default: 10]")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes answering requests; with more than one and no --data-dir, state is kept in "
                   "a temporary file they share.  [default: 1]")
def serve(host: str | None, port: int | None, data_dir: Path | None, partner_key: str | None,
          spec_dir: Path | None, public_url: str | None, clock: str | None, scenario: Path | None,
          webhook_timeout: float | None, workers: int | None) -> None:
    """Start the mock server."""
    settings = Settings.from_env(host=host, port=port, data_dir=data_dir, partner_key=partner_key,
                                 spec_dir=spec_dir, public_url=public_url, clock=clock, scenario=scenario,
                                 webhook_timeout=webhook_timeout, workers=workers)
    with contextlib.ExitStack() as cleanup:
        if settings.workers > 1 and settings.data_dir is None:
            # In memory, as far as the machine allows: a tmpfs where there is one.
            shared_memory = Path("/dev/shm") if os.path.isdir("/dev/shm") else Path(tempfile.gettempdir())
            sweep_scratch(shared_memory, LEADER_FILE)
            scratch = cleanup.enter_context(tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=shared_memory))
            settings = replace(settings, data_dir=Path(scratch))
        try:
            app = app_for_server(settings)  # in the parent too: a bad scenario stops here, and the file gets its tables
        except ScenarioError as exc:
            raise click.UsageError(f"bad scenario: {exc}") from exc
        # Bind first so that --port 0 can print the port it got.
        sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.host, settings.port))
        url = f"http://{settings.host}:{sock.getsockname()[1]}"
        click.echo(f"biway-mock listening on {url}")
        click.echo(f"  partner key: {settings.partner_key}")
        click.echo(f"  state: {settings.data_dir or 'in memory'}")
        click.echo(f"  clock: {settings.clock}")
        for api in API_FILES:
            click.echo(f"  docs ({api}): {url}/docs/{api}/")
        if settings.workers > 1:
            click.echo(f"  workers: {settings.workers}")
        if settings.workers == 1:
            config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
            uvicorn.Server(config).run(sockets=[sock])
            return
        # The parent answers no request: it delivers webhooks and runs due work, so that those
        # batches never hold up an answer (mock_server.workers).
        lead_in_thread(app.platform, Leadership(leader_file(settings)))
        os.environ.update(settings.as_env())
        config = uvicorn.Config("mock_server.app:app_from_env", factory=True, workers=settings.workers,
                                log_level="warning", access_log=False, lifespan="on")
        Multiprocess(config, sockets=[sock]).run()


@main.command("fuzz-webhooks")
@click.option("--target", required=True, help="The URL of your webhook consumer.")
@click.option("--secret", required=True, help="The whsec_... secret your consumer verifies with.")
@click.option("--max-examples", type=click.IntRange(min=1), default=100, show_default=True,
              help="How many generated events to try.")
@click.option("--seed", type=int, default=None, help="Hypothesis seed, to repeat a run.")
@click.option("--replay", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Send this one event (a failure's saved file) instead of generating.")
@click.option("--spec-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Generate from these spec files' callback schemas.")
def fuzz_webhooks(target: str, secret: str, max_examples: int, seed: int | None, replay: Path | None,
                  spec_dir: Path | None) -> None:
    """Fuzz your webhook consumer with signed events of every type, and forged ones."""
    from contract_tests.fuzzing import ConsumerFailure, FuzzReport, check_consumer
    from contract_tests.fuzzing import fuzz_webhooks as run_fuzz

    if replay is not None:
        report = FuzzReport(sent=1)
        try:
            check_consumer(target, secret, json.loads(replay.read_text(encoding="utf-8")))
        except ConsumerFailure as failure:
            report.failure = failure
    else:
        report = run_fuzz(target, secret, max_examples=max_examples, seed=seed, spec_dir=spec_dir)
    if report.failure is None:
        click.echo(f"passed: {report.sent} events, each signed, duplicated, forged, unsigned and stale; "
                   "the consumer kept every rule")
        return
    saved = Path.cwd() / f"biway-fuzz-{report.failure.event.get('type', 'event').lower()}.json"
    saved.write_text(json.dumps(report.failure.event, ensure_ascii=False, indent=2), encoding="utf-8")
    click.echo(f"FAILED after {report.sent} events: {report.failure.problem}", err=True)
    click.echo(f"  the event (shrunk), saved to {saved}:", err=True)
    click.echo("  " + json.dumps(report.failure.event, ensure_ascii=False), err=True)
    click.echo(f"  replay: biway-mock fuzz-webhooks --target {shlex.quote(target)} --secret {shlex.quote(secret)}"
               f" --replay {shlex.quote(str(saved))}", err=True)
    raise SystemExit(1)


@main.command()
@click.option("--base-url", required=True, help="The server to check: biway-mock, the vendor's sandbox, another fake.")
@click.option("--partner-key", required=True, help="The partner's API key (the account API).")
@click.option("--account-key", default=None,
              help="An ACTIVE sub-account's key (the messenger API); provisioned automatically on biway-mock.")
@click.option("--spec-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Check against these spec files instead of the bundled ones.")
@click.option("--max-examples", type=click.IntRange(min=1), default=20, show_default=True,
              help="Generated cases per operation and phase.")
@click.option("--seed", type=int, default=None, help="Seed, to repeat a run.")
@click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write a JUnit XML report.")
@click.option("--header", "headers", multiple=True, help="An extra header for every request, 'Name: value'.")
@click.option("--operation", "operations", multiple=True, help="Check only this operationId (repeatable).")
@click.option("--webhook-url", default=None,
              help="The URL the target must post events to, when it cannot reach this machine's loopback.")
@click.option("--deadline", type=float, default=120.0, show_default=True,
              help="Seconds to wait for each event on a target that is not biway-mock.")
@click.option("--no-flows", is_flag=True, help="Skip the lifecycle and webhook stage.")
def contract(base_url: str, partner_key: str, account_key: str | None, spec_dir: Path | None, max_examples: int,
             seed: int | None, junit: Path | None, headers: tuple[str, ...], operations: tuple[str, ...],
             webhook_url: str | None, deadline: float, no_flows: bool) -> None:
    """Check a server against the contract: Schemathesis conformance, then the guide's flows and webhooks."""
    from contract_tests.conformance import ContractOptions, run_contract

    options = ContractOptions(base_url, partner_key, account_key, spec_dir, max_examples, seed, junit, headers,
                              operations, webhook_url, deadline, not no_flows)
    if not run_contract(options, echo=click.echo):
        raise SystemExit(1)
