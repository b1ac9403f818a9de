"""One print queue per printer: receipts submitted after the sale committed are printed in order, and wait (with
backoff) while the printer is offline or out of paper, so a jammed printer never holds up or loses a sale.

Jobs are written to a `JobStore` before `submit` returns and removed only once printed, so a restart resumes where it
stopped. A crash between the printer accepting a job and the store recording it prints that receipt twice: a
duplicate is the better failure for a boleta the customer must receive.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from drivers.printing.errors import PrinterUnavailable
from drivers.printing.printer import Printer
from drivers.printing.receipt import Receipt
from drivers.printing.status import PrinterState, PrinterStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PrintJob:
    id: str
    printer: str  # the queue's name: one store can hold the jobs of several printers
    receipt: Receipt
    submitted_at: datetime
    attempts: int = 0
    last_error: str = ""


class JobStore(Protocol):
    """Where queued jobs survive a restart. The app implements it over SQLite; `MemoryJobStore` is the reference."""

    async def add(self, job: PrintJob) -> None:
        """Persist a new job (it must be durable when this returns)."""

    async def update(self, job: PrintJob) -> None:
        """Record a failed attempt (`attempts`, `last_error`)."""

    async def pending(self, printer: str) -> list[PrintJob]:
        """The jobs of `printer` not yet printed, oldest first."""

    async def complete(self, job_id: str) -> None:
        """The job printed: forget it (or mark it done)."""

    async def fail(self, job_id: str, error: str) -> None:
        """The job can never print (e.g. its timbre does not fit the paper): keep it out of the queue, for a human."""


@dataclass
class MemoryJobStore:
    jobs: dict[str, PrintJob] = field(default_factory=dict)
    completed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    async def add(self, job: PrintJob) -> None:
        self.jobs[job.id] = job

    async def update(self, job: PrintJob) -> None:
        self.jobs[job.id] = job

    async def pending(self, printer: str) -> list[PrintJob]:
        return [job for job in self.jobs.values() if job.printer == printer]

    async def complete(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self.completed.append(job_id)

    async def fail(self, job_id: str, error: str) -> None:
        self.jobs.pop(job_id, None)
        self.failed[job_id] = error


@dataclass(frozen=True, slots=True)
class Backoff:
    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 30.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th failure in a row (1, 2, 4 … capped)."""
        return float(min(self.maximum, self.initial * self.factor ** max(0, failures - 1)))


