"""Chat: the page a chat token's URL opens (the end user's side)."""

from html import escape
from typing import Any

from ..errors import NotFound
from ..platform import Platform

_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
.bubble{{background:#eef;border-radius:1rem;padding:.75rem 1rem;margin:.5rem 0}}</style></head>
<body><h1>{title}</h1>{body}<p><small>biway-mock · {note}</small></p></body></html>"""

_HTML = {"Content-Type": "text/html"}
_JSON = {"Content-Type": "application/json"}


def open_chat(platform: Platform, token: str, wants_html: bool) -> tuple[Any, int, dict[str, str]]:
    try:
        chat = platform.open_chat(token)
    except NotFound as exc:
        if not wants_html:
            raise
        page = _PAGE.format(title="Lien expiré ou inconnu", body=f"<p>{escape(exc.message)}</p>", note="404")
        return page, 404, _HTML
    if not wants_html:
        return chat, 200, _JSON
    return _page(chat), 200, _HTML


def _page(chat: dict[str, Any]) -> str:
    contact = chat["contact"] or {}
    agent = chat["agent"] or {}
    name = escape(contact.get("firstName") or contact.get("phone") or "")
    title = escape(agent.get("name") or "Chat")
    body = f'<div class="bubble">Bonjour {name}, comment pouvons-nous vous aider ?</div>'
    return _PAGE.format(title=title, body=body, note=f"token {escape(chat['token']['status'])}")
