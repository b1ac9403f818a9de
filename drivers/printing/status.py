"""Printer status as the app sees it, and the decoding of ESC/POS real-time status replies (`DLE EOT n`).

Bit meanings are Epson's, which the clones copy: every reply byte has bits 1 and 4 set and bits 0 and 7 clear, which is
how a status byte is told apart from noise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

DLE_EOT = b"\x10\x04"
QUERY_PRINTER = DLE_EOT + b"\x01"  # n = 1: printer status
QUERY_OFFLINE_CAUSE = DLE_EOT + b"\x02"  # n = 2: why it is offline
QUERY_PAPER = DLE_EOT + b"\x04"  # n = 4: roll paper sensors

_FIXED_MASK = 0b1001_0011
_FIXED_BITS = 0b0001_0010
_OFFLINE = 0x08  # n = 1
_COVER_OPEN = 0x04  # n = 2
_STOPPED_PAPER_END = 0x20  # n = 2
_ERROR = 0x40  # n = 2
_PAPER_NEAR_END = 0x0C  # n = 4
_PAPER_END = 0x60  # n = 4


class PrinterState(enum.StrEnum):
    OK = "ok"
    OFFLINE = "offline"  # unreachable: unplugged, switched off, wrong address
    PAPER_OUT = "paper_out"
    ERROR = "error"  # reachable but not printing: cover open, cutter jammed, overheated …


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    state: PrinterState
    detail: str = ""
    paper_near_end: bool = False
    cover_open: bool = False
    # False when the connection cannot read back (a plain device file): "ok" then only means it opened.
    verified: bool = True

    @property
    def ok(self) -> bool:
        return self.state is PrinterState.OK

    @classmethod
    def offline(cls, detail: str) -> PrinterStatus:
        return cls(PrinterState.OFFLINE, detail)


def is_status_byte(value: int) -> bool:
    return value & _FIXED_MASK == _FIXED_BITS


def decode(printer: int, paper: int, offline_cause: int | None = None) -> PrinterStatus:
    """The status from the replies to DLE EOT 1, DLE EOT 4 and, when the printer says it is offline, DLE EOT 2."""
    for name, value in (("printer", printer), ("paper", paper), ("offline cause", offline_cause)):
        if value is not None and not is_status_byte(value):
            return PrinterStatus(PrinterState.ERROR, f"unexpected {name} status byte 0x{value:02x}")
    near_end = bool(paper & _PAPER_NEAR_END)
    cause = offline_cause or 0
    cover_open = bool(cause & _COVER_OPEN)
    if paper & _PAPER_END or cause & _STOPPED_PAPER_END:
        return PrinterStatus(PrinterState.PAPER_OUT, "paper end", near_end, cover_open)
    if printer & _OFFLINE:
        if cover_open:
            detail = "cover open"
        elif cause & _ERROR:
            detail = "printer error (cutter, head temperature or voltage)"
        else:
            detail = "printer reports offline"
        return PrinterStatus(PrinterState.ERROR, detail, near_end, cover_open)
    return PrinterStatus(PrinterState.OK, "paper near end" if near_end else "", near_end, cover_open)


def encode_reply(status: PrinterState, *, near_end: bool = False, cover_open: bool = False) -> dict[int, int]:
    """The reply bytes a printer in `status` gives to DLE EOT 1, 2, 3 and 4 (for simulated and test printers)."""
    printer = _FIXED_BITS
    cause = _FIXED_BITS
    paper = _FIXED_BITS | (_PAPER_NEAR_END if near_end else 0)
    if status is PrinterState.PAPER_OUT:
        printer |= _OFFLINE
        cause |= _STOPPED_PAPER_END
        paper |= _PAPER_END | _PAPER_NEAR_END
    elif status is PrinterState.ERROR or cover_open:
        printer |= _OFFLINE
        cause |= _COVER_OPEN if cover_open else _ERROR
    return {1: printer, 2: cause, 3: _FIXED_BITS, 4: paper}
