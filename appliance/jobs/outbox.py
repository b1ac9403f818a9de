"""Printing after commit: drains the `print_receipt` and `open_drawer` outbox rows into the lanes' print queues.

Checkout writes the rows in the sale's own transaction; this worker only ever sees committed sales, so a rolled-back
sale never prints. Each row is claimed for one queue (`OutboxJobStore.add`), then printed, then marked done — or
failed with the reason, for a human. A row is claimed once, so it never prints twice; rows claimed before a restart
are reloaded by their queue, rows never claimed are picked up on the first pass. A printer that is offline or out of
paper leaves the job waiting in its queue: the sale itself was finished long before.

The worker polls (every `interval` seconds, an indexed query) because the sale is committed by a request handler it
does not know; `wake()` lets a caller skip the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import select

from appliance.db.engine import Database
from appliance.db.models import Document, OutboxEntry
from appliance.devices import receipts
from appliance.devices.lane import LaneDevices, drawer_receipt
from appliance.devices.manager import DeviceManager
from appliance.jobs.print_store import AlreadyClaimed, OutboxJobStore, job_id_for
from drivers.printing import Receipt

log = logging.getLogger(__name__)

KINDS = ("print_receipt", "open_drawer")
BATCH = 100
PRINTER_PINS = (2, 5)
GPIO_RELAY = 0
NO_DRAWER = -1


class OutboxPrinter:
    def __init__(self, db: Database, devices: DeviceManager, *, interval: float = 0.5) -> None:
        self._db = db
        self._devices = devices
        self._store = OutboxJobStore(db)
        self._interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._starts = 0

    async def start(self) -> None:
        self._starts += 1  # started once however many times the app's lifespan is entered
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-printer")

    async def stop(self) -> None:
        self._starts = max(0, self._starts - 1)
        if self._task is not None and not self._starts:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("outbox printer: pass failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)

    async def drain(self) -> int:
        """Hand every committed, unclaimed print/drawer row to its lane; returns how many were dealt with."""
        async with self._db.read() as session:
            rows = list(
                await session.scalars(
                    select(OutboxEntry)
                    .where(OutboxEntry.status == "pending", OutboxEntry.kind.in_(KINDS))
                    .order_by(OutboxEntry.id)
                    .limit(BATCH)
                )
            )
        handled = 0
        for row in _drawer_first([row for row in rows if not row.payload.get("queue")]):
            lane = self._devices.lane(_int(row.payload.get("lane_id")))
            if lane is None:
                continue  # lane inactive or not open yet: the row waits
            if row.kind == "open_drawer":
                handled += await self._drawer(row, lane)
            else:
                handled += await self._receipt(row, lane)
        return handled

    async def _receipt(self, row: OutboxEntry, lane: LaneDevices) -> int:
        if lane.queue is None:
            return await self._no_printer(row, lane)
        try:
            receipt = await self._build(row)
        except receipts.ReceiptUnavailable as exc:
            await self._store.fail(job_id_for(row.id), exc.message)
            return 1
        except Exception as exc:
            log.exception("outbox row %s: receipt cannot be built", row.id)
            await self._store.fail(job_id_for(row.id), f"no se pudo armar la boleta: {exc!r}")
            return 1
        return await self._submit(row, lane, receipt)

    async def _build(self, row: OutboxEntry) -> Receipt:
        # Keyed lookups of one sale (inline: a receipt per sale, and each thread hop cost more than its query).
        async with self._db.read(quick=True) as session:
            document_id = row.payload.get("document_id")
            copy = bool(row.payload.get("copy"))  # a reprint says COPIA
            if document_id is not None:
                document = await session.get(Document, _int(document_id))
                if document is None:
                    raise receipts.ReceiptUnavailable(f"El documento {document_id} no existe.")
                return receipts.compose(await receipts.receipt_data(session, document, copy=copy))
            return await receipts.sale_receipt(session, _int(row.payload.get("sale_id")), copy=copy)

    async def _drawer(self, row: OutboxEntry, lane: LaneDevices) -> int:
        pin = _int(row.payload.get("pin", lane.settings.drawer_pin))
        if pin == NO_DRAWER:
            await self._store.complete(job_id_for(row.id))
            return 1
        if pin == GPIO_RELAY:
            board = self._devices.board
            if board is None or not board.drawer.fitted:
                await self._store.fail(
                    job_id_for(row.id), "no hay relé GPIO de cajón configurado ([gpio] drawer_relay)"
                )
                return 1
            board.drawer.pulse()
            await self._store.complete(job_id_for(row.id))
            return 1
        if pin not in PRINTER_PINS:
            await self._store.fail(job_id_for(row.id), f"pin de cajón {pin} no válido")
            return 1
        if lane.queue is None:
            return await self._no_printer(row, lane)
        return await self._submit(row, lane, drawer_receipt(2 if pin == 2 else 5))

    async def _submit(self, row: OutboxEntry, lane: LaneDevices, receipt: Receipt) -> int:
        assert lane.queue is not None
        try:
            await lane.queue.submit(receipt, job_id=job_id_for(row.id))
        except AlreadyClaimed:
            return 0  # another worker on this database took it
        return 1

    async def _no_printer(self, row: OutboxEntry, lane: LaneDevices) -> int:
        if "printer" in lane.specs.errors or "printer" in lane.open_errors:
            return 0  # a printer is configured but its settings are wrong: wait for the fix, then print
        # The lane has no printer on purpose: the customer got the receipt some other way (or none was due).
        await self._store.fail(job_id_for(row.id), "la caja no tiene impresora configurada")
        return 1


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _drawer_first(rows: list[OutboxEntry]) -> list[OutboxEntry]:
    """A sale's drawer before its receipt: the cashier gives change while the receipt prints."""
    ordered = list(rows)
    for index in range(len(ordered) - 1):
        current, following = ordered[index], ordered[index + 1]
        if (
            current.kind == "print_receipt"
            and following.kind == "open_drawer"
            and (current.ref_type, current.ref_id) == (following.ref_type, following.ref_id)
        ):
            ordered[index], ordered[index + 1] = following, current
    return ordered
