"""Litestream's configuration: generated from the box's settings, no secrets in it, and the real binary accepts it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from appliance.backup import config, destination
from appliance.backup import litestream as ls
from appliance.backup.destination import (
    BackupSettings,
    DestinationError,
    FileDestination,
    S3Destination,
    S3Keys,
    parse_replica,
)
from appliance.settings import Settings


def _load(path: Path) -> dict:  # type: ignore[type-arg]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Generado por minimarket")
    return json.loads(text.split("\n", 1)[1])  # JSON is YAML: what Litestream reads


def test_default_is_a_directory_in_the_data_dir_and_not_offsite(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    backup = destination.load(settings)
    assert backup.destination == FileDestination(tmp_path / "replica")
    assert not destination.is_offsite(settings, backup)
    # Another device (here /dev/shm, a tmpfs, standing in for a USB disk) survives the SD card; a folder beside the
    # data dir does not, whatever its name.
    assert destination.is_offsite(settings, BackupSettings(FileDestination(Path("/dev/shm/respaldo/tienda"))))
    assert not destination.is_offsite(settings, BackupSettings(FileDestination(tmp_path.parent / "usb")))

    cfg = _load(config.write(settings, backup))
    # Metrics only on the loopback interface, on the data dir's own port (tests/backup/test_metrics_port.py).
    assert cfg["addr"] == f"127.0.0.1:{backup.metrics_port}"
    assert cfg["socket"]["path"] == str(config.socket_path(settings))
    assert cfg["snapshot"] == {"interval": "24h", "retention": "168h"}
    db = cfg["dbs"][0]
    assert db["path"] == str(settings.database_path)
    # Half the sync interval to notice a commit, half to ship it: a commit waits at most ~1 s.
    assert db["monitor-interval"] == "500ms" and db["replica"]["sync-interval"] == "500ms"
    assert db["replica"] == {"type": "file", "path": str(tmp_path / "replica"), "sync-interval": "500ms"}
    # The WAL stays bounded offline: regular checkpoints, and an emergency TRUNCATE at 64 MB instead of ~500 MB.
    assert db["checkpoint-interval"] == "1m" and db["min-checkpoint-page-count"] == 1000
    assert db["truncate-page-n"] == 16384
    assert stat.S_IMODE(config.config_path(settings).stat().st_mode) == 0o640


def test_s3_destination_keeps_keys_in_the_secrets_dir_only(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    dest = S3Destination("mi-bucket", "tienda/caja", "https://abc.r2.cloudflarestorage.com", "auto")
    backup = BackupSettings(dest, sync_interval=10, retention_days=30, metrics_port=9123)
    destination.save(settings, backup)
    keys_file = destination.save_keys(settings, S3Keys("AKIAEXAMPLE", "s3cr3t/valor+raro"))
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert keys_file.parent == settings.secrets_dir

    again = destination.load(settings)
    assert again == backup and destination.load_keys(settings) == S3Keys("AKIAEXAMPLE", "s3cr3t/valor+raro")
    path = config.write(settings, again)
    for file in (path, destination.settings_path(settings)):
        text = file.read_text(encoding="utf-8")
        assert "AKIAEXAMPLE" not in text and "s3cr3t" not in text
    replica = _load(path)["dbs"][0]["replica"]
    assert replica == {
        "type": "s3",
        "bucket": "mi-bucket",
        "path": "tienda/caja",
        "region": "auto",
        "endpoint": "https://abc.r2.cloudflarestorage.com",
        "sync-interval": "5000ms",
    }
    assert _load(path)["snapshot"]["retention"] == "720h"
    env = ls.environment(destination.load_keys(settings), base={"AWS_CA_BUNDLE": "/etc/ca.pem", "PATH": "/bin"})
    assert env == {
        "PATH": "/bin",
        "LITESTREAM_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "LITESTREAM_SECRET_ACCESS_KEY": "s3cr3t/valor+raro",
    }


def test_the_real_binary_accepts_the_generated_config(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    for backup in (
        destination.load(settings),
        BackupSettings(S3Destination("b", "p", "http://127.0.0.1:9", "us-east-1", force_path_style=True)),
    ):
        path = config.write(settings, backup)
        done = subprocess.run(
            [str(ls.binary()), "databases", "-no-expand-env", "-config", str(path)],
            capture_output=True,
            text=True,
            env=ls.environment(),
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert str(settings.database_path) in done.stdout


def test_binary_is_the_one_next_to_the_interpreter() -> None:
    import sys

    assert ls.binary() == Path(sys.executable).parent / "litestream"
    assert os.access(ls.binary(), os.X_OK)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("/mnt/usb/respaldo", FileDestination(Path("/mnt/usb/respaldo"))),
        ("file:///srv/replica", FileDestination(Path("/srv/replica"))),
        ("s3://tienda/caja-1", S3Destination("tienda", "caja-1")),
        (
            "s3://tienda/caja?endpoint=http://127.0.0.1:9000&region=auto&force-path-style=true",
            S3Destination("tienda", "caja", "http://127.0.0.1:9000", "auto", force_path_style=True),
        ),
    ],
)
def test_replica_specs(spec: str, expected: object) -> None:
    assert parse_replica(spec) == expected


def test_bad_settings_are_refused_in_spanish(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path)
    with pytest.raises(DestinationError, match="bucket"):
        parse_replica("s3:///sin-bucket")
    with pytest.raises(DestinationError, match="Réplica no reconocida"):
        parse_replica("ftp://servidor/respaldo")
    with pytest.raises(DestinationError, match="intervalo"):
        destination.save(settings, BackupSettings(FileDestination(tmp_path / "r"), sync_interval=0))
    with pytest.raises(DestinationError, match="https://"):
        destination.save(settings, BackupSettings(S3Destination("b", endpoint="r2.example.com")))
