"""File: contacts (file entries)."""

from typing import Any

from ..platform import Caller, Platform


def file_entry_post(platform: Platform, caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return platform.create_contact(caller, body), 201


def file_entry_list(platform: Platform, caller: Caller, limit: int = 20, cursor: str | None = None) -> tuple[dict[str, Any], int]:
    return platform.list(caller, "contact", limit, cursor).as_body(), 200


def file_entry_get(platform: Platform, caller: Caller, id: str) -> tuple[dict[str, Any], int]:
    return platform.read(caller, "contact", id), 200
