"""Reading Litestream's reports: its Prometheus text (0.5.17 names), Go timestamps, and which changes are shipped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from appliance.backup import health
from appliance.backup.destination import FileDestination
from appliance.backup.health import Tracker, _parse_time, parse_metrics
from appliance.settings import Settings
from tests.backup.support import use_destination

# Captured from `litestream replicate` 0.5.17 with an S3 replica (trimmed of Go runtime metrics).
SAMPLE = """
# HELP litestream_db_size The current size of the real DB
# TYPE litestream_db_size gauge
litestream_db_size{db="/var/lib/minimarket/minimarket.sqlite"} 8192
litestream_disk_full{db="/var/lib/minimarket/minimarket.sqlite"} 0
litestream_l0_retention_files_total{db="minimarket.sqlite",status="too_recent"} 1
litestream_replica_operation_bytes{operation="PUT",replica_type="s3"} 2417
litestream_replica_operation_total{operation="PUT",replica_type="s3"} 6
litestream_replica_operation_total{operation="GET",replica_type="s3"} 4
litestream_replica_operation_errors_total{operation="PUT",replica_type="s3",code="SlowDown"} 2
litestream_sync_count{db="/var/lib/minimarket/minimarket.sqlite"} 15
litestream_sync_error_count{db="/var/lib/minimarket/minimarket.sqlite"} 1
litestream_sync_seconds{db="/var/lib/minimarket/minimarket.sqlite"} 11.685259138
litestream_total_wal_bytes{db="/var/lib/minimarket/minimarket.sqlite"} 37080
litestream_txid{db="/var/lib/minimarket/minimarket.sqlite"} 4
litestream_wal_size{db="/var/lib/minimarket/minimarket.sqlite"} 61832
litestream_txid{db="/other/db.sqlite"} 99
"""


def test_parse_metrics() -> None:
    m = parse_metrics(SAMPLE, "/var/lib/minimarket/minimarket.sqlite")
    assert (m.txid, m.wal_bytes, m.db_bytes, m.syncs) == (4, 61832, 8192, 15)
    assert (m.uploads, m.sync_errors, m.upload_errors, m.errors) == (6, 1, 2, 3)
    assert not m.disk_full
    assert parse_metrics("", "/x").txid == 0


def test_go_timestamps() -> None:
    assert _parse_time("2026-11-21T21:34:23.042151463Z") == datetime(2026, 11, 21, 21, 34, 23, 42151, tzinfo=UTC)
    assert _parse_time("0001-01-01T00:00:00Z") is None  # Go's zero time: never synced


def test_tracker_confirms_only_changes_older_than_the_last_upload_round() -> None:
    tracker = Tracker(margin=1.0)
    tracker.observe(5, now=100.0)
    tracker.observe(6, now=103.0)
    assert tracker.pending_since() == 100.0
    tracker.synced_at(100.5)  # a round that may have started before txid 5 existed: proves nothing
    assert tracker.pending_since() == 100.0
    tracker.synced_at(102.0)
    assert tracker.replicated == 5 and tracker.pending_since() == 103.0
    tracker.confirm(6)  # Litestream said so explicitly
    assert tracker.pending_since() is None
    tracker.observe(6, now=110.0)  # already on the replica: nothing pending
    assert tracker.pending_since() is None


async def test_nothing_running_says_so(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    use_destination(settings, FileDestination(tmp_path / "replica"))
    status = await health.status(settings)
    assert status.level == health.STOPPED and status.title == "respaldo detenido" and status.lagging
    assert "no está funcionando" in status.detail

    (tmp_path / "backup.json").write_text('{"destination": {"kind": "ftp"}}')
    broken = await health.status(settings)
    assert broken.level == health.ERROR and "ftp" in broken.detail
