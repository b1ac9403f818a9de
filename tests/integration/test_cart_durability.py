"""A cart change commits without waiting for the disk; everything else waits for it.

The scan's budget is a few milliseconds and an fdatasync alone can take tens when Litestream and the receipts write
to the same disk. A cart change commits with synchronous=NORMAL, inline on the event loop: it survives a crash of
the app (shown here with SIGKILL), and the background checkpointer puts it on disk within a second; a sale, a
fiado abono or a supervisor's decision commits with synchronous=FULL, its fsync on a worker thread.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Lane
from appliance.db.raw import raw
from appliance.sales import cart
from tests.support import migrated_database

ROOT = Path(__file__).resolve().parents[2]
CODE = "7801234500013"
NORMAL, FULL = 1, 2  # PRAGMA synchronous's answers


@pytest.fixture
async def path(tmp_path: Path) -> AsyncIterator[Path]:
    database = migrated_database(tmp_path)
    async with database.write() as s:
        await catalog.create(
            s, parse_product({"code": "Y1", "name": "Yogur", "price": "790", "barcodes": CODE}), user_id=None
        )
        s.add(Lane(code="caja-1", name="Caja 1"))
    await database.dispose()
    yield database.path


async def _synchronous(db: Database, *, durable: bool) -> int:
    """Scan once; the level the scan's transaction ran with. Plain SQL only, as at the counter (db/writer.py)."""
    async with db.write(durable=durable) as s:
        await cart.add_scan(s, 1, CODE)
        row = await (await raw(s)).one("PRAGMA synchronous")
        assert row is not None and not s.in_transaction()
        return int(row[0])


async def test_cart_changes_commit_with_normal_and_everything_else_with_full(path: Path) -> None:
    db = Database(path, background_checkpoints=True)
    try:
        # The writer's one connection serves both, in any order: each write gets its own level.
        assert await _synchronous(db, durable=True) == FULL
        assert await _synchronous(db, durable=False) == NORMAL
        assert await _synchronous(db, durable=False) == NORMAL
        assert await _synchronous(db, durable=True) == FULL
        assert await _synchronous(db, durable=False) == NORMAL
        async with db.write(bulk=True) as s:  # an import: durable, on the threaded engine
            assert await s.scalar(text("PRAGMA synchronous")) == FULL
    finally:
        await db.dispose()


async def test_the_servers_cart_commit_runs_inline_and_a_sale_waits_on_a_thread(
    path: Path, thread_hops: list[str]
) -> None:
    db = Database(path, background_checkpoints=True)
    try:
        await _synchronous(db, durable=False)
        assert thread_hops == []  # nothing to wait for: no fsync, no checkpoint in the commit
        await _synchronous(db, durable=True)
        assert thread_hops == ["commit"]  # the fsync, off the event loop
    finally:
        await db.dispose()


async def test_elsewhere_a_cart_commit_may_checkpoint_so_it_still_goes_to_a_thread(
    path: Path, thread_hops: list[str]
) -> None:
    db = Database(path)  # the command line's, a test's: SQLite checkpoints inside the commit that fills the WAL
    try:
        assert await _synchronous(db, durable=False) == NORMAL
        assert thread_hops == ["commit"]
    finally:
        await db.dispose()


async def test_the_checkpointer_syncs_the_wal_after_cart_changes_and_not_otherwise(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    fdatasync = os.fdatasync

    def recording(fd: int) -> None:
        synced.append(os.fstat(fd).st_ino)
        fdatasync(fd)

    monkeypatch.setattr(os, "fdatasync", recording)
    db = Database(path, background_checkpoints=True)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    wal = path.with_name(path.name + "-wal")
    try:
        assert await checkpointer.sync_once() is False  # nothing written

        await _synchronous(db, durable=False)
        assert checkpointer.unsynced
        assert await checkpointer.sync_once() is True
        assert synced == [wal.stat().st_ino] and not checkpointer.unsynced

        # A durable commit's own fsync covers the cart changes written before it: no extra sync.
        await _synchronous(db, durable=False)
        await _synchronous(db, durable=True)
        assert not checkpointer.unsynced
        assert await checkpointer.sync_once() is False
        assert len(synced) == 1

        # Running on its own, it syncs within its interval.
        checkpointer.sync_interval = 0.05
        db.start()
        await _synchronous(db, durable=False)
        for _ in range(100):
            if checkpointer.wal_syncs >= 2:
                break
            await asyncio.sleep(0.02)
        assert checkpointer.wal_syncs == 2 and synced[-1] == wal.stat().st_ino
    finally:
        await db.dispose()


def _spawn_writer(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.cart_writer", str(path), CODE],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


async def test_a_scan_the_tablet_was_told_of_survives_the_app_being_killed(path: Path) -> None:
    writer = _spawn_writer(path)
    try:
        assert writer.stdout is not None
        assert (await asyncio.to_thread(writer.stdout.readline)).strip() == "READY"
        acked = 0
        while acked < 200:
            acked = int((await asyncio.to_thread(writer.stdout.readline)).split()[1])
        os.kill(writer.pid, signal.SIGKILL)  # nothing gets to flush or close
        for line in (await asyncio.to_thread(writer.stdout.read)).splitlines():
            acked = int(line.split()[1])  # acknowledged before it died
    finally:
        writer.kill()
        writer.wait()
    with sqlite3.connect(path) as conn:
        (quantity,) = conn.execute(
            "SELECT sum(l.quantity) FROM cart_lines l JOIN carts c ON c.id = l.cart_id WHERE c.lane_id = 1"
        ).fetchone()
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # Every acknowledged scan is in the cart; at most the one in flight at the kill is there too.
    assert quantity // 1000 in (acked, acked + 1), (quantity, acked)
