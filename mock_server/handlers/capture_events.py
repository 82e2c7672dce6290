"""Capture-Events: callback URLs."""

from ..platform import Caller, Platform
from . import Answer, Body


def new_callback_url(platform: Platform, caller: Caller, body: Body) -> Answer:
    registration, created = platform.register_callback(
        caller, body["url"], body.get("accountId"), body.get("rotateSecret", False))
    return registration, 201 if created else 200


def list_callback_urls(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "callback", limit, cursor).as_body(), 200


def get_callback_url(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "callback", id), 200


def delete_callback_url(platform: Platform, caller: Caller, id: str) -> Answer:
    platform.delete_callback(caller, id)
    return None, 204
