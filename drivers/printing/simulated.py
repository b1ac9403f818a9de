"""A printer without hardware, for the demo and the tests: it keeps each job's exact ESC/POS bytes and its preview.

It renders with the same code as `EscposPrinter`, so what it keeps is byte for byte what a real printer would have
received. It can be told to be offline, out of paper or in error, to exercise the queue and the screens that report it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from drivers.printing.errors import PrinterUnavailable
from drivers.printing.escpos_render import drawer_kick_bytes, render_escpos
from drivers.printing.preview import render_preview_png
from drivers.printing.profiles import PAPER_80MM, PrinterProfile
from drivers.printing.receipt import DrawerPin, Receipt
from drivers.printing.status import PrinterState, PrinterStatus

_SPOOLED = re.compile(r"(\d{6})-(receipt|drawer)\.escpos")


@dataclass(frozen=True, slots=True)
class SimulatedJob:
    number: int
    kind: Literal["receipt", "drawer"]
    escpos: bytes
    preview_png: bytes | None  # receipts only
    at: datetime


class SimulatedPrinter:
    def __init__(self, profile: PrinterProfile = PAPER_80MM, *, spool_dir: Path | None = None) -> None:
        self._profile = profile
        self._spool_dir = spool_dir
        self._lock = threading.Lock()
        self._status = PrinterStatus(PrinterState.OK)
        self._sent: list[SimulatedJob] = []
        self._next_number = 1
        if spool_dir is not None:
            spool_dir.mkdir(parents=True, exist_ok=True)
            # Continue the numbering after a restart instead of overwriting the previous jobs.
            numbers = [int(m.group(1)) for p in spool_dir.iterdir() if (m := _SPOOLED.fullmatch(p.name))]
            self._next_number = max(numbers, default=0) + 1

    @property
    def profile(self) -> PrinterProfile:
        return self._profile

    def __repr__(self) -> str:
        return f"SimulatedPrinter({self._profile.name}, {self._status.state.value})"

    def set_state(self, state: PrinterState, detail: str = "", *, paper_near_end: bool = False) -> None:
        """Make the printer offline, out of paper, in error, or OK again."""
        with self._lock:
            self._status = PrinterStatus(
                state,
                detail or ("" if state is PrinterState.OK else f"simulated {state.value}"),
                paper_near_end=paper_near_end,
                cover_open=state is PrinterState.ERROR and "cover" in detail,
            )

    def status(self) -> PrinterStatus:
        with self._lock:
            return self._status

    @property
    def sent(self) -> list[SimulatedJob]:
        """Everything the printer accepted, receipts and drawer kicks, in order."""
        with self._lock:
            return list(self._sent)

    @property
    def jobs(self) -> list[SimulatedJob]:
        """The receipts printed, in order."""
        return [job for job in self.sent if job.kind == "receipt"]

    def print(self, receipt: Receipt) -> None:
        self._check()
        data = render_escpos(receipt, self._profile)
        self._keep("receipt", data, render_preview_png(receipt, self._profile))

    def open_drawer(self, pin: DrawerPin = 2) -> None:
        self._check()
        self._keep("drawer", drawer_kick_bytes(pin), None)

    def _check(self) -> None:
        status = self.status()
        if not status.ok:
            raise PrinterUnavailable(status)

    def _keep(self, kind: Literal["receipt", "drawer"], data: bytes, preview: bytes | None) -> None:
        with self._lock:
            job = SimulatedJob(self._next_number, kind, data, preview, datetime.now(UTC))
            self._next_number += 1
            if self._spool_dir is not None:
                stem = self._spool_dir / f"{job.number:06d}-{kind}"
                if preview is not None:
                    stem.with_suffix(".png").write_bytes(preview)
                # The .escpos file is written last: its presence marks a complete job.
                stem.with_suffix(".escpos").write_bytes(data)
            self._sent.append(job)
