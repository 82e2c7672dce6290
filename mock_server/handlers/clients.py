"""Clients: customers (fiches établissement)."""

from ..platform import Caller, Platform
from . import Answer, Body


def new_customer(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.create_customer(caller, body), 201


def list_customers(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "customer", limit, cursor).as_body(), 200


def get_customer(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "customer", id), 200
