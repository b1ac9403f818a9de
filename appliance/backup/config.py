"""Litestream's configuration, generated from the box's settings: nobody edits litestream.yml by hand.

The file is JSON, which is YAML too, so no YAML library is needed. It holds no secrets: the S3 keys reach Litestream
through its environment (LITESTREAM_ACCESS_KEY_ID / LITESTREAM_SECRET_ACCESS_KEY), read from the secrets directory.

Choices, and why:
- `monitor-interval` and `sync-interval` are each half of the box's sync interval, so a commit waits at most about
  one sync interval before its upload starts. Every monitor tick that saw writes becomes one LTX file and one PUT:
  the interval is what the off-site copy costs (README, "Cuánto cuesta").
- The WAL stays bounded while the destination is unreachable: Litestream keeps checkpointing into the database and
  queues the changes as small LTX files next to it (`checkpoint-interval`, `min-checkpoint-page-count`), and
  `truncate-page-n` is an emergency brake far below Litestream's default of ~500 MB. (Litestream cannot start while
  the destination is down; the supervisor covers that case, see supervisor.py.)
- `l0-retention-check-interval` is 5 min instead of 15 s: the default lists the bucket ~5,800 times a day for nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from appliance.backup.destination import BackupSettings, FileDestination, S3Destination
from appliance.settings import Settings

CONFIG_FILE = "litestream.yml"
# A Unix socket path must fit in sockaddr_un (108 bytes on Linux).
_MAX_SOCKET_PATH = 100
# An emergency checkpoint (TRUNCATE, briefly blocks writers) when the WAL passes 64 MB of 4 KiB pages.
TRUNCATE_PAGES = 16_384
MIN_CHECKPOINT_PAGES = 1_000
SHUTDOWN_SYNC_TIMEOUT = 10


def config_path(settings: Settings) -> Path:
    return settings.data_dir / CONFIG_FILE


def runtime_dir(settings: Settings) -> Path:
    """The supervisor's lock and state, and Litestream's control socket."""
    return settings.data_dir / "backup"


def socket_path(settings: Settings) -> Path:
    path = runtime_dir(settings) / "litestream.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    # Only deep test directories get here; a box's /var/lib/minimarket path is short.
    digest = hashlib.sha256(str(settings.data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"minimarket-{digest}.sock"


def metrics_url(backup: BackupSettings) -> str:
    return f"http://127.0.0.1:{backup.metrics_port}/metrics"


def _duration(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


def replica_section(backup: BackupSettings) -> dict[str, Any]:
    dest = backup.destination
    section: dict[str, Any]
    section = {"type": "file", "path": str(dest.path)} if isinstance(dest, FileDestination) else _s3_section(dest)
    section["sync-interval"] = _duration(backup.sync_interval / 2)
    return section


def _s3_section(dest: S3Destination) -> dict[str, Any]:
    section: dict[str, Any] = {"type": "s3", "bucket": dest.bucket, "path": dest.path, "region": dest.region}
    if dest.endpoint:
        section["endpoint"] = dest.endpoint
    if dest.force_path_style:
        section["force-path-style"] = True
    return section


def build(settings: Settings, backup: BackupSettings) -> dict[str, Any]:
    return {
        "addr": f"127.0.0.1:{backup.metrics_port}",
        "socket": {"enabled": True, "path": str(socket_path(settings)), "permissions": 0o600},
        "logging": {"level": "info", "type": "text", "stderr": True},
        "snapshot": {
            "interval": f"{backup.snapshot_interval_hours}h",
            "retention": f"{backup.retention_days * 24}h",
        },
        "l0-retention": "5m",
        "l0-retention-check-interval": "5m",
        "shutdown-sync-timeout": f"{SHUTDOWN_SYNC_TIMEOUT}s",
        "dbs": [
            {
                "path": str(settings.database_path),
                "monitor-interval": _duration(backup.sync_interval / 2),
                "checkpoint-interval": "1m",
                "min-checkpoint-page-count": MIN_CHECKPOINT_PAGES,
                "truncate-page-n": TRUNCATE_PAGES,
                "replica": replica_section(backup),
            }
        ],
    }


def render(settings: Settings, backup: BackupSettings) -> str:
    header = "# Generado por minimarket desde backup.json: no lo edite a mano (se reescribe en cada arranque).\n"
    return header + json.dumps(build(settings, backup), indent=2, ensure_ascii=True) + "\n"


def write(settings: Settings, backup: BackupSettings, path: Path | None = None) -> Path:
    """Write the configuration atomically; readable only by the service user (it names the bucket)."""
    path = path or config_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    runtime_dir(settings).mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(render(settings, backup))
    os.replace(tmp, path)
    return path