class QueueState(enum.StrEnum):
    IDLE = "idle"
    PRINTING = "printing"
    WAITING = "waiting"  # the printer cannot print: jobs wait for it (see printer_status)
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class PendingJob:
    id: str
    submitted_at: datetime
    attempts: int
    last_error: str


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """What the tablet and the back office show: "impresora sin papel, 2 tickets esperando"."""

    printer: str
    state: QueueState
    printer_status: PrinterStatus | None  # None until the first job or check
    pending: tuple[PendingJob, ...]
    retry_in: float | None  # seconds until the next attempt while waiting
    failed: tuple[tuple[str, str], ...]  # (job id, error) of jobs given up since start

    @property
    def waiting_count(self) -> int:
        return len(self.pending)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PrintQueue:
    def __init__(
        self,
        printer: Printer,
        store: JobStore,
        *,
        name: str = "default",
        backoff: Backoff = Backoff(),
        drawer_kick_window: timedelta = timedelta(seconds=60),
        clock: Callable[[], datetime] = _utc_now,
        on_change: Callable[[QueueSnapshot], None] | None = None,
    ) -> None:
        """`drawer_kick_window`: a receipt printed later than this after it was submitted (it waited for paper)
        prints without opening the drawer, which would otherwise spring open long after the customer left."""
        self._printer = printer
        self._store = store
        self._name = name
        self._backoff = backoff
        self._drawer_kick_window = drawer_kick_window
        self._clock = clock
        self._on_change = on_change
        self._pending: deque[PrintJob] = deque()
        self._failed: list[tuple[str, str]] = []
        self._state = QueueState.STOPPED
        self._printer_status: PrinterStatus | None = None
        self._retry_at: float | None = None
        self._wake = asyncio.Event()
        self._retry = asyncio.Event()
        self._drained = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def printer(self) -> Printer:
        return self._printer

    async def start(self) -> None:
        """Load the jobs left from before (a restart) and start printing."""
        if self._task is not None:
            raise RuntimeError(f"print queue {self._name!r} already started")
        self._stopping = False
        self._pending = deque(await self._store.pending(self._name))
        self._set_state(QueueState.IDLE)
        self._task = asyncio.create_task(self._run(), name=f"print-queue-{self._name}")

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop after the job being printed, if any (waiting at most `grace` seconds); pending jobs stay stored."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        self._retry.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._set_state(QueueState.STOPPED)

    async def submit(self, receipt: Receipt, *, job_id: str | None = None) -> PrintJob:
        """Queue `receipt`; returns once the job is in the store. Submitting a pending job's id again is a no-op."""
        job_id = job_id or uuid.uuid4().hex
        for job in self._pending:
            if job.id == job_id:
                return job
        job = PrintJob(job_id, self._name, receipt, self._clock())
        await self._store.add(job)
        self._pending.append(job)
        self._drained.clear()
        self._wake.set()
        self._notify()
        return job

    def retry_now(self) -> None:
        """Skip the rest of the backoff (the user says the paper is in, or a status check says the printer is back)."""
        self._retry.set()

    async def check_printer(self) -> PrinterStatus:
        """Ask the printer for its status now (for periodic polling); a waiting queue retries at once if it is OK."""
        status = await asyncio.to_thread(self._printer.status)
        self._printer_status = status
        if status.ok and self._state is QueueState.WAITING:
            self.retry_now()
        self._notify()
        return status

    async def join(self) -> None:
        """Wait until every submitted job has printed (or failed for good)."""
        if self._pending:
            await self._drained.wait()

    def snapshot(self) -> QueueSnapshot:
        retry_in = None
        if self._retry_at is not None:
            retry_in = max(0.0, self._retry_at - time.monotonic())
        return QueueSnapshot(
            printer=self._name,
            state=self._state,
            printer_status=self._printer_status,
            pending=tuple(PendingJob(j.id, j.submitted_at, j.attempts, j.last_error) for j in self._pending),
            retry_in=retry_in,
            failed=tuple(self._failed),
        )

    def _set_state(self, state: QueueState) -> None:
        if state is not self._state:
            self._state = state
            self._notify()

    def _notify(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change(self.snapshot())
            except Exception:
                log.exception("print queue %s: on_change callback failed", self._name)

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            if not self._pending:
                self._drained.set()
                self._set_state(QueueState.IDLE)
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._pending[0]
            receipt = job.receipt
            if receipt.opens_drawer and self._clock() - job.submitted_at > self._drawer_kick_window:
                receipt = receipt.without_drawer_kick()
            self._set_state(QueueState.PRINTING)
            self._retry.clear()  # a retry_now() from here on cuts the next wait short
            try:
                await asyncio.to_thread(self._printer.print, receipt)
            except PrinterUnavailable as exc:
                failures += 1
                await self._attempt_failed(job, exc)
                await self._wait_before_retry(self._backoff.delay(failures))
                continue
            except Exception as exc:
                # Not the printer's state but the job itself (a code too big for the paper …): retrying cannot help,
                # and it must not block the receipts behind it.
                log.exception("print queue %s: job %s cannot be printed", self._name, job.id)
                self._pending.popleft()
                self._failed.append((job.id, repr(exc)))
                await self._store_call(self._store.fail(job.id, repr(exc)))
                continue
            failures = 0
            self._printer_status = PrinterStatus(PrinterState.OK)
            self._pending.popleft()
            await self._store_call(self._store.complete(job.id))
            self._notify()
        self._set_state(QueueState.STOPPED)

    async def _attempt_failed(self, job: PrintJob, exc: PrinterUnavailable) -> None:
        updated = replace(job, attempts=job.attempts + 1, last_error=str(exc))
        if self._pending and self._pending[0].id == job.id:
            self._pending[0] = updated
        self._printer_status = exc.status
        log.info("print queue %s: job %s waits: %s", self._name, job.id, exc)
        await self._store_call(self._store.update(updated))

    async def _wait_before_retry(self, delay: float) -> None:
        self._retry_at = time.monotonic() + delay
        self._set_state(QueueState.WAITING)
        self._notify()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._retry.wait(), delay)
        self._retry_at = None

    async def _store_call(self, call: Awaitable[None]) -> None:
        """Store errors are logged, not raised: the worker must keep printing (the app's store reports its own)."""
        try:
            await call
        except Exception:
            log.exception("print queue %s: job store failed", self._name)
