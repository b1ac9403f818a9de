"""The box dies mid-stream: the selling process and Litestream are SIGKILLed together. A restore from the replica
holds every sale acknowledged more than the sync interval before the kill, and the folios continue without a gap
or a reuse."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from appliance.backup import state
from appliance.backup.restore import restore
from appliance.settings import Settings
from tests.backup.conftest import start_supervisor
from tests.backup.support import (
    KEYS,
    Moto,
    checksums,
    fully_replicated,
    integrity,
    scalar,
    sell,
    use_destination,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
SYNC_INTERVAL = 1.0


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


async def test_sigkill_mid_stream_loses_nothing_older_than_the_sync_interval(
    shop: Settings, moto: Moto, tmp_path: Path, test_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    use_destination(shop, moto.destination("caja-1"), sync_interval=SYNC_INTERVAL)
    supervisor = _spawn("-m", "appliance.backup", "backup", "supervise", "--data-dir", str(shop.data_dir))
    seller: subprocess.Popen[str] | None = None
    try:

        async def replicating() -> int | None:
            found = state.read_state(shop)
            return found.child_pid if found and found.phase == state.RUNNING else None

        litestream_pid = await wait_for(replicating, 30, "Litestream running under its supervisor")
        seller = _spawn("-m", "tests.backup.seller", str(shop.data_dir), "0.02")
        assert seller.stdout is not None
        ready = await asyncio.to_thread(seller.stdout.readline)
        assert ready.strip() == "READY"
        lines = []
        started = time.monotonic()
        while time.monotonic() - started < 6 or len(lines) < 30:  # a stream, even on a slow machine
            lines.append(await asyncio.to_thread(seller.stdout.readline))
        # The box dies: the app and Litestream at the same instant, nothing gets to flush.
        killed_at = time.time()
        for pid in (seller.pid, litestream_pid, supervisor.pid):
            os.kill(pid, signal.SIGKILL)
        # Every sale the app had acknowledged before it died (the pipe keeps what it printed).
        lines += (await asyncio.to_thread(seller.stdout.read)).splitlines()
        acked = [(int(n), int(f), float(t)) for _, n, f, t in (line.split() for line in lines)]
    finally:
        for proc in (seller, supervisor):
            if proc is not None:
                proc.kill()
                proc.wait()
    assert len(acked) >= 30

    # A new box: restore from the replica, then the owner copies the secrets directory from their key backup.
    new_box = Settings.load(tmp_path / "caja-nueva")
    report = await restore(new_box, moto.destination("caja-1"), keys=KEYS)
    assert report.integrity == "ok" == integrity(new_box.database_path)
    db = new_box.database_path
    numbers = {int(n) for n in scalar(db, "SELECT group_concat(number) FROM sales").split(",")}
    must_have = [a for a in acked if a[2] < killed_at - SYNC_INTERVAL]
    missing = [a for a in must_have if a[0] not in numbers]
    assert not missing, f"sales acknowledged more than {SYNC_INTERVAL} s before the kill are missing: {missing}"
    folios = [int(f) for f in scalar(db, "SELECT group_concat(folio) FROM sii_documents WHERE tipo = 39").split(",")]
    assert sorted(folios) == list(range(1, len(folios) + 1))  # no gap, no duplicate
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    acked_folio = {n: f for n, f, _ in acked}
    assert all(acked_folio[n] == f for n, f in scalar_pairs(db) if n in acked_folio)  # the same boleta per sale

    shutil.rmtree(new_box.secrets_dir)
    shutil.copytree(shop.secrets_dir, new_box.secrets_dir)
    [after] = await sell(new_box, 1)
    assert (after.tipo, after.folio, after.number) == (39, max(folios) + 1, max(numbers) + 1)

    # The new box goes on streaming to the same place: Litestream picks up after the replica's last transaction.
    use_destination(new_box, moto.destination("caja-1"), sync_interval=SYNC_INTERVAL)
    supervisor_2 = await start_supervisor(new_box)
    try:
        await sell(new_box, 2)
        await wait_for(lambda: fully_replicated(new_box), 30, "the new box's sales on the replica")
    finally:
        await supervisor_2.stop()
    third = Settings.load(tmp_path / "otra-caja")
    again = await restore(third, moto.destination("caja-1"), keys=KEYS)
    assert again.sales == len(numbers) + 3 and checksums(third.database_path) == checksums(new_box.database_path)

    lost = [a for a in acked if a[0] not in numbers]
    newest_lost = (killed_at - min(a[2] for a in lost)) if lost else 0.0
    with capsys.disabled():
        print(
            f"\ncrash: {len(acked)} sales acknowledged, {len(numbers)} restored; {len(lost)} acknowledged sales lost, "
            f"all within the last {newest_lost:.2f} s before the kill (sync interval {SYNC_INTERVAL} s)"
        )
    (test_output / "backup-crash.json").write_text(
        json.dumps({"acked": len(acked), "restored": len(numbers), "lost": len(lost), "lost_window_s": newest_lost})
    )


def scalar_pairs(db: Path) -> list[tuple[int, int]]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT s.number, d.folio FROM sales s JOIN sii_documents d ON d.sale_id = s.id AND d.tipo = 39"
        ).fetchall()
        return [(int(n), int(f)) for n, f in rows]
    finally:
        conn.close()
