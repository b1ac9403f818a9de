"""`restore --at`: the state at a past moment, into a separate file; the live database is not touched."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from appliance.backup.supervisor import Supervisor
from appliance.core.clock import CHILE_TZ
from appliance.settings import Settings
from tests.backup.support import checksums, fully_replicated, integrity, scalar, sell, wait_for

ROOT = Path(__file__).resolve().parents[2]


async def test_restore_at_a_moment_between_two_batches(supervised: Supervisor, shop: Settings, tmp_path: Path) -> None:
    first = await sell(shop, 4)
    await wait_for(lambda: fully_replicated(shop), 30, "the first batch on the replica")
    await asyncio.sleep(1.2)
    between = datetime.now(UTC)
    await asyncio.sleep(1.2)
    second = await sell(shop, 3)
    await wait_for(lambda: fully_replicated(shop), 30, "the second batch on the replica")
    live_before = checksums(shop.database_path)

    # The shopkeeper types Chile local time, without a zone; the CLI reads it as such.
    local = between.astimezone(CHILE_TZ).replace(tzinfo=None).isoformat(timespec="milliseconds")
    out = tmp_path / "inspeccion.sqlite"
    done = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "appliance.backup",
            "restore",
            "--data-dir",
            str(shop.data_dir),
            "--from",
            str(shop.data_dir / "replica"),
            "--at",
            local,
            "--output",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["path"] == str(out) and report["integrity"] == "ok" and not report["ready_to_sell"]
    assert integrity(out) == "ok"

    numbers = {int(n) for n in str(scalar(out, "SELECT group_concat(number) FROM sales")).split(",")}
    assert {r.number for r in first} <= numbers
    assert not numbers & {r.number for r in second}
    assert scalar(out, "SELECT max(folio) FROM sii_documents WHERE tipo = 39") == first[-1].folio

    # The live database was not touched, and the latest restore still has everything.
    assert checksums(shop.database_path) == live_before
    assert scalar(shop.database_path, "SELECT count(*) FROM sales") == len(first) + len(second)
