"""The print queue over the simulated printer: order, waiting out a printer without paper, surviving a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drivers.printing import (
    PAPER_58MM,
    Backoff,
    MemoryJobStore,
    PrinterState,
    PrintQueue,
    QueueSnapshot,
    QueueState,
    Receipt,
    ReceiptBuilder,
    SimulatedPrinter,
    receipt_from_json,
    receipt_to_json,
)
from drivers.printing.escpos_render import render_escpos
from tests.drivers.escpos_parse import parse
from tests.drivers.printer_doubles import boleta, eventually

FAST = Backoff(initial=0.02, factor=2, maximum=0.1)


def ticket(number: int, *, drawer: bool = False) -> Receipt:
    builder = ReceiptBuilder().text(f"BOLETA ELECTRÓNICA N° {number}").cut()
    if drawer:
        builder.kick_drawer(2)
    return builder.build()


def printed_numbers(printer: SimulatedPrinter) -> list[str]:
    return [parse(job.escpos).lines[0].text.rsplit(" ", 1)[-1] for job in printer.jobs]


async def test_jobs_print_in_submission_order() -> None:
    printer = SimulatedPrinter(PAPER_58MM)
    store = MemoryJobStore()
    queue = PrintQueue(printer, store, name="caja-1", backoff=FAST)
    await queue.start()
    try:
        for number in range(1, 6):
            await queue.submit(ticket(number), job_id=f"sale-{number}")
        await queue.join()
        assert printed_numbers(printer) == ["1", "2", "3", "4", "5"]
        assert store.completed == [f"sale-{n}" for n in range(1, 6)] and store.jobs == {}
        assert queue.snapshot().state is QueueState.IDLE
    finally:
        await queue.stop()
    assert queue.snapshot().state is QueueState.STOPPED


async def test_out_of_paper_jobs_wait_and_print_when_paper_is_back() -> None:
    printer = SimulatedPrinter(PAPER_58MM)
    printer.set_state(PrinterState.PAPER_OUT)
    changes: list[QueueSnapshot] = []
    queue = PrintQueue(printer, MemoryJobStore(), backoff=FAST, on_change=changes.append)
    await queue.start()
    try:
        await queue.submit(ticket(1), job_id="a")
        await queue.submit(ticket(2), job_id="b")
        await eventually(lambda: queue.snapshot().state is QueueState.WAITING, what="queue waiting")
        snapshot = queue.snapshot()
        # What the tablet shows: "impresora sin papel, 2 tickets esperando".
        assert snapshot.printer_status is not None
        assert snapshot.printer_status.state is PrinterState.PAPER_OUT
        assert snapshot.waiting_count == 2
        assert [job.id for job in snapshot.pending] == ["a", "b"]
        assert snapshot.retry_in is not None
        await eventually(lambda: queue.snapshot().pending[0].attempts >= 3, what="retries with backoff")
        assert "paper" in queue.snapshot().pending[0].last_error
        assert printer.jobs == []

        printer.set_state(PrinterState.OK)
        await queue.join()
        assert printed_numbers(printer) == ["1", "2"]
        assert queue.snapshot().printer_status.ok
        assert any(change.state is QueueState.WAITING for change in changes)
    finally:
        await queue.stop()


async def test_check_printer_cuts_the_backoff_short() -> None:
    printer = SimulatedPrinter(PAPER_58MM)
    printer.set_state(PrinterState.OFFLINE)
    queue = PrintQueue(printer, MemoryJobStore(), backoff=Backoff(initial=60, maximum=60))
    await queue.start()
    try:
        await queue.submit(ticket(1))
        await eventually(lambda: queue.snapshot().state is QueueState.WAITING)
        printer.set_state(PrinterState.OK)
        status = await queue.check_printer()
        assert status.ok
        await eventually(lambda: len(printer.jobs) == 1, within=2, what="print right after the check")
    finally:
        await queue.stop()


async def test_a_restart_loses_nothing() -> None:
    store = MemoryJobStore()
    printer = SimulatedPrinter(PAPER_58MM)
    printer.set_state(PrinterState.OFFLINE)
    first = PrintQueue(printer, store, name="caja-1", backoff=FAST)
    await first.start()
    await first.submit(ticket(1), job_id="sale-1")
    await first.submit(ticket(2), job_id="sale-2")
    await eventually(lambda: first.snapshot().state is QueueState.WAITING)
    await first.stop()
    assert [job.id for job in await store.pending("caja-1")] == ["sale-1", "sale-2"]
    assert (await store.pending("caja-1"))[0].attempts >= 1

    # The box restarts; the printer is back.
    printer.set_state(PrinterState.OK)
    second = PrintQueue(printer, store, name="caja-1", backoff=FAST)
    await second.start()
    try:
        await second.join()
    finally:
        await second.stop()
    assert printed_numbers(printer) == ["1", "2"]
    assert store.jobs == {}


async def test_jobs_of_other_printers_are_left_alone() -> None:
    store = MemoryJobStore()
    other = PrintQueue(SimulatedPrinter(PAPER_58MM), store, name="caja-2")
    await other.submit(ticket(9), job_id="other")  # queued while that queue is not running
    printer = SimulatedPrinter(PAPER_58MM)
    queue = PrintQueue(printer, store, name="caja-1", backoff=FAST)
    await queue.start()
    try:
        await queue.submit(ticket(1))
        await queue.join()
    finally:
        await queue.stop()
    assert printed_numbers(printer) == ["1"]
    assert [job.id for job in await store.pending("caja-2")] == ["other"]


async def test_resubmitting_a_pending_job_is_a_no_op() -> None:
    printer = SimulatedPrinter(PAPER_58MM)
    printer.set_state(PrinterState.OFFLINE)
    queue = PrintQueue(printer, MemoryJobStore(), backoff=FAST)
    await queue.start()
    try:
        first = await queue.submit(ticket(1), job_id="sale-1")
        again = await queue.submit(ticket(1), job_id="sale-1")
        assert again == first
        assert queue.snapshot().waiting_count == 1
    finally:
        await queue.stop()


async def test_a_job_that_can_never_print_is_set_aside() -> None:
    printer = SimulatedPrinter(PAPER_58MM)
    store = MemoryJobStore()
    queue = PrintQueue(printer, store, backoff=FAST)
    too_big = ReceiptBuilder().text("N° 1").pdf417(bytes(range(256)) * 8).build()
    await queue.start()
    try:
        await queue.submit(too_big, job_id="broken")
        await queue.submit(ticket(2), job_id="fine")
        await queue.join()
    finally:
        await queue.stop()
    assert printed_numbers(printer) == ["2"]
    assert "cannot be printed" in store.failed["broken"]
    assert [job_id for job_id, _ in queue.snapshot().failed] == ["broken"]


async def test_a_late_job_does_not_spring_the_drawer_open() -> None:
    now = datetime(2025, 11, 21, 20, 46, tzinfo=UTC)
    clock = [now]
    printer = SimulatedPrinter(PAPER_58MM)
    printer.set_state(PrinterState.PAPER_OUT)
    queue = PrintQueue(
        printer, MemoryJobStore(), backoff=FAST, drawer_kick_window=timedelta(seconds=60), clock=lambda: clock[0]
    )
    await queue.start()
    try:
        await queue.submit(ticket(1, drawer=True))
        await eventually(lambda: queue.snapshot().state is QueueState.WAITING)
        clock[0] = now + timedelta(minutes=5)  # paper arrives five minutes later
        await queue.submit(ticket(2, drawer=True))  # submitted now: its drawer still opens
        printer.set_state(PrinterState.OK)
        await queue.join()
    finally:
        await queue.stop()
    assert [parse(job.escpos).drawer_kicks for job in printer.jobs] == [[], [(0, 50, 50)]]


async def test_a_prompt_job_opens_the_drawer() -> None:
    printer = SimulatedPrinter(PAPER_58MM)
    queue = PrintQueue(printer, MemoryJobStore(), backoff=FAST)
    await queue.start()
    try:
        await queue.submit(boleta())
        await queue.join()
    finally:
        await queue.stop()
    assert printer.jobs[0].escpos == render_escpos(boleta(), PAPER_58MM)


@pytest.mark.parametrize("receipt", [boleta(), ticket(7, drawer=True), Receipt()], ids=["boleta", "ticket", "empty"])
def test_receipts_survive_json_for_the_job_store(receipt: Receipt) -> None:
    text = receipt_to_json(receipt)
    again = receipt_from_json(text)
    assert render_escpos(again, PAPER_58MM) == render_escpos(receipt, PAPER_58MM)
    assert receipt_to_json(again) == text


def test_unknown_json_is_refused() -> None:
    with pytest.raises(ValueError, match="version 1"):
        receipt_from_json('{"blocks": []}')
    with pytest.raises(ValueError, match="unknown receipt block"):
        receipt_from_json('{"version": 1, "blocks": [{"type": "hologram"}]}')
