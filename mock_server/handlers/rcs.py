"""Rcs: testers invited to an agent."""

from ..platform import Caller, Platform
from . import Answer, Body


def messenger_rcs_tester_post(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.invite_tester(caller, body), 201


def messenger_rcs_tester_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "tester", limit, cursor).as_body(), 200


def messenger_rcs_tester_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "tester", id), 200
