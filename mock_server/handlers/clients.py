"""Clients: customers (fiches établissement)."""

from typing import Any

from ..platform import Caller, Platform


def new_customer(platform: Platform, caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return platform.create_customer(caller, body), 201


def list_customers(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "customer", limit, cursor).as_body(), 200


def get_customer(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "customer", id), 200
