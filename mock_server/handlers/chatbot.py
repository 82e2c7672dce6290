"""Chatbot: agents, keyword triggers and chat tokens."""

from typing import Any

from ..platform import Caller, Platform


def chatbot_agent_post(platform: Platform, caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return platform.create_agent(caller, body), 201


def chatbot_agent_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "agent", limit, cursor).as_body(), 200


def chatbot_agent_get(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "agent", id), 200


def chatbot_trigger_post(platform: Platform, caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return platform.create_trigger(caller, body), 201


def chatbot_trigger_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "trigger", limit, cursor).as_body(), 200


def chatbot_trigger_get(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "trigger", id), 200


def chatbot_token_post(platform: Platform, caller: Caller, body: dict[str, Any], base_url: str) -> tuple[dict[str, Any], int]:
    return platform.issue_token(caller, body, base_url), 201


def chatbot_token_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "token", limit, cursor).as_body(), 200


def chatbot_token_get(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "token", id), 200
