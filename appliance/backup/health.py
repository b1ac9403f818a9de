"""Is the off-site copy up to date? Read from Litestream's own reports, never guessed from the clock alone.

Sources, all on the box (no request reaches the storage provider):
- Prometheus metrics on 127.0.0.1 (Litestream 0.5 names, checked against the running binary):
  `litestream_txid` (local position, one step per LTX file), `litestream_wal_size`, `litestream_db_size`,
  `litestream_sync_count` / `litestream_sync_error_count` (local WAL → LTX), `litestream_disk_full`,
  `litestream_replica_operation_total` / `litestream_replica_operation_errors_total` (uploads).
- The control socket: GET /list gives `last_sync_at`, the end of the last successful upload round; POST /sync with
  wait=true answers `replicated_txid` — exact, used to confirm when the metrics alone cannot tell.
- The supervisor's state file, for why Litestream is not running (no connection at start-up, …).

The lag is the age of the oldest local change not yet known to be on the replica. When the destination is down the
upload round never ends, so `last_sync_at` stops and the lag grows while sales go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from appliance.backup import config, destination
from appliance.backup import state as supervisor
from appliance.core.clock import CHILE_TZ
from appliance.settings import Settings

log = logging.getLogger(__name__)

OK = "ok"
PENDING = "pending"
ERROR = "error"
STOPPED = "stopped"

TITLES = {
    OK: "respaldo al día",
    PENDING: "respaldo pendiente",
    ERROR: "respaldo con errores",
    STOPPED: "respaldo detenido",
}

# Litestream answers in plain HTTP on loopback or a Unix socket. Without this, each poll's new client loads the
# system's CA bundle: ~50 ms of CPU every second on the box, for TLS that is never used.
_NO_TLS = False

_LINE = re.compile(r"^(?P<name>[a-z_]+)(?:\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Metrics:
    txid: int = 0
    wal_bytes: int = 0
    db_bytes: int = 0
    syncs: int = 0
    sync_errors: int = 0
    uploads: int = 0
    upload_errors: int = 0
    disk_full: bool = False

    @property
    def errors(self) -> int:
        return self.sync_errors + self.upload_errors


def parse_metrics(text: str, db_path: Path | str) -> Metrics:
    """The figures for one database out of Litestream's Prometheus text (replica counters are per process)."""
    db = str(db_path)
    values: dict[str, float] = {}
    for line in text.splitlines():
        found = _LINE.match(line.strip())
        if not found:
            continue
        labels = dict(_LABEL.findall(found.group("labels") or ""))
        if "db" in labels and labels["db"] not in (db, Path(db).name):
            continue
        name = found.group("name")
        try:
            value = float(found.group("value"))
        except ValueError:
            continue
        if name == "litestream_replica_operation_total" and labels.get("operation") != "PUT":
            continue
        values[name] = values.get(name, 0.0) + value
    return Metrics(
        txid=int(values.get("litestream_txid", 0)),
        wal_bytes=int(values.get("litestream_wal_size", 0)),
        db_bytes=int(values.get("litestream_db_size", 0)),
        syncs=int(values.get("litestream_sync_count", 0)),
        sync_errors=int(values.get("litestream_sync_error_count", 0)),
        uploads=int(values.get("litestream_replica_operation_total", 0)),
        upload_errors=int(values.get("litestream_replica_operation_errors_total", 0)),
        disk_full=values.get("litestream_disk_full", 0) > 0,
    )


async def scrape(url: str, db_path: Path | str, within: float = 2.0) -> Metrics | None:
    """None when nothing answers at `url` (Litestream not running).

    A bare HTTP/1.0 GET on loopback: the supervisor asks every second, and a new httpx client per poll (TLS context,
    connection pool) cost more CPU than everything else the idle box does, on the core that serves the counter.
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None or parts.port is None:
        raise ValueError(f"Litestream's metrics are plain HTTP on a port, not {url!r}")
    request = f"GET {parts.path or '/'} HTTP/1.0\r\nHost: {parts.hostname}\r\n\r\n".encode("ascii")
    try:
        async with asyncio.timeout(within):
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            try:
                writer.write(request)
                answer = await reader.read()  # HTTP/1.0: the server closes when the body is complete
            finally:
                writer.close()
    except (OSError, TimeoutError):
        return None
    head, _, body = answer.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if len(status) < 2 or status[1] != b"200":
        return None
    return parse_metrics(body.decode("utf-8", "replace"), db_path)


class ControlSocket:
    """Litestream's control API: HTTP over a Unix socket (`socket:` in the config)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def _request(self, method: str, url: str, within: float, **kwargs: Any) -> Any:
        if not self.path.exists():
            return None
        transport = httpx.AsyncHTTPTransport(uds=str(self.path), verify=_NO_TLS)
        try:
            async with httpx.AsyncClient(transport=transport, timeout=within) as client:
                response = await client.request(method, f"http://localhost{url}", **kwargs)
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        return response.json()

    async def last_sync_at(self, db_path: Path, within: float = 2.0) -> datetime | None:
        data = await self._request("GET", "/list", within)
        for item in (data or {}).get("databases") or []:
            if item.get("path") == str(db_path) and item.get("last_sync_at"):
                return _parse_time(item["last_sync_at"])
        return None

    async def confirm(self, db_path: Path, within: float = 2.0) -> tuple[int, int] | None:
        """Ask Litestream to ship what it has and wait: (local txid, txid on the replica), or None on timeout."""
        body = {"path": str(db_path), "wait": True, "timeout": max(1, round(within))}
        data = await self._request("POST", "/sync", within + 1.0, json=body)
        if not data:
            return None
        return int(data.get("txid", 0)), int(data.get("replicated_txid", 0))


