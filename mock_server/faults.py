"""Faults to test a client's resilience: added latency and error answers, per operationId."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from .clock import Clock
from .errors import ApiError

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
    def __init__(self, rng: random.Random | None = None) -> None:
        self._faults: dict[str, Fault] = {}
        self._rng = rng or random.Random()
        #: The operationIds faults may name (set by the app from its specs).
        self.known: frozenset[str] = frozenset()

    def set(self, faults: dict[str, Fault]) -> None:
        self._faults = dict(faults)

    def clear(self) -> None:
        self._faults.clear()

    def as_body(self) -> dict[str, Any]:
        return {operation_id: fault.as_body() for operation_id, fault in self._faults.items()}

    def draw(self, operation_id: str) -> tuple[int, int | None]:
        """(latency in ms, error status or None) for one request to this operation."""
        fault = self._faults.get(operation_id)
        if fault is None:
            return 0, None
        spoil = fault.status is not None and fault.remaining != 0 and self._rng.random() < fault.rate
        if spoil and fault.remaining is not None:
            self._faults[operation_id] = replace(fault, remaining=fault.remaining - 1)
        return fault.latency_ms, fault.status if spoil else None


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
