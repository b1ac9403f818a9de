"""A printer without hardware, for the demo and the tests: it keeps each job's exact ESC/POS bytes and its receipt.

It renders with the same code as `EscposPrinter`, so what it keeps is byte for byte what a real printer would have
received. It can be told to be offline, out of paper or in error, to exercise the queue and the screens that report it.

The PNG preview is drawn when someone looks at it (`preview_png`, `spooled_preview`), not at print time: drawing it
costs more CPU than the ESC/POS job itself, on the box that is taking the next scan.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from drivers.printing.errors import PrinterUnavailable
from drivers.printing.escpos_render import drawer_kick_bytes, render_escpos
from drivers.printing.preview import render_preview_png
from drivers.printing.profiles import PAPER_80MM, PrinterProfile, profile_by_name
from drivers.printing.receipt import DrawerPin, Receipt
from drivers.printing.receipt_json import receipt_from_json, receipt_to_json
from drivers.printing.status import PrinterState, PrinterStatus

_SPOOLED = re.compile(r"(\d{6})-(receipt|drawer)\.escpos")
PREVIEW_NAME = re.compile(r"(\d{6})-receipt\.png")


@dataclass(frozen=True, slots=True)
class SimulatedJob:
    number: int
    kind: Literal["receipt", "drawer"]
    escpos: bytes
    receipt: Receipt | None  # receipts only
    profile: PrinterProfile
    at: datetime

    @property
    def preview_png(self) -> bytes | None:
        return render_preview_png(self.receipt, self.profile) if self.receipt is not None else None


def spooled_preview(spool_dir: Path, name: str) -> bytes | None:
    """The preview PNG of a spooled receipt (`000012-receipt.png`), drawn from its saved receipt on first look and
    kept beside it. None for a name the printer never wrote, or a job not complete yet."""
    if not PREVIEW_NAME.fullmatch(name):
        return None
    png = spool_dir / name
    if png.is_file():
        return png.read_bytes()
    saved = png.with_suffix(".json")
    if not png.with_suffix(".escpos").is_file() or not saved.is_file():
        return None
    spooled = json.loads(saved.read_text(encoding="utf-8"))
    profile = profile_by_name(
        spooled["profile"], native_pdf417=spooled["native_pdf417"], native_qr=spooled["native_qr"]
    )
    data = render_preview_png(receipt_from_json(spooled["receipt"]), profile)
    # Two first looks at once each write their own whole file; the last rename wins with the same bytes.
    partial = png.with_name(f"{png.name}.{os.getpid()}-{threading.get_ident()}.part")
    partial.write_bytes(data)
    partial.replace(png)
    return data


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
        self._keep("receipt", render_escpos(receipt, self._profile), receipt)

    def open_drawer(self, pin: DrawerPin = 2) -> None:
        self._check()
        self._keep("drawer", drawer_kick_bytes(pin), None)

    def _check(self) -> None:
        status = self.status()
        if not status.ok:
            raise PrinterUnavailable(status)

    def _keep(self, kind: Literal["receipt", "drawer"], data: bytes, receipt: Receipt | None) -> None:
        with self._lock:
            job = SimulatedJob(self._next_number, kind, data, receipt, self._profile, datetime.now(UTC))
            self._next_number += 1
            if self._spool_dir is not None:
                stem = self._spool_dir / f"{job.number:06d}-{kind}"
                if receipt is not None:
                    saved = {
                        "profile": self._profile.name,
                        "native_pdf417": self._profile.native_pdf417,
                        "native_qr": self._profile.native_qr,
                        "receipt": receipt_to_json(receipt),
                    }
                    stem.with_suffix(".json").write_text(json.dumps(saved), encoding="utf-8")
                # The .escpos file is written last: its presence marks a complete job.
                stem.with_suffix(".escpos").write_bytes(data)
            self._sent.append(job)
