"""Rcs: testers invited to an agent."""

from typing import Any

from ..platform import Caller, Platform


def messenger_rcs_tester_post(platform: Platform, caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return platform.invite_tester(caller, body), 201


def messenger_rcs_tester_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "tester", limit, cursor).as_body(), 200


def messenger_rcs_tester_get(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "tester", id), 200
