"""Settings: defaults, then ``BIWAY_*`` environment variables, then explicit overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .clock import ClockMode

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    #: Where the SQLite file lives; None keeps state in memory.
    data_dir: Path | None = None
    partner_key: str = "partner-test-key"
    #: The partner's account id, as events and callback registrations name it.
    partner_id: str = "partner"
    #: A folder with account.yaml, messenger.yaml and control.yaml; None uses the bundled ones.
    spec_dir: Path | None = None
    #: Bodies larger than this answer 413 (a 100,000-recipient broadcast is about 1.6 MB).
    max_body_bytes: int = 8 * 1024 * 1024
    #: The URL clients reach the mock at (chat URLs are built on it); None: from each request.
    public_url: str | None = None
    #: ``realtime``: lifecycles move on their own; ``manual``: only when the control API advances the clock.
    clock: ClockMode = "realtime"
    #: A scenario file (test values, delays); None uses fixtures/scenarios/default.yaml.
    scenario: Path | None = None
    #: Seconds a webhook consumer has to answer before the attempt counts as failed.
    webhook_timeout: float = 10.0
    #: Deliveries in flight at once.
    webhook_concurrency: int = 64
    #: Worker processes answering requests; with more than one, state is always in a file.
    workers: int = 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = source.get(f"BIWAY_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _convert(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    def as_env(self) -> dict[str, str]:
        """The ``BIWAY_*`` variables that give these settings back (for worker processes)."""
        return {f"BIWAY_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)
                if getattr(self, f.name) is not None}


def _convert(name: str, raw: str) -> Any:
    if name in ("port", "max_body_bytes", "webhook_concurrency", "workers"):
        return int(raw)
    if name == "webhook_timeout":
        return float(raw)
    if name in ("data_dir", "spec_dir", "scenario"):
        return Path(raw)
    return raw
