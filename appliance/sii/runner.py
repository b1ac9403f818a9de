"""The SII queue running inside the app: an APScheduler job that drains it every few seconds.

One job, never two at once (max_instances=1, coalesce): a slow SII stretches a run, it does not stack them.
Its health (documents waiting, the oldest one, the last error) feeds the back office and the status LED.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select

from appliance.db.engine import Database
from appliance.db.models import Company, Document
from appliance.settings import Settings
from appliance.sii.clients import SiiHosts
from appliance.sii.queue import RunReport, SiiQueue

log = logging.getLogger(__name__)


@dataclass
class QueueHealth:
    last_run: datetime | None = None
    last_report: RunReport = field(default_factory=RunReport)
    last_error: str = ""


class SiiRunner:
    def __init__(self, db: Database, settings: Settings, *, on_pending: Callable[[bool], None] | None = None) -> None:
        """`on_pending` hears after each run whether documents still wait for the SII (the status LED)."""
        self.db = db
        self.on_pending = on_pending
        self.settings = settings
        self.queue = SiiQueue(db, settings.secrets_dir, self._hosts)
        self.health = QueueHealth()
        self._scheduler: AsyncIOScheduler | None = None

    def _hosts(self, company: Company) -> SiiHosts:
        if self.settings.sii_url:
            return SiiHosts.local(self.settings.sii_url, company.environment)
        return SiiHosts.for_ambiente(company.environment)

    async def tick(self) -> None:
        try:
            report = await self.queue.run_once()
        except Exception as exc:  # a bug or a broken certificate must not kill the scheduler; it says why
            log.exception("SII queue run failed")
            self.health.last_error = str(getattr(exc, "message", exc))
            return
        finally:
            self.health.last_run = datetime.now(UTC)
        self.health.last_report = report
        self.health.last_error = report.errors[-1] if report.errors else ""
        if self.on_pending is not None:
            async with self.db.read() as session:
                waiting = await session.scalar(
                    select(func.count()).select_from(Document).where(Document.state.in_(("pendiente", "enviado")))
                )
            self.on_pending(bool(waiting))

    def start(self) -> None:
        self._scheduler = AsyncIOScheduler()
        self._scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.settings.sii_interval,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
            id="sii-queue",
        )
        self._scheduler.start()

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        await self.queue.close()
