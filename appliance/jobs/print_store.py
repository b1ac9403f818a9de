"""The print queues' `JobStore`, kept in the outbox table: the outbox row written with the sale *is* the print job.

Claiming a row for a queue (`add`) writes the receipt, the queue's name and the time into the row's payload in one
write transaction, and refuses a row that is already claimed or no longer pending: a row reaches at most one queue,
so it never prints twice, even with two workers on one database. Claimed rows that are still pending are what a queue
reloads after a restart (`pending`). Jobs that do not come from the outbox (a reprint) get a row of their own, kind
`print_job`, so they survive a restart the same way.

Job ids: `outbox-<row id>` for outbox rows; any other id is kept in `ref_id` of its `print_job` row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from appliance.core.text import is_digits
from appliance.db.engine import Database
from appliance.db.models import OutboxEntry
from appliance.db.raw import raw, stored
from drivers.printing import DrawerKick, PrintJob, Receipt, receipt_from_json, receipt_to_json

PRINT_KINDS = ("print_receipt", "open_drawer", "print_job")
OUTBOX_PREFIX = "outbox-"
ERROR_LENGTH = 500  # OutboxEntry.last_error
ID_LENGTH = 40  # OutboxEntry.ref_id


class AlreadyClaimed(Exception):
    """The outbox row is taken by a queue already, or is no longer pending: do not print it (again)."""


def job_id_for(row_id: int) -> str:
    return f"{OUTBOX_PREFIX}{row_id}"


def _now() -> datetime:
    return datetime.now(UTC)


class OutboxJobStore:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] = _now) -> None:
        self._db = db
        self._clock = clock
        self._drawer_jobs: set[str] = set()

    def is_drawer(self, job_id: str) -> bool:
        """A job that only kicks the drawer: not a ticket the tablet should count as waiting."""
        return job_id in self._drawer_jobs

    def _note(self, job: PrintJob) -> PrintJob:
        if _drawer_only(job.receipt):
            self._drawer_jobs.add(job.id)
        return job

    async def _row(self, session: Any, job_id: str) -> OutboxEntry | None:
        row_id = _outbox_id(job_id)
        if row_id is not None:
            row: OutboxEntry | None = await session.get(OutboxEntry, row_id)
            return row
        found: OutboxEntry | None = await session.scalar(
            select(OutboxEntry).where(OutboxEntry.kind == "print_job", OutboxEntry.ref_id == job_id)
        )
        return found

    async def add(self, job: PrintJob) -> None:
        claim = {
            "queue": job.printer,
            "receipt": receipt_to_json(job.receipt),
            "submitted_at": job.submitted_at.isoformat(),
        }
        if len(job.id) > ID_LENGTH:
            raise ValueError(f"print job ids are at most {ID_LENGTH} characters: {job.id!r}")
        row_id = _outbox_id(job.id)
        async with self._db.write() as session:
            if row_id is not None:
                # Every sale's receipt and drawer kick is claimed here, beside the counter's writes: one plain UPDATE
                # that only takes a pending, unclaimed row.
                sql = await raw(session)
                claimed = await sql.changed(
                    "UPDATE outbox SET payload = json_set(payload, '$.queue', ?, '$.receipt', ?, '$.submitted_at', ?)"
                    " WHERE id = ? AND status = 'pending' AND json_extract(payload, '$.queue') IS NULL",
                    (claim["queue"], claim["receipt"], claim["submitted_at"], row_id),
                )
                if not claimed:
                    raise AlreadyClaimed(job.id)
            elif await self._row(session, job.id) is None:
                session.add(OutboxEntry(kind="print_job", ref_type="print", ref_id=job.id, payload=claim, attempts=0))
            else:
                raise AlreadyClaimed(job.id)
        self._note(job)

    async def update(self, job: PrintJob) -> None:
        async with self._db.write() as session:
            row = await self._row(session, job.id)
            if row is not None:
                row.attempts = job.attempts
                row.last_error = job.last_error[:ERROR_LENGTH]

    async def pending(self, printer: str) -> list[PrintJob]:
        async with self._db.read() as session:
            rows = list(
                await session.scalars(
                    select(OutboxEntry)
                    .where(
                        OutboxEntry.status == "pending",
                        OutboxEntry.kind.in_(PRINT_KINDS),
                        func.json_extract(OutboxEntry.payload, "$.queue") == printer,
                    )
                    .order_by(OutboxEntry.id)
                )
            )
        jobs, unreadable = [], []
        for row in rows:
            try:
                jobs.append(self._note(self._job(row, printer)))
            except (KeyError, ValueError, TypeError) as exc:
                unreadable.append((row.id, f"trabajo ilegible: {exc}"))
        for row_id, error in unreadable:
            await self.fail(job_id_for(row_id), error)
        return jobs

    def _job(self, row: OutboxEntry, printer: str) -> PrintJob:
        payload = row.payload
        return PrintJob(
            id=row.ref_id if row.kind == "print_job" else job_id_for(row.id),
            printer=printer,
            receipt=receipt_from_json(str(payload["receipt"])),
            submitted_at=datetime.fromisoformat(str(payload["submitted_at"])),
            attempts=row.attempts,
            last_error=row.last_error,
        )

    async def complete(self, job_id: str) -> None:
        await self._finish(job_id, "done", "")

    async def fail(self, job_id: str, error: str) -> None:
        await self._finish(job_id, "failed", error)

    async def _finish(self, job_id: str, status: str, error: str) -> None:
        self._drawer_jobs.discard(job_id)
        row_id = _outbox_id(job_id)
        async with self._db.write() as session:
            if row_id is not None:
                sql = await raw(session)
                await sql.changed(
                    "UPDATE outbox SET status = ?, done_at = ?,"
                    " last_error = CASE WHEN ? = '' THEN last_error ELSE ? END WHERE id = ? AND status = 'pending'",
                    (status, stored(self._clock()), error, error[:ERROR_LENGTH], row_id),
                )
                return
            row = await self._row(session, job_id)
            if row is not None and row.status == "pending":
                row.status = status
                row.done_at = self._clock()
                if error:
                    row.last_error = error[:ERROR_LENGTH]


def _outbox_id(job_id: str) -> int | None:
    """The outbox row a job id names (`outbox-<id>`), or None for a job with a row of its own."""
    number = job_id[len(OUTBOX_PREFIX) :]
    return int(number) if job_id.startswith(OUTBOX_PREFIX) and is_digits(number) else None


def _drawer_only(receipt: Receipt) -> bool:
    return bool(receipt.blocks) and all(isinstance(block, DrawerKick) for block in receipt.blocks)
