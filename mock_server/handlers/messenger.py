"""Messenger: messages to one recipient, a conversation (2-20) or a broadcast (up to 100,000)."""

from ..platform import Caller, Platform
from . import Answer, Body


def messenger_submit_post(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.submit_message(caller, body), 201


def messenger_submit_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "message", limit, cursor).as_body(), 200


def messenger_submit_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "message", id), 200


def messenger_broadcast_post(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.broadcast(caller, body), 201


def messenger_broadcast_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "broadcast", limit, cursor).as_body(), 200


def messenger_broadcast_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "broadcast", id), 200


def messenger_broadcast_messages(platform: Platform, caller: Caller, id: str, limit: int = 20,
                                 cursor: str | None = None) -> Answer:
    return platform.list_children(caller, "broadcast", id, "message", limit, cursor).as_body(), 200


def messenger_conversation_post(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.start_conversation(caller, body), 201


def messenger_conversation_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "conversation", limit, cursor).as_body(), 200


def messenger_conversation_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "conversation", id), 200
