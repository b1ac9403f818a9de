"""Runs `litestream replicate` as its own process: restarts it when it dies, stops it cleanly, and keeps the WAL
bounded when the destination is unreachable.

Why a supervisor and not just `Restart=always`: Litestream 0.5 checks the replica when it opens the database, and
while that check cannot reach the destination it retries forever holding a read transaction, so SQLite cannot
checkpoint and the WAL grows with every sale (measured: 50 MB in a minute of writes, see tests/backup). So:
  1. Litestream starts only when the destination answers (a TCP connect, or the directory exists): no request sent.
  2. If it has not synced once within `init_timeout`, it is killed (releasing its read lock; the app's own
     autocheckpoint then keeps the WAL small) and the supervisor goes back to waiting, with backoff.
  3. Once running, Litestream itself keeps checkpointing while uploads fail and catches up when the link returns.
  4. A WAL above `wal_limit` means something is stuck: Litestream is restarted.

Exactly one supervisor runs per data dir: it holds an flock on DATA_DIR/backup/supervisor.lock. The systemd unit
(litestream.service) runs one; `minimarket serve` starts one in-process only when it can take the lock.
Its state (phase, message, restarts) is written to DATA_DIR/backup/supervisor.json for the health page.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import signal
import time
from collections import deque
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from appliance.backup import config, destination, health
from appliance.backup import litestream as ls
from appliance.backup.destination import BackupSettings, Destination, FileDestination
from appliance.backup.state import RUNNING, STARTING, STOPPED, WAITING, SupervisorState, lock_path, state_path
from appliance.settings import Settings

log = logging.getLogger(__name__)


async def reachable(dest: Destination, within: float = 5.0) -> str | None:
    """None when the destination answers; otherwise why not, in Spanish. Sends no request (costs nothing)."""
    if isinstance(dest, FileDestination):
        target = dest.path if dest.path.exists() else dest.path.parent
        if not target.is_dir():
            return f"la carpeta {dest.path.parent} no existe (¿disco sin montar?)"
        if not os.access(target, os.W_OK | os.X_OK):
            return f"sin permiso de escritura en {target}"
        return None
    endpoint = dest.endpoint or f"https://s3.{dest.region}.amazonaws.com"
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), within)
    except (OSError, TimeoutError) as exc:
        return f"no responde {host}:{port} ({exc.__class__.__name__})"
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return None


class Supervisor:
    def __init__(
        self,
        settings: Settings,
        *,
        poll: float = 1.0,
        init_timeout: float = 30.0,
        wal_limit: int = 128 * 1024 * 1024,
        max_backoff: float = 60.0,
        stable_after: float = 60.0,
    ) -> None:
        self.settings = settings
        self.poll = poll
        self.init_timeout = init_timeout
        self.wal_limit = wal_limit
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.state = SupervisorState()
        self.output: deque[str] = deque(maxlen=200)  # Litestream's last lines, for the status page and tests
        self.child: asyncio.subprocess.Process | None = None
        self._lock_fh: IO[str] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._restart = asyncio.Event()

    # --- the lock --------------------------------------------------------------------------------------------------

    def try_lock(self) -> bool:
        path = lock_path(self.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = path.open("a")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        self._lock_fh = fh
        return True

    async def wait_lock(self, every: float = 5.0) -> None:
        # flock has no async wait; the other holder is the app, which lets go only when it stops.
        while not self.try_lock():  # noqa: ASYNC110
            await asyncio.sleep(every)

    def _unlock(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    # --- lifecycle -------------------------------------------------------------------------------------------------

    async def start(self) -> bool:
        """Start supervising in the background; False (and nothing started) when another supervisor runs."""
        if self._lock_fh is None and not self.try_lock():
            return False
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="litestream-supervisor")
        return True

    async def stop(self) -> None:
        """Stop Litestream cleanly (it ships what it has, up to its shutdown timeout) and release the lock."""
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None
        self._set(STOPPED, "")
        self._unlock()

    def reload(self) -> None:
        """Restart Litestream with a freshly generated configuration (after the destination changed)."""
        self._restart.set()

    async def run_forever(self) -> None:
        """For `minimarket backup supervise` (systemd): wait for the lock, run until SIGTERM/SIGINT."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stopping.set)
        waiter = asyncio.create_task(self.wait_lock())
        stopper = asyncio.create_task(self._stopping.wait())
        await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        stopper.cancel()
        if self._stopping.is_set():
            return
        await self.start()
        await self._stopping.wait()
        await self.stop()

    # --- the loop --------------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            self._restart.clear()
            try:
                backup = destination.load(self.settings)
                cfg = config.write(self.settings, backup)
            except (OSError, ValueError) as exc:
                self._set(WAITING, f"configuración de respaldo inválida: {exc}")
                await self._sleep(self.max_backoff)
                continue
            if not self.settings.database_path.exists():
                self._set(WAITING, "la base de datos aún no existe")
                await self._sleep(min(backoff, 5.0))
                continue
            why = await reachable(backup.destination)
            if why is not None:
                self.state.last_error = f"sin conexión con {backup.destination.describe()}: {why}"
                self._set(WAITING, self.state.last_error)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            started = time.monotonic()
            try:
                reason = await self._run_child(cfg, backup)
            except (ls.LitestreamMissing, OSError) as exc:
                self.state.last_error = str(exc)
                self._set(WAITING, self.state.last_error)
                await self._sleep(self.max_backoff)
                continue
            if self._stopping.is_set():
                break
            if not self._restart.is_set():
                self.state.restarts += 1
                self.state.last_error = reason
                log.warning("litestream: %s; se reinicia", reason)
            stable = time.monotonic() - started >= self.stable_after
            backoff = 1.0 if stable or self._restart.is_set() else min(backoff * 2, self.max_backoff)
            self._set(WAITING, reason)
            if not self._restart.is_set():
                await self._sleep(backoff)

    async def _run_child(self, cfg: Path, backup: BackupSettings) -> str:
        keys = destination.load_keys(self.settings)
        proc = await asyncio.create_subprocess_exec(
            str(ls.binary()),
            "replicate",
            "-no-expand-env",
            "-config",
            str(cfg),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=ls.environment(keys),
            start_new_session=True,  # a Ctrl-C in a terminal reaches the supervisor, which stops Litestream itself
        )
        self.child = proc
        self.state.child_pid = proc.pid
        self._set(STARTING, f"iniciando Litestream hacia {backup.destination.describe()}")
        reader = asyncio.create_task(self._pump(proc))
        try:
            return await self._watch(proc, backup)
        finally:
            if proc.returncode is None:
                await self._terminate(proc)
            await reader
            self.child = None
            self.state.child_pid = None

    async def _watch(self, proc: asyncio.subprocess.Process, backup: BackupSettings) -> str:
        started = time.monotonic()
        running = False
        url = config.metrics_url(backup)
        chosen = self._settings_stamp()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), self.poll)
            if proc.returncode is not None:
                return f"Litestream terminó inesperadamente (código {proc.returncode})"
            if self._stopping.is_set():
                return "detenido"
            if self._restart.is_set() or self._settings_stamp() != chosen:
                # The back office saved a new destination (possibly from another process): start over with it.
                self._restart.set()
                return "configuración cambiada"
            metrics = await health.scrape(url, self.settings.database_path)
            if metrics is not None and metrics.syncs > 0:
                if not running:
                    running = True
                    self.state.last_error = ""
                    self._set(RUNNING, f"replicando hacia {backup.destination.describe()}")
            elif not running and time.monotonic() - started > self.init_timeout:
                # Stuck checking the replica at start-up, holding SQLite's read lock: let go so the WAL can shrink.
                proc.kill()
                await proc.wait()
                return f"no pudo conectarse con {backup.destination.describe()} al iniciar"
            if _wal_size(self.settings.database_path) > self.wal_limit:
                proc.kill()  # stuck: a clean shutdown would wait on the same thing
                await proc.wait()
                return f"el WAL superó {self.wal_limit // (1024 * 1024)} MB"

    def _settings_stamp(self) -> tuple[float, ...]:
        stamps = []
        for path in (destination.settings_path(self.settings), destination.keys_path(self.settings)):
            try:
                stamps.append(path.stat().st_mtime)
            except OSError:
                stamps.append(0.0)
        return tuple(stamps)

    async def _terminate(self, proc: asyncio.subprocess.Process) -> None:
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), config.SHUTDOWN_SYNC_TIMEOUT + 5)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    async def _pump(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        async for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.output.append(line)
            log.log(logging.WARNING if "level=ERROR" in line else logging.INFO, "litestream: %s", line)

    async def _sleep(self, seconds: float) -> None:
        stop = asyncio.create_task(self._stopping.wait())
        restart = asyncio.create_task(self._restart.wait())
        await asyncio.wait({stop, restart}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        restart.cancel()

    def _set(self, phase: str, message: str) -> None:
        if phase != self.state.phase:
            self.state.since = datetime.now(UTC).isoformat()
        self.state.phase = phase
        self.state.message = message
        self._write_state()

    def _write_state(self) -> None:
        path = state_path(self.settings)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(self.state), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)

    def snapshot(self) -> dict[str, Any]:
        return {**asdict(self.state), "output": list(self.output)[-20:]}


def _wal_size(db_path: Path) -> int:
    try:
        return Path(f"{db_path}-wal").stat().st_size
    except OSError:
        return 0
