"""The write path never stalls the event loop: while another connection holds the write lock, the loop keeps
serving (a reader, a ticker) and the writer gets in as soon as the lock is released; a writer cancelled while
waiting leaves the pool usable; a failed write leaves nothing behind."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from appliance.db import migrate
from appliance.db.engine import Database
from appliance.db.inline import InlineConnection
from appliance.db.models import Lane


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    migrate.upgrade(path, tmp_path / "backups")
    return path


async def test_a_locked_database_does_not_stall_the_event_loop(db_path: Path) -> None:
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process (the command line, a checkpoint) holds the write lock
    released = threading.Event()

    def release_later() -> None:
        time.sleep(0.6)
        other.execute("COMMIT")
        released.set()

    db = Database(db_path)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while not released.is_set():
            ticks += 1
            await asyncio.sleep(0.02)

    async def writer() -> float:
        started = time.monotonic()
        # The lock goes 0,6 s after the writer asks for it, however long the test took to get here (a loaded CI box).
        threading.Thread(target=release_later).start()
        async with db.write() as s:
            s.add(Lane(code="caja-9", name="Caja 9"))
        return time.monotonic() - started

    try:
        waited, _ = await asyncio.gather(writer(), ticker())
        async with db.read() as s:  # a reader is served as usual
            assert await s.scalar(select(func.count()).select_from(Lane)) == 1
    finally:
        await db.dispose()
        other.close()
    assert waited >= 0.5  # it did wait for the lock…
    assert ticks >= 15  # …and the loop kept running meanwhile (≈ 30 ticks in 0,6 s)


async def test_a_failed_write_leaves_nothing(db_path: Path) -> None:
    db = Database(db_path)
    try:
        with pytest.raises(RuntimeError):
            async with db.write() as s:
                s.add(Lane(code="caja-8", name="Caja 8"))
                await s.flush()
                raise RuntimeError("the sale failed half-way")
        async with db.write() as s:
            assert await s.scalar(select(func.count()).select_from(Lane)) == 0
            assert (await s.execute(text("PRAGMA synchronous"))).scalar() == 2  # FULL, on the inline writer too
    finally:
        await db.dispose()


async def test_a_writer_cancelled_while_waiting_for_the_lock_leaves_the_connection_usable(db_path: Path) -> None:
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    db = Database(db_path)

    async def writer() -> None:
        async with db.write() as s:
            s.add(Lane(code="caja-7", name="Caja 7"))

    try:
        task = asyncio.create_task(writer())
        await asyncio.sleep(0.2)  # it is waiting in BEGIN IMMEDIATE on a helper thread
        task.cancel()
        threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
        with pytest.raises(asyncio.CancelledError):
            await task  # returns only once the BEGIN on the helper thread has ended
        async with db.write() as s:  # the pool's connection holds no stray lock: the next sale goes through
            s.add(Lane(code="caja-6", name="Caja 6"))
        async with db.read() as s:
            assert list(await s.scalars(select(Lane.code))) == ["caja-6"]
    finally:
        await db.dispose()
        other.close()


async def test_writers_run_inline_and_bulk_writes_on_the_worker_threads(db_path: Path) -> None:
    db = Database(db_path)
    try:
        async with db.write() as s:
            raw = (await (await s.connection()).get_raw_connection()).driver_connection
            assert isinstance(raw, InlineConnection)  # a scan's statements skip the thread hops
        async with db.write(bulk=True) as s:
            raw = (await (await s.connection()).get_raw_connection()).driver_connection
            assert not isinstance(raw, InlineConnection)  # an import of thousands of rows leaves the loop free
    finally:
        await db.dispose()


async def test_begin_waits_on_a_thread_only_when_another_process_holds_the_lock(
    db_path: Path, thread_hops: list[str]
) -> None:
    sent = thread_hops
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    db = Database(db_path)
    try:
        async with db.write() as s:
            s.add(Lane(code="caja-5", name="Caja 5"))
        assert sent == ["commit"]  # the lock was free: BEGIN ran at once, only the durable COMMIT left the loop
        sent.clear()
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
        async with db.write() as s:
            s.add(Lane(code="caja-4", name="Caja 4"))
            assert (await s.execute(text("PRAGMA busy_timeout"))).scalar() == 5000  # restored after the try
        assert sent == ["BEGIN", "commit"]  # taken: BEGIN waited for it on a thread
        async with db.read() as s:
            assert sorted(await s.scalars(select(Lane.code))) == ["caja-4", "caja-5"]
    finally:
        await db.dispose()
        other.close()


async def test_a_quick_reads_commit_stays_on_the_event_loop(db_path: Path, thread_hops: list[str]) -> None:
    db = Database(db_path)
    try:
        async with db.read(quick=True) as s:  # a search, the cart's view: nothing to sync
            assert await s.scalar(select(func.count()).select_from(Lane)) == 0
        assert thread_hops == []
        async with db.write() as s:  # a write that changed rows waits for its fsync off the loop
            s.add(Lane(code="caja-3", name="Caja 3"))
        assert thread_hops == ["commit"]
    finally:
        await db.dispose()
