"""Capture-Events: callback URLs."""

from typing import Any

from ..platform import Caller, Platform


def new_callback_url(platform: Platform, caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    registration, created = platform.register_callback(
        caller, body["url"], body.get("accountId"), body.get("rotateSecret", False))
    return registration, 201 if created else 200


def list_callback_urls(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "callback", limit, cursor).as_body(), 200


def get_callback_url(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "callback", id), 200


def delete_callback_url(platform: Platform, caller: Caller, id: str) -> tuple[None, int]:
    platform.delete_callback(caller, id)
    return None, 204
