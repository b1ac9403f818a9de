"""A clean restart of the app does not make Litestream copy the whole database off-site again.

The app closes its database while Litestream still holds its own connection: so the app's close is not the last one,
SQLite leaves the WAL where Litestream left off, and the next start carries on from there. Closed the other way round,
SQLite checkpointed and deleted the WAL behind Litestream's back, and every start uploaded a snapshot of the whole
database (measured: ~85 MB for the benchmark's shop).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from litestar.testing import AsyncTestClient

from appliance.app import create_app
from appliance.backup.destination import FileDestination
from appliance.db.engine import Database
from appliance.settings import Settings
from tests.backup.support import fully_replicated, sell, use_destination, wait_for, write_bulk


def _written_since(folder: Path, moment: float) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*.ltx") if f.stat().st_mtime >= moment)


async def _run_app(shop: Settings, sales: int) -> None:
    app = create_app(shop, backup=True, migrate_on_start=False)
    async with AsyncTestClient(app) as client:
        assert (await client.get("/salud")).status_code == 200
        await sell(shop, sales)
        await wait_for(lambda: fully_replicated(shop), 60, "the replica to catch up")


async def test_a_clean_restart_carries_on_without_a_new_snapshot(shop: Settings) -> None:
    replica = shop.data_dir / "replica"
    use_destination(shop, FileDestination(replica))
    db = Database(shop.database_path)
    try:
        await write_bulk(db, 4 * 2**20)  # a database big enough that a snapshot can't pass for a few sales
    finally:
        await db.dispose()
    first = time.time()
    await _run_app(shop, 2)
    snapshot = _written_since(replica, first)
    assert snapshot > 2 * 2**20, snapshot  # the first start copies the whole database, as it must
    assert shop.database_path.with_name(shop.database_path.name + "-wal").exists()  # left for Litestream

    await asyncio.sleep(1.1)  # file times have a resolution to respect
    second = time.time()
    await _run_app(shop, 1)
    assert _written_since(replica, second) < snapshot / 20, (_written_since(replica, second), snapshot)
