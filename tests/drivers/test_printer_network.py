"""A network printer on 127.0.0.1: real-time status over TCP, and a printer that hangs in the middle of a job."""

from __future__ import annotations

import socket

import pytest

from drivers.printing import (
    PAPER_80MM,
    Backoff,
    EscposPrinter,
    MemoryJobStore,
    PrinterState,
    PrinterUnavailable,
    PrintQueue,
    QueueState,
    ReceiptBuilder,
    connect,
    render_escpos,
)
from tests.drivers.escpos_parse import parse
from tests.drivers.printer_doubles import NetworkPrinterDouble, boleta, eventually, network_printer

# Short timeouts keep the tests fast; a real printer gets seconds (defaults 5 s and 30 s).
FAST_TCP = "?timeout=0.3&wait_eof=0.5"
STATUS_QUERIES = b"\x10\x04\x01\x10\x04\x04"


def printer_for(double: NetworkPrinterDouble) -> EscposPrinter:
    printer = connect(double.url + FAST_TCP, PAPER_80MM)
    assert isinstance(printer, EscposPrinter)
    return printer


def test_status_is_read_with_dle_eot() -> None:
    with network_printer() as double:
        printer = printer_for(double)
        assert printer.status().ok
        double.paper_near_end = True
        status = printer.status()
        assert status.ok and status.paper_near_end
        double.state = PrinterState.PAPER_OUT
        assert printer.status().state is PrinterState.PAPER_OUT
        double.state = PrinterState.OK
        double.cover_open = True
        status = printer.status()
        assert status.state is PrinterState.ERROR and status.cover_open and "cover" in status.detail


def test_unreachable_printer_is_offline() -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]  # bound, not listening: connections are refused
        printer = connect(f"tcp:127.0.0.1:{port}{FAST_TCP}", PAPER_80MM)
        assert printer.status().state is PrinterState.OFFLINE
        with pytest.raises(PrinterUnavailable) as raised:
            printer.print(boleta())
        assert raised.value.status.state is PrinterState.OFFLINE


def test_silent_printer_is_offline() -> None:
    with network_printer() as double:
        double.stop_answering()
        assert printer_for(double).status().state is PrinterState.OFFLINE


def test_no_job_is_sent_to_a_printer_without_paper() -> None:
    with network_printer() as double:
        double.state = PrinterState.PAPER_OUT
        with pytest.raises(PrinterUnavailable) as raised:
            printer_for(double).print(boleta())
        assert raised.value.status.state is PrinterState.PAPER_OUT
        assert all(parse(bytes(session.data)).lines == [] for session in double.sessions)
        assert double.received().replace(STATUS_QUERIES, b"").replace(b"\x10\x04\x02", b"") == b""


def test_a_job_goes_out_whole_and_is_confirmed() -> None:
    with network_printer() as double:
        printer_for(double).print(boleta())
        job = render_escpos(boleta(), PAPER_80MM)
        [session] = double.sessions
        assert session.completed
        assert bytes(session.data) == STATUS_QUERIES + job


async def test_printer_hanging_mid_job_loses_nothing_and_prints_once() -> None:
    first, second = boleta(), ReceiptBuilder().text("BOLETA ELECTRÓNICA N° 1235").cut().build()
    first_bytes, second_bytes = render_escpos(first, PAPER_80MM), render_escpos(second, PAPER_80MM)
    with network_printer() as double:
        queue = PrintQueue(printer_for(double), MemoryJobStore(), backoff=Backoff(initial=0.05, maximum=0.2))
        await queue.start()
        try:
            # The printer reads the status queries and a third of the job, then hangs.
            double.stop_answering(after_bytes=len(STATUS_QUERIES) + len(first_bytes) // 3)
            await queue.submit(first, job_id="sale-1234")
            await eventually(lambda: queue.snapshot().state is QueueState.WAITING, what="queue waiting")
            await queue.submit(second, job_id="sale-1235")
            await eventually(lambda: queue.snapshot().pending[0].attempts >= 2, what="a retry against the hung printer")
            snapshot = queue.snapshot()
            assert snapshot.state is QueueState.WAITING
            assert snapshot.printer_status is not None and snapshot.printer_status.state is PrinterState.OFFLINE
            assert [job.id for job in snapshot.pending] == ["sale-1234", "sale-1235"]
            assert double.received().count(first_bytes) == 0  # only part of it arrived

            double.resume()  # switched off and on: the half-received job is gone from the printer
            await queue.join()
        finally:
            await queue.stop()

        received = double.received()
        assert received.count(first_bytes) == 1
        assert received.count(second_bytes) == 1
        assert received.index(first_bytes) < received.index(second_bytes)
        completed = [bytes(session.data) for session in double.sessions if session.completed]
        assert completed[-2:] == [STATUS_QUERIES + first_bytes, STATUS_QUERIES + second_bytes]
        assert any(session.aborted and len(session.data) > len(STATUS_QUERIES) for session in double.sessions)
        assert queue.snapshot().pending == ()