def _parse_time(value: str) -> datetime | None:
    # Go writes nanoseconds; Python's fromisoformat takes at most microseconds.
    found = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", value)
    if not found:
        return None
    head, frac, zone = found.groups()
    frac = (frac or ".0")[:7]
    parsed = datetime.fromisoformat(f"{head}{frac}{'+00:00' if zone == 'Z' else zone}")
    return None if parsed.year < 2000 else parsed.astimezone(UTC)


@dataclass(frozen=True)
class BackupStatus:
    level: str
    title: str
    detail: str
    destination: str
    offsite: bool
    last_sync_at: datetime | None = None
    lag_seconds: float | None = None
    wal_bytes: int | None = None
    pending_changes: int = 0
    errors: int = 0
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def lagging(self) -> bool:
        """For the status LED (double blink): anything but "al día"."""
        return self.level != OK

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_sync_at", "checked_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass
class Tracker:
    """Which local transactions are known to be on the replica, from successive observations.

    A transaction first seen at time T is on the replica once an upload round ended after T + `margin` (rounds
    start after the previous one ends, so that one started after the transaction existed), or once Litestream
    confirms it explicitly.
    """

    margin: float = 1.0
    replicated: int = 0
    first_seen: dict[int, float] = field(default_factory=dict)  # wall-clock seconds

    def observe(self, txid: int, now: float) -> None:
        if txid > self.replicated and txid not in self.first_seen:
            self.first_seen[txid] = now

    def synced_at(self, at: float) -> None:
        done = [t for t, seen in self.first_seen.items() if seen + self.margin <= at]
        if done:
            self.confirm(max(done))

    def confirm(self, txid: int) -> None:
        self.replicated = max(self.replicated, txid)
        self.first_seen = {t: s for t, s in self.first_seen.items() if t > self.replicated}

    def pending_since(self) -> float | None:
        return min(self.first_seen.values()) if self.first_seen else None

    def reset(self) -> None:
        self.replicated = 0
        self.first_seen.clear()


