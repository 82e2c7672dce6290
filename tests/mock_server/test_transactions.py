"""Group commit and the write lock (mock_server/transactions.py), through the store that uses them."""

import sqlite3

import pytest

from mock_server.store import Record, SqliteStore


def record(id: str) -> Record:
    return Record("agent", id, "acc_1", {"id": id, "status": "PENDING_VERIFICATION"})


def test_writes_of_one_loop_iteration_commit_together_and_fail_alone(tmp_path) -> None:
    """Group commit: inside the event loop, units share a commit at the next iteration; a unit
    that fails rolls back alone; durable() returns once the writes are committed."""
    import asyncio

    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path)
    other = sqlite3.connect(path)  # another reader: sees committed rows only

    def committed() -> list[str]:
        return [id for (id,) in other.execute("SELECT id FROM resources ORDER BY seq")]

    async def one_iteration() -> None:
        store.insert([record("agt_1")])
        with pytest.raises(sqlite3.IntegrityError):
            store.insert([record("agt_2"), record("agt_1")])  # a duplicate id: this unit fails
        store.insert([record("agt_3")])
        assert committed() == []  # not yet: the commit comes at the next iteration
        await store.durable()
        assert committed() == ["agt_1", "agt_3"]

    asyncio.run(one_iteration())
    store.insert([record("agt_4")])  # no running loop: committed at once
    assert committed() == ["agt_1", "agt_3", "agt_4"]


def test_a_shared_store_groups_only_after_taking_the_lock_without_blocking(tmp_path) -> None:
    """Other processes share the file: a unit that takes the lock itself commits at once; after
    ready_to_write() (which polls a busy lock instead of blocking the loop) the writes of the
    loop iteration share one commit, and the lock is held until it."""
    import asyncio

    from mock_server.transactions import WriteLock

    path = tmp_path / "s.sqlite3"
    store = SqliteStore(path, shared=True)
    other = sqlite3.connect(path)
    another_process = WriteLock(path.with_name(path.name + ".lock"))  # its own open file: another holder

    def count() -> int:
        return other.execute("SELECT COUNT(*) FROM resources").fetchone()[0]

    async def write() -> None:
        store.insert([record("agt_1")])
        assert count() == 1  # committed at once

        async def request() -> tuple[int, bool]:
            await store.ready_to_write()
            store.insert([record("agt_2")])
            store.insert([record("agt_3")])
            return count(), another_process.try_enter()

        assert another_process.try_enter()  # another process holds the lock
        waiting = asyncio.create_task(request())
        await asyncio.sleep(0.01)  # the loop goes on meanwhile
        assert not waiting.done()
        another_process.__exit__()
        assert await waiting == (1, False)  # grouped (nothing committed yet), under our lock
        await store.durable()
        assert count() == 3 and another_process.try_enter()
        another_process.__exit__()

    asyncio.run(write())
