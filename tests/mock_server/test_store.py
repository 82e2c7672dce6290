import sqlite3

import pytest

from mock_server.errors import BadRequest
from mock_server.store import Event, Record, SqliteStore


def record(id: str, owner: str = "acc_1", kind: str = "agent", **kw) -> Record:
    return Record(kind, id, owner, {"id": id, "status": "PENDING_VERIFICATION"}, **kw)


def test_insert_get_and_page(tmp_path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.insert([record(f"agt_{i}") for i in range(5)] + [record("agt_x", owner="acc_2")])
    assert store.get("agt_3").data["id"] == "agt_3"
    first = store.list_page("agent", owner="acc_1", limit=2)
    second = store.list_page("agent", owner="acc_1", limit=2, cursor=first.next_cursor)
    third = store.list_page("agent", owner="acc_1", limit=2, cursor=second.next_cursor)
    assert [i["id"] for i in first.items + second.items + third.items] == [f"agt_{i}" for i in range(5)]
    assert third.next_cursor is None
    with pytest.raises(BadRequest):
        store.list_page("agent", cursor="not-a-cursor")


def test_a_state_change_and_its_events_are_written_together() -> None:
    store = SqliteStore()
    event = Event("evt_1", "AGENT_STATUS", "acc_1", "agt_1", {"eventId": "evt_1"})
    store.insert([record("agt_1")], [event])
    broken = Event("evt_2", "AGENT_STATUS", "acc_1", "agt_2", {"eventId": object()})
    with pytest.raises(TypeError):
        store.insert([record("agt_2")], [broken])  # the event cannot be written: neither is the agent
    assert store.get("agt_2") is None
    assert [e["eventId"] for e in store.events_page().items] == ["evt_1"]


def test_unique_keys_per_owner_and_reset() -> None:
    store = SqliteStore()
    store.insert([record("tpl_1", kind="template", key="promo")])
    store.insert([record("tpl_2", kind="template", key="promo", owner="acc_2")])
    assert store.find("template", "promo", owner="acc_2").id == "tpl_2"
    with pytest.raises(sqlite3.IntegrityError):
        store.insert([record("tpl_3", kind="template", key="promo")])
    store.reset()
    assert store.get("tpl_1") is None and store.events_page().items == []


def test_state_survives_reopening_the_file(tmp_path) -> None:
    SqliteStore(tmp_path / "s.sqlite3").insert([record("agt_1")])
    assert SqliteStore(tmp_path / "s.sqlite3").get("agt_1") is not None