class Monitor:
    """Polls Litestream and keeps the current `BackupStatus`; `on_status` hears every change of level."""

    def __init__(
        self,
        settings: Settings,
        *,
        poll: float = 5.0,
        pending_after: float = 60.0,
        confirm_every: float = 15.0,
        grace: float = 30.0,
        on_status: Callable[[BackupStatus], None] | None = None,
    ) -> None:
        self.settings = settings
        self.config_error = ""
        try:
            self.backup = destination.load(settings)
        except (ValueError, OSError) as exc:  # a broken backup.json must not stop the shop; the page says why
            self.backup = destination.BackupSettings(
                destination.FileDestination(destination.default_replica_dir(settings))
            )
            self.config_error = f"La configuración del respaldo no es válida: {exc}"
        self.metrics_url = config.metrics_url(self.backup)
        self.socket = ControlSocket(config.socket_path(settings))
        self.offsite = destination.is_offsite(settings, self.backup)
        self.poll = poll
        self.pending_after = pending_after
        self.confirm_every = confirm_every
        self.grace = grace
        self.on_status = on_status
        self.tracker = Tracker()
        self.started = time.time()
        self.status: BackupStatus = self._make(OK, "Comprobando el respaldo…")
        self._prev_txid: int | None = None
        self._last_confirm = 0.0
        self._last_ok: datetime | None = None
        self._down_since: float | None = None
        self._base_sync_errors: int | None = None
        self._base_upload_errors: int | None = None
        self._task: asyncio.Task[None] | None = None

    # --- running ---------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="backup-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # a bug here must not stop the watching; it is logged and retried
                log.exception("backup health check failed")
            await asyncio.sleep(self.poll)

    # --- one look --------------------------------------------------------------------------------------------------

    async def check(self, *, force_confirm: bool = False) -> BackupStatus:
        now = time.time()
        metrics = await scrape(self.metrics_url, self.settings.database_path)
        if self.config_error:
            status = self._make(ERROR, self.config_error)
        elif metrics is None or metrics.syncs == 0:
            status = self._not_running(now, metrics)
        else:
            status = await self._running(now, metrics, force_confirm)
        previous, self.status = self.status, status
        if self.on_status is not None and (previous.level != status.level or previous.detail != status.detail):
            self.on_status(status)
        return status

    async def _running(self, now: float, m: Metrics, force_confirm: bool) -> BackupStatus:
        if self._down_since is not None or (self._prev_txid is not None and m.txid < self._prev_txid):
            self.tracker.reset()  # a new Litestream process: its positions and counters start over
            self._base_sync_errors = self._base_upload_errors = None
        self._down_since = None
        if self._base_sync_errors is None or self._base_upload_errors is None:
            self._base_sync_errors, self._base_upload_errors = m.sync_errors, m.upload_errors
        self.tracker.observe(m.txid, now)
        last_sync = await self.socket.last_sync_at(self.settings.database_path)
        if last_sync is not None:
            self.tracker.synced_at(last_sync.timestamp())
            self._last_ok = max(filter(None, (self._last_ok, last_sync)))
        idle = self._prev_txid == m.txid
        self._prev_txid = m.txid
        pending = self.tracker.pending_since()
        due = pending is not None and now - self._last_confirm >= self.confirm_every
        if m.txid > self.tracker.replicated and (force_confirm or idle or due):
            self._last_confirm = now
            answer = await self.socket.confirm(self.settings.database_path, within=2.0)
            if answer is not None and answer[1] >= answer[0]:
                self.tracker.confirm(answer[1])
                self._last_ok = datetime.now(UTC)
        pending = self.tracker.pending_since()
        lag = 0.0 if pending is None else max(0.0, now - pending)
        waiting = max(0, m.txid - self.tracker.replicated) if pending is not None else 0
        common = {
            "last_sync_at": self._last_ok,
            "lag_seconds": round(lag, 1),
            "wal_bytes": m.wal_bytes,
            "pending_changes": waiting,
            "errors": m.errors,
        }
        if m.disk_full:
            return self._make(ERROR, "El disco de la caja está lleno: el respaldo está en pausa.", **common)
        if m.sync_errors > (self._base_sync_errors or 0) and lag > self.pending_after:
            return self._make(
                ERROR,
                "Litestream no logra leer los cambios de la base de datos: revise el registro del servicio.",
                **common,
            )
        if lag > self.pending_after:
            since = datetime.fromtimestamp(pending or now, UTC).astimezone(CHILE_TZ).strftime("%H:%M")
            if m.upload_errors > (self._base_upload_errors or 0):
                # Refused, not unreachable (an unreachable store is retried quietly): keys, bucket or permissions.
                detail = (
                    f"{self.backup.destination.describe()} rechaza los envíos desde las {since}: revise las claves "
                    "y el bucket con «Probar conexión». La caja sigue vendiendo."
                )
                return self._make(ERROR, detail, **common)
            detail = (
                f"Hay cambios sin enviar desde las {since} ({_human(lag)}): sin conexión con "
                f"{self.backup.destination.describe()}. La caja sigue vendiendo y los enviará al volver la conexión."
            )
            return self._make(PENDING, detail, **common)
        detail = f"Copia al día en {self.backup.destination.describe()}."
        return self._make(OK, detail + self._local_warning(), **common)

    def _not_running(self, now: float, m: Metrics | None) -> BackupStatus:
        if self._down_since is None:
            self._down_since = now
        state = supervisor.read_state(self.settings)
        wal = _wal_size(self.settings.database_path)
        changed = _last_change(self.settings.database_path)
        lag = max(0.0, now - max(changed, self._down_since)) if changed > (self._last_ok_ts() or 0) else 0.0
        common = {"last_sync_at": self._last_ok, "lag_seconds": round(lag, 1), "wal_bytes": wal}
        in_grace = now - max(self._down_since, self.started) < self.grace
        if state is None:
            if in_grace:
                return self._make(OK, "Iniciando el respaldo…", **common)
            return self._make(
                STOPPED, "El servicio de respaldo no está funcionando (systemctl status litestream).", **common
            )
        if not state.last_error and (in_grace or state.phase == supervisor.RUNNING):
            return self._make(OK, "Iniciando el respaldo…", **common)
        reason = state.last_error or f"Litestream no termina de iniciar ({state.phase})"
        detail = (
            f"Sin respaldo externo por ahora: {reason}. La caja sigue vendiendo; se enviará cuando el destino "
            "responda (se reintenta solo)."
        )
        return self._make(PENDING, detail, **common)

    def _last_ok_ts(self) -> float | None:
        return self._last_ok.timestamp() if self._last_ok else None

    def _local_warning(self) -> str:
        if self.offsite:
            return ""
        return " Atención: la copia está en esta misma caja; configure un destino externo."

    def _make(self, level: str, detail: str, **values: Any) -> BackupStatus:
        return BackupStatus(
            level=level,
            title=TITLES[level],
            detail=detail,
            destination=self.backup.destination.describe(),
            offsite=self.offsite,
            **values,
        )


async def status(settings: Settings) -> BackupStatus:
    """One look, for the CLI and the back office when no monitor runs: confirms with Litestream directly."""
    monitor = Monitor(settings, grace=0.0)
    return await monitor.check(force_confirm=True)


def _wal_size(db_path: Path) -> int:
    try:
        return Path(f"{db_path}-wal").stat().st_size
    except OSError:
        return 0


def _last_change(db_path: Path) -> float:
    times = []
    for path in (db_path, Path(f"{db_path}-wal")):
        with contextlib.suppress(OSError):
            times.append(path.stat().st_mtime)
    return max(times, default=0.0)


def _human(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
