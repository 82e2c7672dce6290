"""Submit-template: message templates."""

from typing import Any

from ..platform import Caller, Platform


def messenger_template_post(platform: Platform, caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return platform.create_template(caller, body), 201


def messenger_template_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "template", limit, cursor).as_body(), 200


def messenger_template_get(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "template", id), 200
