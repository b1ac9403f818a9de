"""The drivers that serve one lane: its printer (behind a print queue), its scanner's read loop and its scale.

Opening never fails for missing hardware: the drivers open their device lazily and report health instead, so a box
with the printer switched off still sells and the badge says why. A connection string that does not parse leaves
that device off with a Spanish error in its health.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from appliance.devices.health import ABSENT, DeviceHealth, driver_health, misconfigured, printer_health
from appliance.devices.specs import LaneDeviceSpecs, PrinterSpec, ScaleSpec, ScannerSpec
from appliance.jobs.print_store import OutboxJobStore
from drivers.printing import (
    Backoff,
    DrawerKick,
    DrawerPin,
    Printer,
    PrinterProfile,
    PrinterStatus,
    PrintQueue,
    QueueSnapshot,
    Receipt,
    SimulatedPrinter,
    connect,
)
from drivers.scale import PROTOCOLS, Scale, SerialScale, SimulatedScale
from drivers.scanner import EvdevScanner, Scanner, SerialScanner, SimulatedScanner

log = logging.getLogger(__name__)
T = TypeVar("T")


class LanePrinter:
    """What a lane's print queue drives. A receipt made only of drawer kicks pulses the drawer instead of printing an
    empty ticket, so the drawer waits in the same queue, in order, behind the same offline handling; a kick the
    queue dropped as too late (the receipt waited for paper) leaves nothing to do."""

    def __init__(self, printer: Printer) -> None:
        self.inner = printer

    @property
    def profile(self) -> PrinterProfile:
        return self.inner.profile

    def print(self, receipt: Receipt) -> None:
        kicks = [block for block in receipt.blocks if isinstance(block, DrawerKick)]
        if len(kicks) == len(receipt.blocks):
            for kick in kicks:
                self.inner.open_drawer(kick.pin)
            return
        self.inner.print(receipt)

    def open_drawer(self, pin: DrawerPin = 2) -> None:
        self.inner.open_drawer(pin)

    def status(self) -> PrinterStatus:
        return self.inner.status()


def drawer_receipt(pin: DrawerPin) -> Receipt:
    return Receipt((DrawerKick(pin),))


@dataclass(frozen=True)
class LastScan:
    code: str
    added: bool
    message: str
    at: datetime


@dataclass(frozen=True)
class LaneSettings:
    """The lane row's device columns, as last read: a change in any of them reopens the lane's devices."""

    lane_id: int
    code: str
    name: str
    printer: str
    scanner: str
    scale: str
    drawer_pin: int

    def devices_differ(self, other: LaneSettings) -> bool:
        def key(s: LaneSettings) -> tuple[str, str, str, int]:
            return (s.printer, s.scanner, s.scale, s.drawer_pin)

        return key(self) != key(other)


ScanHandler = Callable[["LaneDevices", str], Awaitable[None]]
QueueListener = Callable[["LaneDevices", QueueSnapshot], None]


def queue_name(lane_id: int) -> str:
    """Stable across restarts and reconfiguration: the job store finds a lane's waiting jobs by it."""
    return f"lane-{lane_id}"


