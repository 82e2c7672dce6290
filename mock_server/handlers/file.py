"""File: contacts (file entries)."""

from ..platform import Caller, Platform
from . import Answer, Body


def file_entry_post(platform: Platform, caller: Caller, body: Body) -> Answer:
    return platform.create_contact(caller, body), 201


def file_entry_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> Answer:
    return platform.list_resources(caller, "contact", limit, cursor).as_body(), 200


def file_entry_get(platform: Platform, caller: Caller, id: str) -> Answer:
    return platform.read(caller, "contact", id), 200
