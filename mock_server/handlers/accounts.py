"""Accounts: sub-accounts."""

from ..platform import Caller, Platform
from . import Answer, Body


def new_account(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.create_account(caller, body), 201


def list_accounts(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "account", limit, cursor).as_body(), 200


def get_account(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "account", id), 200
