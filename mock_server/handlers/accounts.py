"""Accounts: sub-accounts."""

from typing import Any

from ..platform import Caller, Platform


def new_account(platform: Platform, caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return platform.create_account(caller, body), 201


def list_accounts(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "account", limit, cursor).as_body(), 200


def get_account(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "account", id), 200
