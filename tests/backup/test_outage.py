"""The object store goes away while the shop sells: the status says so, the WAL stays bounded, and when the store
returns the replica catches up and a restore equals the source.

The outage lasts OUTAGE seconds instead of a minute. Litestream's behaviour does not depend on the length beyond its
S3 client's retry backoff, which grows to a cap of about 20 s (measured: retries after 1, 2, 1.5, 7, 13, 20, 20 … s)
and never gives up; so a minute-long outage differs only by up to 20 s more before the catch-up starts, and the test
allows 60 s for it. The status thresholds are scaled the same way (pending after 3 s instead of 60 s).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from appliance.backup import health
from appliance.backup.health import Monitor
from appliance.backup.restore import restore
from appliance.backup.supervisor import Supervisor
from appliance.db.engine import Database
from appliance.settings import Settings
from tests.backup.conftest import start_supervisor
from tests.backup.support import (
    KEYS,
    Moto,
    Proxy,
    checksums,
    folder_bytes,
    fully_replicated,
    sell,
    sell_one,
    use_destination,
    wait_for,
    wal_bytes,
    write_bulk,
)

OUTAGE = 10.0
# Beside each sale, incompressible bytes, so the outage moves real volume: at least VOLUME in all, at most
# BULK per PACE seconds (a steady rate, so the bound below does not depend on how fast this machine is).
BULK = 1024 * 1024
VOLUME = 48 * 1024 * 1024
PACE = 0.3
# Checkpoints start at 1000 pages (4 MiB); between two of them at most one sync cycle of writes piles up.
WAL_BOUND = 16 * 1024 * 1024


async def _started_up(moto: Moto) -> bool:
    levels = {key.split("/")[1] for key in await asyncio.to_thread(moto.keys_in, "caja-1/")}
    return {"0001", "0009"} <= levels


def _record(test_output: Path, key: str, value: dict[str, object]) -> None:
    path = test_output / "backup-figures.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[key] = value
    path.write_text(json.dumps(figures, indent=2))


async def test_store_outage_while_selling(
    shop: Settings, moto: Moto, tmp_path: Path, test_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    use_destination(shop, moto.destination("caja-1"))
    supervisor = await start_supervisor(shop)
    monitor = Monitor(shop, poll=0.3, pending_after=3.0, confirm_every=1.0, grace=1.0)
    meta = shop.data_dir / ".minimarket.sqlite-litestream"
    db = Database(shop.database_path)
    try:
        await sell(shop, 5)
        await wait_for(lambda: fully_replicated(shop), 30, "the replica to catch up")
        assert (await monitor.check()).level == health.OK
        # Steady state first: Litestream's start-up work (its first snapshot, level 9, and first compaction, level 1)
        # reads the database under SQLite's read lock while it uploads, so a store lost in the middle of it pins the
        # WAL until the store returns. That is the boot case (the next test); this one is an outage while selling.
        await wait_for(lambda: _started_up(moto), 60, "Litestream's first snapshot and compaction")

        monitor.start()  # in the background, as in the app: its checks wait on Litestream, the sales do not
        moto.stop()
        levels, wal_max, meta_max, sold, written = [], 0, 0, 0, 0
        started = time.monotonic()
        while time.monotonic() - started < OUTAGE or written < VOLUME:
            tick = time.monotonic()
            await sell_one(db, shop)
            sold += 1
            written += await write_bulk(db, BULK)
            wal_max = max(wal_max, wal_bytes(shop))
            meta_max = max(meta_max, await asyncio.to_thread(folder_bytes, meta))
            levels.append(monitor.status)
            await asyncio.sleep(max(0.01, PACE - (time.monotonic() - tick)))
        outage = time.monotonic() - started
        await monitor.stop()
        during = await monitor.check()
        assert during.level == health.PENDING and during.title == "respaldo pendiente", during
        assert "sin conexión" in during.detail and "sigue vendiendo" in during.detail
        assert during.lag_seconds is not None and during.lag_seconds > 3 and during.pending_changes > 0
        assert levels[0].level == health.OK  # "pendiente" only once the lag passed the threshold

        moto.start()

        async def caught_up() -> bool:
            return await fully_replicated(shop) and (await monitor.check()).level == health.OK

        await wait_for(caught_up, 60, "the replica to catch up after the outage", every=0.5)
        recovered_in = time.monotonic() - started - outage
    finally:
        await db.dispose()
        await supervisor.stop()
    assert supervisor.state.restarts == 0  # Litestream rode the outage out; nobody had to restart it

    new_box = Settings.load(tmp_path / "caja-nueva")
    report = await restore(new_box, moto.destination("caja-1"), keys=KEYS)
    assert report.integrity == "ok" and report.sales == 5 + sold
    assert checksums(new_box.database_path) == checksums(shop.database_path)

    # The WAL did not grow with the outage: Litestream kept checkpointing and queued the changes as LTX files.
    assert wal_max < WAL_BOUND < written / 2.5, (wal_max, written)
    _record(
        test_output,
        "outage",
        {
            "seconds": round(outage, 1),
            "sales": sold,
            "bytes_written": written,
            "wal_max_bytes": wal_max,
            "ltx_queue_max_bytes": meta_max,
            "caught_up_after_s": round(recovered_in, 1),
        },
    )
    with capsys.disabled():
        print(
            f"\noutage {outage:.0f} s, {sold} sales + {written / 2**20:.0f} MiB of other writes: WAL peaked at "
            f"{wal_max / 2**20:.1f} MiB, local LTX queue at {meta_max / 2**20:.1f} MiB; "
            f"caught up {recovered_in:.1f} s after the store returned"
        )


async def test_boot_without_a_working_destination_keeps_selling_with_a_bounded_wal(
    shop: Settings, moto: Moto, tmp_path: Path, test_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Litestream 0.5 checks the replica when it opens the database and, while nothing answers, holds SQLite's read
    lock: alone, the WAL would grow with every sale. The supervisor gives it `init_timeout`, then lets go."""
    proxy = Proxy(moto.port)
    await proxy.start()
    proxy.set_mode("blackhole")  # connections accepted, nothing ever answered: the worst kind of "no internet"
    dest = moto.destination("caja-1")
    use_destination(shop, type(dest)(dest.bucket, dest.path, proxy.endpoint, dest.region, force_path_style=True))
    supervisor = Supervisor(shop, poll=0.2, init_timeout=2.0, max_backoff=1.0)
    assert await supervisor.start()
    monitor = Monitor(shop, poll=0.3, pending_after=3.0, confirm_every=1.0, grace=1.0)
    db = Database(shop.database_path)
    try:
        wal_max, sold, written = 0, 0, 0
        started = time.monotonic()
        while time.monotonic() - started < 10 or written < VOLUME:
            tick = time.monotonic()
            await sell_one(db, shop)
            sold += 1
            written += await write_bulk(db, BULK)
            wal_max = max(wal_max, wal_bytes(shop))
            await asyncio.sleep(max(0.01, PACE - (time.monotonic() - tick)))
        offline = time.monotonic() - started
        status = await monitor.check()
        assert status.level == health.PENDING and "no pudo conectarse" in status.detail, status
        assert supervisor.state.restarts >= 2  # started, stuck, killed, again …

        proxy.set_mode("forward")

        async def caught_up() -> bool:
            return supervisor.state.phase == "replicando" and await fully_replicated(shop)

        await wait_for(caught_up, 60, "Litestream to start and catch up", every=0.3)
        await wait_for(lambda: _level_ok(monitor), 30, "the status to say al día", every=0.3)
    finally:
        await db.dispose()
        await supervisor.stop()
        await proxy.stop()
    new_box = Settings.load(tmp_path / "caja-nueva")
    report = await restore(new_box, moto.destination("caja-1"), keys=KEYS)
    assert report.sales == sold and checksums(new_box.database_path) == checksums(shop.database_path)
    # Bounded by SQLite's own autocheckpoint (1000 pages) plus what `init_timeout` lets pile up, not by the outage.
    assert wal_max < WAL_BOUND < written / 2.5, (wal_max, written)
    _record(
        test_output,
        "boot_offline",
        {
            "seconds": round(offline, 1),
            "sales": sold,
            "bytes_written": written,
            "wal_max_bytes": wal_max,
            "litestream_restarts": supervisor.state.restarts,
        },
    )
    with capsys.disabled():
        print(
            f"\nboot with an unanswering store, {offline:.0f} s, {sold} sales + {written / 2**20:.0f} MiB of other "
            f"writes: WAL peaked at {wal_max / 2**20:.1f} MiB ({supervisor.state.restarts} stuck starts cut short)"
        )


async def _level_ok(monitor: Monitor) -> bool:
    return (await monitor.check()).level == health.OK
