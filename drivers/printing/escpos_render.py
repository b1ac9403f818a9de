"""Renders a `Receipt` to ESC/POS through python-escpos.

Every job is drawn on a fresh `escpos.printer.Dummy`, and the resulting bytes are what goes to the device: the job is
then a single write that either happens whole or is retried whole, the simulated printer keeps exactly what a real
one would have received, and python-escpos's per-object state (the code page it believes is selected) cannot leak
from one job into the next.
"""

from __future__ import annotations

from typing import Any

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from drivers.printing import pdf417
from drivers.printing.layout import (
    Bitmap,
    CutPaper,
    FeedLines,
    KickDrawer,
    NativePdf417,
    NativeQr,
    TextLine,
    lay_out,
)
from drivers.printing.profiles import PrinterProfile
from drivers.printing.receipt import Align, DrawerPin, Receipt


def render_escpos(receipt: Receipt, profile: PrinterProfile) -> bytes:
    """The complete ESC/POS job for `receipt`: initialize, select the code page, print, feed, cut, kick."""
    printer = Dummy(profile=profile.escpos_profile())
    write_receipt(printer, receipt, profile)
    return bytes(printer.output)


def drawer_kick_bytes(pin: DrawerPin) -> bytes:
    """`ESC p m t1 t2` for connector pin 2 (m = 0) or 5 (m = 1), as python-escpos sends it."""
    if pin not in (2, 5):
        raise ValueError(f"the drawer connector has pins 2 and 5, not {pin}")
    printer = Dummy()
    printer.cashdraw(pin)
    return bytes(printer.output)


class _Style:
    """Sends only the style changes a line needs; python-escpos's `set` would otherwise repeat them on every line."""

    def __init__(self, printer: Any) -> None:
        self._printer = printer
        self._align: Align = "left"
        self._bold = False
        self._size = (False, False)

    def apply(self, *, align: Align, bold: bool = False, size: tuple[bool, bool] = (False, False)) -> None:
        if size != self._size:
            double_width, double_height = size
            self._printer.set(
                normal_textsize=not (double_width or double_height),
                double_width=double_width,
                double_height=double_height,
            )
            self._size = size
            # ESC ! (which python-escpos uses for sizes) also clears emphasis: say the emphasis again.
            self._printer.set(bold=bold)
            self._bold = bold
        if bold != self._bold:
            self._printer.set(bold=bold)
            self._bold = bold
        if align != self._align:
            self._printer.set(align=align)
            self._align = align


def write_receipt(printer: Any, receipt: Receipt, profile: PrinterProfile) -> None:
    """Draws `receipt` on any python-escpos printer object."""
    printer.hw("INIT")  # ESC @: whatever the previous job left selected, start from the printer's defaults
    printer.charcode(profile.code_page.name)  # ESC t n, and python-escpos stops switching code pages on its own
    style = _Style(printer)
    for item in lay_out(receipt, profile):
        match item:
            case TextLine():
                style.apply(align=item.align, bold=item.bold, size=(item.double_width, item.double_height))
                printer.text(item.text + "\n")
            case Bitmap():
                style.apply(align="left")
                printer.image(item.image, impl="bitImageRaster", center=False)
            case NativePdf417():
                style.apply(align="center")
                # python-escpos 3.1 has no PDF417 method: the GS ( k bytes are ours, sent raw.
                printer._raw(pdf417.native_commands(item.payload, item.symbol))
            case NativeQr():
                style.apply(align="center")
                printer.qr(item.data, ec=QR_ECLEVEL_M, size=item.symbol.module_dots, native=True)
            case FeedLines():
                printer.print_and_feed(item.lines)
            case CutPaper():
                printer.cut(mode="PART" if item.partial else "FULL")
            case KickDrawer():
                printer.cashdraw(item.pin)
