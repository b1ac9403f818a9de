"""The server's commits never checkpoint the WAL; a background checkpointer does, off the event loop, and keeps the
WAL bounded. Other handles (the command line, imports) keep SQLite's own checkpoint in the commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from appliance.db import migrate
from appliance.db.engine import AUTOCHECKPOINT_PAGES, Database

PAGE = 4096
FRAME = PAGE + 24  # a WAL frame: its header and one page


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite"
    migrate.upgrade(path, tmp_path / "backups")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)")
    return path


async def _write_pages(db: Database, transactions: int, pages_each: int = 25) -> None:
    for _ in range(transactions):
        async with db.write() as s:
            await s.execute(text("INSERT INTO filler (body) VALUES (randomblob(:n))"), {"n": pages_each * PAGE})


def _wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_server_commits_leave_the_wal_to_the_background_checkpointer(db_path: Path) -> None:
    db = Database(db_path, background_checkpoints=True)
    try:
        assert db.checkpointer is not None
        async with db.read() as s:
            assert await s.scalar(text("PRAGMA wal_autocheckpoint")) == 0
        assert await db.checkpointer.run_once() is None  # nothing written yet: nothing to do

        await _write_pages(db, 60)  # ~1.500 pages: SQLite's own would have checkpointed in a commit at 1.000
        assert _wal_bytes(db_path) > 1400 * FRAME

        result = await db.checkpointer.run_once()
        assert result is not None and not result.busy
        assert result.wal_frames > 1400 and result.copied_frames == result.wal_frames
        assert await db.checkpointer.run_once() is None  # no write since

        # Everything was copied, so the next writer starts the WAL again from its beginning: it stays bounded.
        size = _wal_bytes(db_path)
        await _write_pages(db, 1, pages_each=1)
        result = await db.checkpointer.run_once()
        assert result is not None and result.wal_frames < 10
        assert _wal_bytes(db_path) == size
        with sqlite3.connect(db_path) as conn:  # and the data is all there
            assert conn.execute("SELECT count(*) FROM filler").fetchone() == (61,)
    finally:
        await db.dispose()


async def test_a_reader_holding_old_frames_never_blocks_the_checkpoint_or_the_writers(db_path: Path) -> None:
    """Litestream holds a read transaction while it copies the WAL: a PASSIVE checkpoint copies what it can and
    leaves the rest for the next round, and writers carry on meanwhile."""
    db = Database(db_path, background_checkpoints=True)
    reader = sqlite3.connect(db_path, isolation_level=None)
    try:
        assert db.checkpointer is not None
        await _write_pages(db, 4)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM filler").fetchone()  # pins the WAL as it is now
        await _write_pages(db, 4)
        result = await db.checkpointer.run_once()
        assert result is not None and not result.busy
        assert 0 < result.copied_frames < result.wal_frames
        await _write_pages(db, 2)  # writers are not held up by the pinned frames
        reader.execute("COMMIT")
        result = await db.checkpointer.run_once()
        assert result is not None and result.copied_frames == result.wal_frames
    finally:
        reader.close()
        await db.dispose()


async def test_the_background_checkpointer_runs_on_its_own_and_stops_with_the_handle(db_path: Path) -> None:
    db = Database(db_path, background_checkpoints=True)
    assert db.checkpointer is not None
    db.checkpointer.interval = 0.05
    db.start()
    try:
        await _write_pages(db, 10)
        for _ in range(200):  # a round after the last write, which copied everything
            last = db.checkpointer.last
            if last is not None and not db.checkpointer._written and last.copied_frames == last.wal_frames > 0:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"no checkpoint ran: {db.checkpointer.last}")
    finally:
        await db.dispose()
    assert db.checkpointer._task is None


async def test_other_handles_keep_sqlites_checkpoint_in_the_commit(db_path: Path) -> None:
    db = Database(db_path)
    try:
        assert db.checkpointer is None
        async with db.read() as s:
            assert await s.scalar(text("PRAGMA wal_autocheckpoint")) == AUTOCHECKPOINT_PAGES
        await _write_pages(db, 60)
        assert _wal_bytes(db_path) < (AUTOCHECKPOINT_PAGES + 60) * FRAME
    finally:
        await db.dispose()
