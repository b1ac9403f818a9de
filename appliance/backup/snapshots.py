"""The second layer: a consistent copy of the database on the box itself, every night, kept N days.

`VACUUM INTO` writes a consistent, compact copy even while the app sells (it reads one snapshot of the WAL). It
guards against what the replica cannot: a bad migration or a mistaken bulk edit replicated faithfully off-site.
Copies are named minimarket-nightly-<UTC stamp>.sqlite (or -manual-) in DATA_DIR/backups, beside the pre-upgrade
snapshots of migrate.py, which this never deletes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from appliance.backup import destination
from appliance.db import migrate
from appliance.settings import Settings

LABELS = ("nightly", "manual")


@dataclass(frozen=True)
class SnapshotReport:
    path: Path
    size: int
    integrity: str
    removed: tuple[Path, ...]


def take(settings: Settings, label: str = "manual") -> Path:
    if label not in LABELS:
        raise ValueError(f"unknown snapshot label {label!r}")
    if not settings.database_path.exists():
        raise FileNotFoundError(f"No hay base de datos en {settings.database_path}.")
    return migrate.snapshot(settings.database_path, settings.backups_dir, label)


def integrity(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def _stamp(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.stem.rsplit("-", 1)[-1], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def listing(settings: Settings) -> list[Path]:
    """This layer's copies, oldest first."""
    stem = settings.database_path.stem
    found = [p for label in LABELS for p in settings.backups_dir.glob(f"{stem}-{label}-*.sqlite")]
    return sorted((p for p in found if _stamp(p) is not None), key=lambda p: _stamp(p) or datetime.min)


def prune(settings: Settings, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete this layer's copies older than `keep_days`, always keeping the newest one."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    copies = listing(settings)
    removed = []
    for path in copies[:-1]:
        stamp = _stamp(path)
        if stamp is not None and stamp < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def backup_now(settings: Settings, label: str = "manual", keep_days: int | None = None) -> SnapshotReport:
    """`minimarket backup now` and the nightly job: copy, check the copy, prune old ones."""
    path = take(settings, label)
    check = integrity(path)
    days = keep_days if keep_days is not None else destination.load(settings).local_snapshot_days
    removed = prune(settings, days)
    return SnapshotReport(path, path.stat().st_size, check, tuple(removed))


def nightly(settings: Settings) -> SnapshotReport:
    """What the nightly job calls (e.g. at 03:00 Chile time, when the shop is closed)."""
    return backup_now(settings, "nightly")
