"""Chatbot: agents, keyword triggers and chat tokens."""

from ..platform import Caller, Platform
from . import Answer, Body


def chatbot_agent_post(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.create_agent(caller, body), 201


def chatbot_agent_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "agent", limit, cursor).as_body(), 200


def chatbot_agent_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "agent", id), 200


def chatbot_trigger_post(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.create_trigger(caller, body), 201


def chatbot_trigger_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "trigger", limit, cursor).as_body(), 200


def chatbot_trigger_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "trigger", id), 200


def chatbot_token_post(platform: Platform, caller: Caller, body: Body, base_url: str) -> Answer:
    return platform.issue_token(caller, body, base_url), 201


def chatbot_token_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "token", limit, cursor).as_body(), 200


def chatbot_token_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "token", id), 200
