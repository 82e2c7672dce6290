"""Faults to test a client's resilience: added latency and error answers, per operationId."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from .clock import Clock
from .errors import ApiError
from .store import Store

__all__ = ["Fault", "FaultTable", "FaultInjection"]


@dataclass(frozen=True)
class Fault:
    latency_ms: int = 0
    status: int | None = None
    rate: float = 1.0
    #: How many more answers this fault may spoil (None: no end).
    remaining: int | None = None

    def as_body(self) -> dict[str, Any]:
        return {"latencyMs": self.latency_ms, "status": self.status, "rate": self.rate, "count": self.remaining}


class FaultTable:
    """The faults in force, kept in the store so that every worker process applies the same ones."""

    KEY = "faults"

    def __init__(self, store: Store, rng: random.Random | None = None) -> None:
        self._store = store
        self._rng = rng or random.Random()
        self._parsed: tuple[str | None, dict[str, Fault]] = (None, {})
        #: The operationIds faults may name (set by the app from its specs).
        self.known: frozenset[str] = frozenset()

    def _load(self, raw: str | None) -> Mapping[str, Fault]:
        """The faults a stored value describes (parsed once per value: every request reads it)."""
        if raw != self._parsed[0]:
            self._parsed = (raw, {name: Fault(**fields) for name, fields in orjson.loads(raw or "{}").items()})
        return self._parsed[1]

    @staticmethod
    def _dump(faults: Mapping[str, Fault]) -> str:
        return orjson.dumps({name: asdict(fault) for name, fault in faults.items()}).decode()

    def set(self, faults: dict[str, Fault]) -> None:
        self._store.set_meta(self.KEY, self._dump(faults))

    def clear(self) -> None:
        self.set({})

    def as_body(self) -> dict[str, Any]:
        return {name: fault.as_body() for name, fault in self._load(self._store.get_meta(self.KEY)).items()}

    def draw(self, operation_id: str) -> tuple[int, int | None]:
        """(latency in ms, error status or None) for one request to this operation."""
        fault = self._load(self._store.get_meta(self.KEY)).get(operation_id)
        if fault is None:
            return 0, None
        if fault.status is None or self._rng.random() >= fault.rate:
            return fault.latency_ms, None
        if fault.remaining is None:
            return fault.latency_ms, fault.status
        spoiled = False

        def use_one(raw: str | None) -> str:
            # Read again under the write lock: another worker may have used the last one.
            nonlocal spoiled
            faults = dict(self._load(raw))
            current = faults.get(operation_id)
            if current is None or current.remaining == 0:
                return raw or "{}"
            spoiled = True
            if current.remaining is not None:
                faults[operation_id] = replace(current, remaining=current.remaining - 1)
            return self._dump(faults)

        self._store.update_meta(self.KEY, use_one)
        return fault.latency_ms, fault.status if spoiled else None


class FaultInjection:
    """After routing (the operation is known), before auth and validation: delay, then maybe fail."""

    def __init__(self, app: ASGIApp, faults: FaultTable, clock: Clock) -> None:
        self.app = app
        self.faults = faults
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
        if scope["type"] == "http" and operation_id:
            latency_ms, status = self.faults.draw(operation_id)
            if latency_ms:
                await self.clock.sleep(latency_ms / 1000)
            if status is not None:
                raise ApiError(f"Fault injected on {operation_id} by PUT /_mock/faults.", [], status, "injected_fault")
        await self.app(scope, receive, send)
