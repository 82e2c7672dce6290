"""Copies: SQLite builds many from the first one; each must read as Python encodes a few."""

import sqlite3

import pytest

from mock_server import store as store_module
from mock_server.copies import Copies
from mock_server.ids import IdBlock
from mock_server.store import Event, Job, Record, SqliteStore

VALUES = ["+33600000000", 'quote " and \\ backslash', "\u00e9t\u00e9 \U0001f600 \n", "+33600000003"]


def copies_of_a_message(values: list[str]) -> Copies:
    ids, event_ids = IdBlock("message", len(values)), IdBlock("event", len(values))
    first = Record("message", ids[0], "acc_1", {"id": ids[0], "status": "accepted", "recipient": values[0],
                                                "text": "Crème brûlée", "broadcastId": "brd_1"}, parent="brd_1")
    event = Event(event_ids[0], "MESSENGER_REPORT", "acc_1", ids[0],
                  {"eventId": event_ids[0], "resource": {"type": "message", "id": ids[0]}, "state": "accepted",
                   "data": first.data})
    return Copies(first, event, "recipient", values, ids, event_ids)


@pytest.mark.parametrize("built_by", ["python", "sqlite"])
def test_copies_read_back_as_their_records_and_events(built_by: str, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "COPIES_BUILT_BY_SQLITE", 1 if built_by == "sqlite" else len(VALUES) + 1)
    store = SqliteStore()
    copies = copies_of_a_message(VALUES)
    job = Job(1.0, [copies.ids[1]], [{"state": "sent", "after": 1, "reason": None}])
    store.insert_copies(copies, [job])

    expected = [
        {"id": id, "status": "accepted", "recipient": value, "text": "Crème brûlée", "broadcastId": "brd_1"}
        for id, value in zip(copies.ids, VALUES, strict=True)
    ]
    assert [copies.data(i) for i in range(len(VALUES))] == expected
    assert [record.data for record in copies.records()] == expected
    assert [store.get(id).data for id in copies.ids] == expected
    assert store.list_page("message", parent="brd_1").items == expected
    bodies = [{"eventId": event_id, "resource": {"type": "message", "id": id}, "state": "accepted", "data": data}
              for event_id, id, data in zip(copies.event_ids, copies.ids, expected, strict=True)]
    assert [event.body for event in copies.events()] == bodies
    assert store.events_page().items == bodies
    logged = store.undispatched_events(10)
    assert [(e.id, e.type, e.account_id, e.resource_id) for e in logged] == [
        (event_id, "MESSENGER_REPORT", "acc_1", id) for event_id, id in zip(copies.event_ids, copies.ids, strict=True)]
    assert [job.resource_ids for job in store.due_jobs(2.0)] == [[copies.ids[1]]]


def test_a_failing_copy_writes_nothing(monkeypatch) -> None:
    monkeypatch.setattr(store_module, "COPIES_BUILT_BY_SQLITE", 1)
    store = SqliteStore()
    copies = copies_of_a_message(VALUES)
    store.insert([Record("message", copies.ids[2], "acc_1", {"id": copies.ids[2]})])  # the third id is taken
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        store.insert_copies(copies)
    assert store.get(copies.ids[0]) is None
    assert store.events_page().items == []


def test_an_id_block_is_consecutive_and_unique() -> None:
    block = IdBlock("message", 3)
    assert list(block) == [block[0], block[1], block[2]] == block[0:3]
    assert [int(id[-12:], 16) - block.start for id in block] == [0, 1, 2]
    assert len({*block, *IdBlock("message", 3)}) == 6
    assert all(id.startswith("msg_") and len(id) == 28 for id in block)
