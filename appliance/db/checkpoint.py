"""Copies the WAL back into the database file on a thread of its own, so no tablet's request waits for it.

By default SQLite checkpoints inside the COMMIT that takes the WAL past 1000 pages: that commit writes those pages
into the database file and fsyncs it, tens of milliseconds on an SD card while Litestream reads the same disk, and
the scan or sale behind it waits that long. The server turns that off (`wal_autocheckpoint=0` on its connections)
and runs this instead: a few seconds after writes, one PASSIVE checkpoint on its own connection, in a worker thread.
PASSIVE never blocks writers or readers; it copies what no reader (Litestream included) still needs, so the WAL
stays small whether or not Litestream runs.

It also bounds what a power cut can take from the carts. Cart changes commit without an fsync (engine.py); within
`sync_interval` of one, unless a durable commit has synced the WAL meanwhile, an fdatasync of the WAL file puts it on
disk. fdatasync flushes the file, whichever descriptor asks, so a descriptor of our own serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
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
    def __init__(self, path: Path, *, interval: float = 5.0, sync_interval: float = 1.0) -> None:
        self.path = path
        self.interval = interval
        self.sync_interval = sync_interval
        self.last: CheckpointResult | None = None
        self.wal_syncs = 0  # fdatasyncs of the WAL done for cart changes
        self._written = False
        self._unsynced = False
        self._connection: sqlite3.Connection | None = None
        self._connection_lock = threading.Lock()
        self._task: asyncio.Task[None] | None = None

    def written(self, *, durable: bool = True) -> None:
        """A write transaction committed: the next round has something to copy. A durable commit synced the whole
        WAL, cart changes before it included (one writer at a time, so they were written before it)."""
        self._written = True
        self._unsynced = not durable

    @property
    def unsynced(self) -> bool:
        """Cart changes are committed that may still be only in the kernel's cache."""
        return self._unsynced

    async def sync_once(self) -> bool:
        """fdatasync the WAL if cart changes are waiting for it; False when there was nothing to do."""
        if not self._unsynced:
            return False
        self._unsynced = False
        await asyncio.to_thread(self._sync_wal)
        self.wal_syncs += 1
        return True

    def _sync_wal(self) -> None:
        try:
            fd = os.open(f"{self.path}-wal", os.O_RDONLY)
        except FileNotFoundError:  # checkpointed and removed: everything is in the synced database file
            return
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)

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
        loop = asyncio.get_running_loop()
        next_checkpoint = loop.time() + self.interval
        while True:
            await asyncio.sleep(min(self.sync_interval, max(0.0, next_checkpoint - loop.time())))
            try:
                await self.sync_once()
            except OSError:  # a failing disk: say it, try again next round
                log.exception("WAL sync failed")
                self._unsynced = True
            if loop.time() < next_checkpoint:
                continue
            next_checkpoint = loop.time() + self.interval
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
