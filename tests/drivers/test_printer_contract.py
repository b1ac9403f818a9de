"""One contract for every Printer: the simulated printer, and the real one over a python-escpos Dummy, a device file
and a serial line (pseudo-terminal) must all receive exactly the same bytes for the same receipt."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from escpos.printer import Dummy

from drivers.printing import (
    PAPER_58MM,
    PAPER_80MM,
    DeviceConnection,
    EscposPrinter,
    FileConnection,
    Printer,
    PrinterState,
    PrinterUnavailable,
    ReceiptBuilder,
    SerialConnection,
    SimulatedPrinter,
    connect,
    drawer_kick_bytes,
    render_escpos,
)
from drivers.printing.simulated import spooled_preview
from tests.drivers.escpos_parse import parse
from tests.drivers.printer_doubles import FifoPrinterDouble, SerialPrinterDouble, boleta


@dataclass
class Subject:
    printer: Printer
    received: Callable[[], bytes]  # everything the device got so far, without status queries


@pytest.fixture(params=["simulated", "dummy", "file", "serial"])
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subject]:
    profile = PAPER_80MM
    if request.param == "simulated":
        simulated = SimulatedPrinter(profile)
        yield Subject(simulated, lambda: b"".join(job.escpos for job in simulated.sent))
    elif request.param == "dummy":
        dummy = Dummy()
        yield Subject(EscposPrinter(DeviceConnection(dummy), profile), lambda: bytes(dummy.output))
    elif request.param == "file":
        fifo = FifoPrinterDouble(tmp_path / "lp0")
        try:
            yield Subject(EscposPrinter(FileConnection(str(fifo.path)), profile), lambda: bytes(fifo.data))
        finally:
            fifo.close()
    else:
        double = SerialPrinterDouble()
        printer = EscposPrinter(SerialConnection(double.path, baudrate=115200, flow="none", timeout=0.5), profile)

        def received() -> bytes:
            # Each conversation starts with the status queries DLE EOT 1 and DLE EOT 4.
            return bytes(double.data).replace(b"\x10\x04\x01\x10\x04\x04", b"")

        try:
            yield Subject(printer, received)
        finally:
            double.close()


def settle(subject: Subject, size: int) -> bytes:
    """Bytes written to a pseudo-terminal arrive on the other side a moment later."""
    import time

    deadline = time.monotonic() + 5
    while len(subject.received()) < size and time.monotonic() < deadline:
        time.sleep(0.01)
    return subject.received()


def test_prints_the_rendered_bytes(subject: Subject) -> None:
    receipt = boleta()
    expected = render_escpos(receipt, PAPER_80MM)
    subject.printer.print(receipt)
    assert settle(subject, len(expected)) == expected


def test_prints_successive_jobs_whole_and_in_order(subject: Subject) -> None:
    first = ReceiptBuilder().text("Boleta N° 1").cut().build()
    second = ReceiptBuilder().text("Boleta N° 2").cut().build()
    subject.printer.print(first)
    subject.printer.print(second)
    expected = render_escpos(first, PAPER_80MM) + render_escpos(second, PAPER_80MM)
    received = settle(subject, len(expected))
    assert received == expected
    assert parse(received).code_pages == [2, 2]  # each job selects its code page again after ESC @


@pytest.mark.parametrize("pin", [2, 5])
def test_opens_the_drawer(subject: Subject, pin: int) -> None:
    subject.printer.open_drawer(pin)
    assert settle(subject, 5) == drawer_kick_bytes(pin)


def test_reports_ok(subject: Subject) -> None:
    assert subject.printer.status().ok


def test_profile_is_the_one_given(subject: Subject) -> None:
    assert subject.printer.profile == PAPER_80MM


@pytest.mark.parametrize("state", [PrinterState.OFFLINE, PrinterState.PAPER_OUT, PrinterState.ERROR])
def test_simulated_printer_refuses_jobs_while_unavailable(state: PrinterState) -> None:
    printer = SimulatedPrinter(PAPER_58MM)
    printer.set_state(state)
    assert printer.status().state is state
    with pytest.raises(PrinterUnavailable) as raised:
        printer.print(boleta())
    assert raised.value.status.state is state
    with pytest.raises(PrinterUnavailable):
        printer.open_drawer()
    assert printer.sent == []
    printer.set_state(PrinterState.OK)
    printer.print(boleta())
    assert len(printer.jobs) == 1


def test_simulated_printer_spools_bytes_and_previews(tmp_path: Path) -> None:
    printer = connect(f"simulated?dir={tmp_path}", PAPER_58MM)
    assert isinstance(printer, SimulatedPrinter)
    printer.print(boleta())
    printer.open_drawer(5)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "000001-receipt.escpos",
        "000001-receipt.json",
        "000002-drawer.escpos",
    ]
    assert (tmp_path / "000001-receipt.escpos").read_bytes() == render_escpos(boleta(), PAPER_58MM)
    # The preview is drawn when first asked for, from the saved receipt, and kept.
    assert spooled_preview(tmp_path, "000001-receipt.png") == printer.jobs[0].preview_png
    assert (tmp_path / "000001-receipt.png").read_bytes() == printer.jobs[0].preview_png
    assert spooled_preview(tmp_path, "000002-drawer.png") is None
    assert spooled_preview(tmp_path, "../000001-receipt.png") is None
    # A restarted demo continues the numbering rather than overwriting.
    again = SimulatedPrinter(PAPER_58MM, spool_dir=tmp_path)
    again.print(boleta())
    assert (tmp_path / "000003-receipt.escpos").exists()


def test_file_printer_that_cannot_be_opened_is_offline(tmp_path: Path) -> None:
    printer = EscposPrinter(FileConnection(str(tmp_path / "missing" / "lp0")), PAPER_80MM)
    status = printer.status()
    assert status.state is PrinterState.OFFLINE
    with pytest.raises(PrinterUnavailable):
        printer.print(boleta())


def test_file_printer_status_is_unverified(tmp_path: Path) -> None:
    path = tmp_path / "lp0"
    path.touch()
    status = EscposPrinter(FileConnection(str(path)), PAPER_80MM).status()
    assert status.ok and not status.verified


def test_usb_without_pyusb_is_reported_not_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("escpos.printer.usb.is_usable", lambda: False)  # whether or not this machine has pyusb
    printer = connect("usb:04b8:0e15", PAPER_80MM)
    status = printer.status()
    assert status.state is PrinterState.ERROR and "pyusb" in status.detail
    with pytest.raises(PrinterUnavailable):
        printer.print(boleta())


def test_usb_without_libusb_is_reported_not_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    import usb.backend.libusb0
    import usb.backend.libusb1
    import usb.backend.openusb

    # Whether or not this machine has libusb: every pyusb backend fails to find its library.
    for backend in (usb.backend.libusb1, usb.backend.openusb, usb.backend.libusb0):
        monkeypatch.setattr(backend, "get_backend", lambda *args, **kwargs: None)
    printer = connect("usb:04b8:0e15", PAPER_80MM)
    status = printer.status()
    assert status.state is PrinterState.ERROR and "libusb" in status.detail
    with pytest.raises(PrinterUnavailable):
        printer.print(boleta())


def test_simulated_previews_drawn_by_two_viewers_at_once_are_whole(tmp_path: Path) -> None:
    printer = SimulatedPrinter(PAPER_58MM, spool_dir=tmp_path)
    printer.print(boleta())
    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(lambda _: spooled_preview(tmp_path, "000001-receipt.png"), range(4)))
    assert len(set(drawn)) == 1 and drawn[0] == printer.jobs[0].preview_png
    assert sorted(path.suffix for path in tmp_path.iterdir()) == [".escpos", ".json", ".png"]  # no .part left
