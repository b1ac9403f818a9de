"""Where the off-site copy goes, as the administrator chose it, and the keys to get there.

Two files, because the database is replicated off-site and must never carry the keys:
  DATA_DIR/backup.json              destination and intervals (no secrets; rewritten by the back office)
  DATA_DIR/secrets/backup-s3.json   access key id and secret (0600)
With neither, the replica is a directory in the data dir, so a demo box shows it working with nothing configured
(and the status page says it is not off-site).

Each data dir has its own port for Litestream's metrics, chosen free on 127.0.0.1 the first time its settings are
read or saved and kept in backup.json: two shops on one machine must not both bind the same one, and the app's
monitor and the supervisor (separate processes) must agree on it across restarts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import socket
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from appliance.settings import Settings

SETTINGS_FILE = "backup.json"
KEYS_FILE = "backup-s3.json"
LOCK_FILE = "backup.json.lock"
# The port every data dir used before each chose its own. backup.json has always been written with it (it was the
# default, never something an administrator set), so a stored 9091 means "not chosen yet" and is replaced.
LEGACY_METRICS_PORT = 9091
# Chosen below Linux's ephemeral range (32768–60999 by default), where outgoing connections take their local ports
# and could hold the port when Litestream starts; at random, so two data dirs set up before either Litestream runs
# are unlikely to pick the same one.
METRICS_PORTS = range(20000, 32768)


class DestinationError(ValueError):
    """A destination that cannot work, with the reason in Spanish for the screen."""


@dataclass(frozen=True)
class FileDestination:
    path: Path

    @property
    def kind(self) -> str:
        return "file"

    def describe(self) -> str:
        return f"carpeta {self.path}"


@dataclass(frozen=True)
class S3Destination:
    bucket: str
    path: str = "minimarket"
    # Empty for AWS itself; the provider's URL otherwise (R2, B2, MinIO …).
    endpoint: str = ""
    region: str = "us-east-1"
    force_path_style: bool = False

    @property
    def kind(self) -> str:
        return "s3"

    def describe(self) -> str:
        where = f" en {self.endpoint}" if self.endpoint else ""
        return f"s3://{self.bucket}/{self.path}{where}"

    def url(self) -> str:
        return f"s3://{self.bucket}/{self.path}"


Destination = FileDestination | S3Destination


@dataclass(frozen=True)
class S3Keys:
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class BackupSettings:
    destination: Destination
    # The longest a committed sale waits before its upload starts, in seconds. Litestream gets half of it to notice
    # the change and half to ship it; each half-second with writes becomes one upload (the cost, see README).
    sync_interval: float = 1.0
    # Full snapshots on the replica, and how long its history is kept (the window for `restore --at`).
    snapshot_interval_hours: int = 24
    retention_days: int = 7
    # The second layer: nightly VACUUM INTO copies on the box itself.
    local_snapshot_days: int = 7
    # Litestream's Prometheus metrics, only on the loopback interface. The legacy value means "not chosen yet":
    # load() and save() replace it with this data dir's own port.
    metrics_port: int = LEGACY_METRICS_PORT

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        dest = self.destination
        data["destination"] = (
            {"kind": "file", "path": str(dest.path)}
            if isinstance(dest, FileDestination)
            else {"kind": "s3", **asdict(dest)}
        )
        return data


def is_offsite(settings: Settings, backup: BackupSettings) -> bool:
    """Whether losing the SD card leaves the replica alive: object storage, or a directory on another device (a USB
    disk, a mounted NAS). A directory on the card itself (the demo default) dies with it."""
    dest = backup.destination
    if isinstance(dest, S3Destination):
        return True
    return _device(dest.path) != _device(settings.data_dir)


def _device(path: Path) -> int | None:
    for candidate in (path, *path.parents):
        try:
            return candidate.stat().st_dev
        except OSError:
            continue
    return None


def default_replica_dir(settings: Settings) -> Path:
    return settings.data_dir / "replica"


def settings_path(settings: Settings) -> Path:
    return settings.data_dir / SETTINGS_FILE


def keys_path(settings: Settings) -> Path:
    return settings.secrets_dir / KEYS_FILE


def _destination_from(data: dict[str, Any], settings: Settings) -> Destination:
    kind = data.get("kind", "file")
    if kind == "file":
        raw = data.get("path") or default_replica_dir(settings)
        path = Path(raw).expanduser()
        return FileDestination(path if path.is_absolute() else settings.data_dir / path)
    if kind == "s3":
        if not data.get("bucket"):
            raise DestinationError("Falta el nombre del bucket.")
        return S3Destination(
            bucket=str(data["bucket"]),
            path=str(data.get("path") or "minimarket").strip("/"),
            endpoint=str(data.get("endpoint") or "").rstrip("/"),
            region=str(data.get("region") or "us-east-1"),
            force_path_style=bool(data.get("force_path_style", False)),
        )
    raise DestinationError(f"Tipo de destino desconocido: {kind!r} (use «file» o «s3»).")


def load(settings: Settings) -> BackupSettings:
    """The box's backup settings: backup.json if there is one, the demo default otherwise.

    The first load in a data dir chooses its metrics port and writes it to backup.json (see the module's docstring).
    """
    backup = _read(settings)
    if backup.metrics_port == LEGACY_METRICS_PORT:
        with _locked(settings):
            backup = _read(settings)  # another process may have chosen it while this one waited
            if backup.metrics_port == LEGACY_METRICS_PORT:
                backup = replace(backup, metrics_port=choose_metrics_port())
                _write(settings, backup)
    return backup


def _read(settings: Settings) -> BackupSettings:
    path = settings_path(settings)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    known = {k: v for k, v in data.items() if k in BackupSettings.__dataclass_fields__ and k != "destination"}
    backup = BackupSettings(destination=_destination_from(data.get("destination", {}), settings), **known)
    validate(backup)
    return backup


def choose_metrics_port(candidates: Iterable[int] | None = None) -> int:
    """A port nothing listens on at 127.0.0.1 now: from `candidates`, else at random from METRICS_PORTS."""
    tries = candidates if candidates is not None else random.sample(METRICS_PORTS, 100)
    for port in tries:
        if port == LEGACY_METRICS_PORT:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise OSError("no hay un puerto libre en 127.0.0.1 para las métricas de Litestream")


@contextlib.contextmanager
def _locked(settings: Settings) -> Iterator[None]:
    """Choosing the port and writing it is one step across processes (the app and litestream.service both load)."""
    path = settings.data_dir / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Read-only is enough for flock, and works on a lock file root left behind (`sudo minimarket backup status`).
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held for a read, a bind and a write
        yield
    finally:
        os.close(fd)  # releases the lock


def validate(backup: BackupSettings) -> None:
    if isinstance(backup.metrics_port, bool) or not isinstance(backup.metrics_port, int):
        raise DestinationError("El puerto de métricas de Litestream debe ser un número entero.")
    if not 1024 <= backup.metrics_port <= 65535:
        raise DestinationError("El puerto de métricas de Litestream debe estar entre 1024 y 65535.")
    if not 0.1 <= backup.sync_interval <= 3600:
        raise DestinationError("El intervalo de sincronización debe estar entre 0,1 s y una hora.")
    if backup.snapshot_interval_hours < 1 or backup.retention_days < 1 or backup.local_snapshot_days < 1:
        raise DestinationError("Los intervalos y días de retención deben ser al menos 1.")
    dest = backup.destination
    if isinstance(dest, S3Destination) and dest.endpoint and not dest.endpoint.startswith(("https://", "http://")):
        raise DestinationError("El endpoint debe empezar con https:// (o http:// en la red local).")


def save(settings: Settings, backup: BackupSettings) -> Path:
    """Write backup.json atomically (the supervisor rereads it at each start).

    Settings built without a metrics port (the legacy default) keep the port this data dir already has, or get one.
    """
    validate(backup)
    with _locked(settings):
        if backup.metrics_port == LEGACY_METRICS_PORT:
            try:
                stored = _read(settings).metrics_port
            except (OSError, ValueError):  # a broken backup.json is being replaced: its port goes with it
                stored = LEGACY_METRICS_PORT
            chosen = stored if stored != LEGACY_METRICS_PORT else choose_metrics_port()
            backup = replace(backup, metrics_port=chosen)
        return _write(settings, backup)


def _write(settings: Settings, backup: BackupSettings) -> Path:
    path = settings_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(backup.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_keys(settings: Settings) -> S3Keys | None:
    path = keys_path(settings)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return S3Keys(str(data["access_key_id"]), str(data["secret_access_key"]))


def save_keys(settings: Settings, keys: S3Keys) -> Path:
    """The S3 keys, 0600 in the secrets directory: never in backup.json and never in the replicated database."""
    settings.ensure_dirs()
    path = keys_path(settings)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"access_key_id": keys.access_key_id, "secret_access_key": keys.secret_access_key}, fh)
    os.replace(tmp, path)
    return path


def keys_from_env(env: dict[str, str] | None = None) -> S3Keys | None:
    env = dict(os.environ) if env is None else env
    for id_var, secret_var in (
        ("LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_SECRET_ACCESS_KEY"),
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
    ):
        if env.get(id_var) and env.get(secret_var):
            return S3Keys(env[id_var], env[secret_var])
    return None


def parse_replica(spec: str, *, base: Path | None = None) -> Destination:
    """`--from`: a directory (or file:// URL), or `s3://bucket/path?endpoint=…&region=…&force-path-style=true`."""
    if spec.startswith("s3://"):
        parts = urlsplit(spec)
        if not parts.netloc:
            raise DestinationError("Falta el bucket en la URL s3:// (s3://bucket/ruta).")
        query = {k.replace("_", "-").lower(): v[-1] for k, v in parse_qs(parts.query).items()}
        style = query.get("force-path-style", query.get("forcepathstyle", "false")).lower()
        return S3Destination(
            bucket=parts.netloc,
            path=unquote(parts.path).strip("/") or "minimarket",
            endpoint=query.get("endpoint", "").rstrip("/"),
            region=query.get("region", "us-east-1"),
            force_path_style=style in ("1", "true", "yes", "si", "sí"),
        )
    if "://" in spec and not spec.startswith("file://"):
        raise DestinationError(f"Réplica no reconocida: {spec!r} (use una carpeta o s3://bucket/ruta).")
    raw = Path(unquote(spec.removeprefix("file://"))).expanduser()
    if not raw.is_absolute():
        raw = (base or Path.cwd()) / raw
    return FileDestination(raw)


def with_destination(backup: BackupSettings, destination: Destination) -> BackupSettings:
    return replace(backup, destination=destination)
