"""Round trip with the real Litestream: sales reach the replica (a directory, or S3 on 127.0.0.1), and a restore on
another box equals the source table by table. Also measures the commit → replica lag at the default interval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appliance.backup import health
from appliance.backup.destination import FileDestination, parse_replica
from appliance.backup.restore import RestoreError, restore
from appliance.settings import Settings
from tests.backup.conftest import start_supervisor
from tests.backup.support import (
    KEYS,
    checksums,
    file_l0,
    fully_replicated,
    integrity,
    lag_stats,
    measure_lag,
    s3_l0,
    scalar,
    sell,
    use_destination,
    wait_for,
)


@pytest.mark.parametrize("kind", ["file", "s3"])
async def test_sales_reach_the_replica_and_a_restore_equals_the_source(
    kind: str,
    shop: Settings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    test_output: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if kind == "s3":
        moto = request.getfixturevalue("moto")
        dest = moto.destination("caja-1")
        spec = f"s3://{dest.bucket}/{dest.path}?endpoint={dest.endpoint}&region=us-east-1&force-path-style=true"
        l0 = s3_l0(moto, dest)
    else:
        (tmp_path / "usb").mkdir()  # a mounted disk
        dest = FileDestination(tmp_path / "usb" / "respaldo")
        spec = str(dest.path)
        l0 = file_l0(dest)
    use_destination(shop, dest)
    supervisor = await start_supervisor(shop)
    try:
        lags = await measure_lag(shop, l0, count=10)
        await sell(shop, 10)
        await wait_for(lambda: fully_replicated(shop), 30, "the replica to catch up")
        status = await health.status(shop)
        assert status.level == health.OK and status.title == "respaldo al día", status
        assert status.pending_changes == 0 and status.lag_seconds == 0
        # The "USB disk" here is a folder on the same device as the data dir: not off-site, and the status says so.
        assert status.offsite == (kind == "s3") and ("misma caja" in status.detail) == (kind == "file")
    finally:
        await supervisor.stop()
    assert supervisor.state.restarts == 0

    # A new box: empty data dir, the replica named on the command line, keys from the environment or given.
    new_box = Settings.load(tmp_path / "caja-nueva")
    report = await restore(new_box, parse_replica(spec), keys=KEYS if kind == "s3" else None)
    assert report.integrity == "ok" == integrity(new_box.database_path)
    assert report.path == new_box.database_path and report.sales == 20
    source, restored = checksums(shop.database_path), checksums(new_box.database_path)
    assert restored == source, {t for t in source if source[t] != restored.get(t)}
    assert report.next_folios[39] == scalar(shop.database_path, "SELECT max(folio) FROM sii_documents") + 1
    assert report.missing_secrets  # the CAF files and certificate are not in the replica: the report says so

    stats = lag_stats(lags)
    figures_file = test_output / "backup-figures.json"
    figures = json.loads(figures_file.read_text()) if figures_file.exists() else {}
    figures[f"lag_{kind}"] = {"median_s": round(stats.median, 3), "p95_s": round(stats.p95, 3), "n": stats.samples}
    figures_file.write_text(json.dumps(figures, indent=2))
    with capsys.disabled():
        print("\n" + stats.line(f"{kind} replica, sync interval 1 s"))


async def test_restore_never_overwrites_a_live_database_unless_told(supervised: object, shop: Settings) -> None:
    await sell(shop, 3)
    await wait_for(lambda: fully_replicated(shop), 30, "the replica to catch up")
    replica = FileDestination(shop.data_dir / "replica")
    with pytest.raises(RestoreError, match="detenga los servicios"):
        await restore(shop, replica, force=True)  # Litestream is running on this very database
    await supervised.stop()  # type: ignore[attr-defined]
    before = checksums(shop.database_path)
    with pytest.raises(RestoreError, match=r"no se sobrescribe\. Use --force"):
        await restore(shop, replica)
    assert checksums(shop.database_path) == before

    report = await restore(shop, replica, force=True)
    assert report.replaced is not None and report.replaced.parent == shop.backups_dir
    assert checksums(report.replaced) == before  # the replaced database was kept, not deleted
    assert checksums(shop.database_path) == before  # and the restored one holds the same sales
    assert report.ready_to_sell, report.missing_secrets  # same box: its secrets directory is all there
