"""Copies the WAL back into the database file on a thread of its own, so no tablet's request waits for it.

By default SQLite checkpoints inside the COMMIT that takes the WAL past 1000 pages: that commit writes those pages
into the database file and fsyncs it, tens of milliseconds on an SD card while Litestream reads the same disk, and
the scan or sale behind it waits that long. The server turns that off (`wal_autocheckpoint=0` on its connections)
and runs this instead: a few seconds after writes, one PASSIVE checkpoint on its own connection, in a worker thread.
PASSIVE never blocks writers or readers; it copies what no reader (Litestream included) still needs, so the WAL
stays small whether or not Litestream runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class CheckpointResult:
    busy: bool  # another checkpoint was running, nothing done
    wal_frames: int  # frames in the WAL when it ran
    copied_frames: int  # of those, now in the database file


class WalCheckpointer:
    def __init__(self, path: Path, *, interval: float = 5.0) -> None:
        self.path = path
        self.interval = interval
        self.last: CheckpointResult | None = None
        self._written = False
        self._connection: sqlite3.Connection | None = None
        self._connection_lock = threading.Lock()
        self._task: asyncio.Task[None] | None = None

    def written(self) -> None:
        """A write transaction committed: the next round has something to copy."""
        self._written = True

    async def run_once(self) -> CheckpointResult | None:
        """One PASSIVE checkpoint if anything was written since the last; None when there was nothing to do."""
        if not self._written:
            return None
        self._written = False
        self.last = await asyncio.to_thread(self._checkpoint)
        return self.last

    def _checkpoint(self) -> CheckpointResult:
        with self._connection_lock:
            if self._connection is None:
                # Used from whichever worker thread runs it, one at a time (the lock).
                self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self._connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                self._connection.execute("PRAGMA synchronous=FULL")
            busy, frames, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return CheckpointResult(busy=bool(busy), wal_frames=frames, copied_frames=copied)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="wal-checkpoint")

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.run_once()
            except sqlite3.Error:  # a locked or full disk: say it, try again next round
                log.exception("WAL checkpoint failed")
                self._written = True

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            if task.get_loop() is asyncio.get_running_loop():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            elif not task.get_loop().is_closed():  # an app whose lifespan two test clients entered, each on its loop
                task.get_loop().call_soon_threadsafe(task.cancel)
        with self._connection_lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
