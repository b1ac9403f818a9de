"""What the app starts and stops for the backup: the Litestream supervisor (unless systemd already runs one), the
health monitor behind the status page and the LED, and the nightly local snapshot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from appliance.backup import destination, probe, snapshots
from appliance.backup.destination import BackupSettings, S3Keys
from appliance.backup.health import BackupStatus, Monitor
from appliance.backup.supervisor import Supervisor
from appliance.core.clock import CHILE_TZ
from appliance.settings import Settings

log = logging.getLogger(__name__)


class BackupService:
    def __init__(
        self,
        settings: Settings,
        *,
        run_litestream: bool = True,
        on_status: Callable[[BackupStatus], None] | None = None,
        nightly_at: time | None = time(3, 0),
        poll: float = 5.0,
    ) -> None:
        self.settings = settings
        self.run_litestream = run_litestream
        self.on_status = on_status
        self.nightly_at = nightly_at
        self.poll = poll
        self.supervisor = Supervisor(settings)
        self.monitor = Monitor(settings, poll=poll, on_status=on_status)
        self.supervising = False
        self._nightly: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # httpx logs every request at INFO: the monitor's polls of Litestream would fill the journal.
        logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
        if self.run_litestream:
            # False when litestream.service (or another app process) already supervises this data dir.
            self.supervising = await self.supervisor.start()
            log.info("backup: %s", "Litestream supervised here" if self.supervising else "supervised elsewhere")
        self.monitor.start()
        if self.nightly_at is not None:
            self._nightly = asyncio.create_task(self._nightly_loop(self.nightly_at), name="backup-nightly")

    async def stop(self) -> None:
        if self._nightly is not None:
            self._nightly.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._nightly
        await self.monitor.stop()
        if self.supervising:
            await self.supervisor.stop()
            self.supervising = False

    @property
    def status(self) -> BackupStatus:
        return self.monitor.status

    async def test_connection(self) -> probe.ProbeResult:
        return await probe.test_connection(self.settings)

    async def save_destination(self, backup: BackupSettings, keys: S3Keys | None = None) -> None:
        """The back office saved a new destination: the supervisor notices the files and restarts Litestream."""
        destination.save(self.settings, backup)
        if keys is not None:
            destination.save_keys(self.settings, keys)
        await self.monitor.stop()
        self.monitor = Monitor(self.settings, poll=self.poll, on_status=self.on_status)
        self.monitor.start()

    async def _nightly_loop(self, at: time) -> None:
        while True:
            now = datetime.now(CHILE_TZ)
            next_run = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
            if next_run <= now:
                next_run += timedelta(days=1)
            await asyncio.sleep((next_run - now).total_seconds())
            try:
                report = await asyncio.to_thread(snapshots.nightly, self.settings)
                log.info("nightly snapshot %s (%s bytes, %s)", report.path, report.size, report.integrity)
            except Exception:  # the next night tries again; the status page shows the copies it has
                log.exception("nightly snapshot failed")