class LaneDevices:
    def __init__(self, settings: LaneSettings, receipts_dir: Path) -> None:
        self.settings = settings
        self.specs = LaneDeviceSpecs.from_texts(settings.printer, settings.scanner, settings.scale, settings.drawer_pin)
        self.spool_dir = receipts_dir / settings.code
        self.printer: LanePrinter | None = None
        self.queue: PrintQueue | None = None
        self.scanner: Scanner | None = None
        self.scale: Scale | None = None
        self.last_scan: LastScan | None = None
        self.open_errors: dict[str, str] = {}
        self._scan_task: asyncio.Task[None] | None = None
        self._store: OutboxJobStore | None = None

    @property
    def lane_id(self) -> int:
        return self.settings.lane_id

    @property
    def simulated_printer(self) -> SimulatedPrinter | None:
        inner = self.printer.inner if self.printer else None
        return inner if isinstance(inner, SimulatedPrinter) else None

    async def open(
        self,
        store: OutboxJobStore,
        *,
        backoff: Backoff,
        on_scan: ScanHandler,
        on_queue_change: QueueListener,
    ) -> None:
        self._store = store
        self.printer = self._guard("printer", lambda: self._open_printer(self.specs.printer))
        if self.printer is not None:
            self.queue = PrintQueue(
                self.printer,
                store,
                name=queue_name(self.lane_id),
                backoff=backoff,
                on_change=lambda snapshot: on_queue_change(self, snapshot),
            )
            await self.queue.start()
        self.scanner = self._guard("scanner", lambda: open_scanner(self.specs.scanner))
        if self.scanner is not None:
            self._scan_task = asyncio.create_task(
                self._read_scans(self.scanner, on_scan), name=f"scanner-{self.settings.code}"
            )
        self.scale = self._guard("scale", lambda: open_scale(self.specs.scale))

    def _guard(self, kind: str, build: Callable[[], T | None]) -> T | None:
        try:
            return build()
        except Exception as exc:  # a driver that cannot even be built is this device's problem, not the lane's
            log.exception("lane %s: cannot open the %s", self.settings.code, kind)
            self.open_errors[kind] = str(exc)
            return None

    def _open_printer(self, spec: PrinterSpec | None) -> LanePrinter | None:
        if spec is None:
            return None
        return LanePrinter(connect(spec.connection, spec.profile, spool_dir=self.spool_dir))

    async def _read_scans(self, scanner: Scanner, on_scan: ScanHandler) -> None:
        while True:
            try:
                async for code in scanner.scans():
                    try:
                        await on_scan(self, code)
                    except Exception:  # one bad scan (database busy …) must not stop the scanner
                        log.exception("lane %s: scan %r not handled", self.settings.code, code)
                return  # the scanner was closed
            except Exception:
                log.exception("lane %s: scanner loop failed; restarting", self.settings.code)
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self._scan_task is not None:
            self._scan_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scan_task
        for part in (self.scanner, self.scale):
            if part is not None:
                with contextlib.suppress(Exception):
                    await part.close()
        if self.queue is not None:
            # Waiting jobs stay in the store; the next queue of this lane (same name) picks them up.
            await self.queue.stop(grace=15.0)

    def waiting_tickets(self) -> int:
        """Receipts waiting for the printer (drawer kicks waiting with them are not tickets)."""
        if self.queue is None or self._store is None:
            return 0
        store = self._store
        return sum(1 for job in self.queue.snapshot().pending if not store.is_drawer(job.id))

    def health(self) -> dict[str, DeviceHealth]:
        result: dict[str, DeviceHealth] = {}
        for kind in ("printer", "scanner", "scale"):
            error = self.specs.errors.get(kind) or self.open_errors.get(kind)
            result[kind] = misconfigured(error) if error else self._live_health(kind)
        return result

    def _live_health(self, kind: str) -> DeviceHealth:
        if kind == "printer":
            if self.printer is None:
                return ABSENT[kind]
            return printer_health(self.queue.snapshot() if self.queue else None, None, self.waiting_tickets())
        device = self.scanner if kind == "scanner" else self.scale
        return ABSENT[kind] if device is None else driver_health(kind, device.health())


def open_scanner(spec: ScannerSpec | None) -> Scanner | None:
    if spec is None:
        return None
    if spec.kind == "simulated":
        return SimulatedScanner()
    if spec.kind == "evdev":
        return EvdevScanner(spec.path, spec.layout)
    return SerialScanner(spec.path, terminator=spec.terminator, baudrate=spec.baudrate)


def open_scale(spec: ScaleSpec | None) -> Scale | None:
    if spec is None:
        return None
    if spec.kind == "simulated":
        return SimulatedScale()
    protocol = PROTOCOLS[spec.protocol]
    if spec.baudrate is not None:
        protocol = dataclasses.replace(protocol, baudrate=spec.baudrate)
    return SerialScale(spec.path, protocol)
