"""Submit-template: message templates."""

from ..platform import Caller, Platform
from . import Answer, Body


def messenger_template_post(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.create_template(caller, body), 201


def messenger_template_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "template", limit, cursor).as_body(), 200


def messenger_template_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "template", id), 200
