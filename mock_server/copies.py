"""Resources alike but for their id and one field: a broadcast's messages.

A broadcast's 100,000 messages differ only in their id and recipient, and so do their
creation events. Encoding them row by row in Python took as long as SQLite took to store
them; SQLite builds them from the first one instead (:meth:`Copies.sql`), in one statement
for the resources and one for the events. A few copies (a submit, a conversation) are cheaper
to encode in Python (:meth:`Copies.records`, :meth:`Copies.events`): both follow the same
:meth:`Copies.differences`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from .ids import IdBlock
from .store import Event, Record

__all__ = ["Copies", "CopySql"]

#: A place in a JSON document: the keys leading to it.
Path = tuple[str, ...]


class CopySql(NamedTuple):
    """SQL expressions of one copy: its id, its event's id, its data and its event's body (JSON)."""

    id: str
    event_id: str
    data: str
    body: str


@dataclass(frozen=True)
class Copies:
    """``record`` and its creation ``event``, copied once per value of ``field``.

    The first copy is ``record`` and ``event`` themselves: ``ids``, ``event_ids`` and ``values``
    start with theirs. The event's body is the spec's envelope: ``eventId``, ``resource.id``,
    and the resource's representation as ``data``.
    """

    record: Record
    event: Event
    field: str
    values: Sequence[str]
    ids: IdBlock
    event_ids: IdBlock

    def differences(self) -> tuple[dict[Path, str], dict[Path, str]]:
        """Where a copy differs from the first, in the resource and in the event's body: its
        ``id``, its ``event_id`` or its ``value``."""
        return ({("id",): "id", (self.field,): "value"},
                {("eventId",): "event_id", ("resource", "id"): "id", ("data", "id"): "id", ("data", self.field): "value"})

    def data(self, index: int) -> dict[str, Any]:
        """The representation of copy ``index``."""
        if index == 0:
            return self.record.data
        in_data, _ = self.differences()
        return _filled(self.record.data, in_data, self._own(index))

    def records(self) -> Iterator[Record]:
        record = self.record
        yield record
        for index in range(1, len(self.values)):
            yield Record(record.kind, self.ids[index], record.owner, self.data(index), record.key, record.parent)

    def events(self) -> Iterator[Event]:
        event = self.event
        yield event
        _, in_body = self.differences()
        for index in range(1, len(self.values)):
            body = _filled(event.body, in_body, self._own(index))
            yield Event(self.event_ids[index], event.type, event.account_id, self.ids[index], body)

    def sql(self, row: str) -> tuple[CopySql, dict[str, Any]]:
        """The SQL expressions of the copy in ``row``, a row of ``json_each(:values)``, and
        their parameters, ``:values`` (the values as a JSON array) included.

        The constant text of the data and the body is encoded once, in pieces: SQLite then only
        concatenates per row, where ``json_set`` parsed and re-encoded the whole document each
        time (half the time). The SQL is put together from our own expressions only; every
        value is a parameter.
        """
        id, id_params = self.ids.sql(f"{row}.key", "id")
        event_id, event_id_params = self.event_ids.sql(f"{row}.key", "event_id")
        own = {"id": f"json_quote({id})", "event_id": f"json_quote({event_id})", "value": f"json_quote({row}.value)"}
        in_data, in_body = self.differences()
        data, data_params = _spliced("data", self.record.data, {path: own[name] for path, name in in_data.items()})
        body, body_params = _spliced("body", self.event.body, {path: own[name] for path, name in in_body.items()})
        return CopySql(id, event_id, data, body), {**id_params, **event_id_params, **data_params, **body_params,
                                                   "values": orjson.dumps(self.values)}

    def _own(self, index: int) -> dict[str, str]:
        return {"id": self.ids[index], "event_id": self.event_ids[index], "value": self.values[index]}


def _filled(document: dict[str, Any], places: dict[Path, str], own: dict[str, str]) -> dict[str, Any]:
    for path, name in places.items():
        document = _with(document, path, own[name])
    return document


def _with(document: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with ``value`` at ``path``."""
    head, *rest = path
    return {**document, head: _with(document[head], tuple(rest), value) if rest else value}


def _spliced(name: str, document: dict[str, Any], holes: dict[Path, str]) -> tuple[str, dict[str, str]]:
    """An SQL expression for ``document`` as JSON with, at each path of ``holes``, the JSON its
    SQL expression gives; and the expression's parameters (``name0``, ``name1``...)."""
    mark = secrets.token_hex(8)
    for number, path in enumerate(holes):
        document = _with(document, path, f"{mark}:{number}")
    first, *rest = orjson.dumps(document).decode().split(f'"{mark}:')
    assert len(rest) == len(holes), "each path of a hole is in the document once"
    expressions = list(holes.values())
    sql, params = [f":{name}0"], {f"{name}0": first}
    for index, piece in enumerate(rest, 1):
        hole, text = piece.split('"', 1)
        sql += [expressions[int(hole)], f":{name}{index}"]
        params[f"{name}{index}"] = text
    return " || ".join(sql), params
