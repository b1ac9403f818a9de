"""The outbox rows are the print jobs: they survive a restart of the worker (claimed ones reload into their queue,
unclaimed ones are picked up on the first pass) and no row ever prints twice, even with two workers on one database."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from appliance.db.engine import Database
from appliance.db.models import OutboxEntry
from appliance.jobs.print_store import AlreadyClaimed, OutboxJobStore, job_id_for
from drivers.printing import PrinterState, PrintJob, ReceiptBuilder
from tests.devices.counter import manager, open_tablet, outbox, running, seed_counter, sell, wait_for
from tests.support import make_shop


def _spooled(settings_dir: Path) -> list[str]:
    return sorted(path.name for path in (settings_dir / "receipts" / "caja-1").glob("*.escpos"))


def test_waiting_and_unclaimed_receipts_print_once_after_a_restart(tmp_path: Path) -> None:
    settings = seed_counter(tmp_path / "shop")

    # 1. The printer is out of paper: the first sale's boleta is claimed by the queue and waits; the box restarts.
    devices = manager(settings)
    with running(settings, devices) as tablet:
        token = open_tablet(tablet, settings)
        lane = devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        lane.simulated_printer.set_state(PrinterState.PAPER_OUT)
        sell(tablet, token, {"debito": "1190"})
        wait_for(lambda: outbox(settings)[0].payload.get("queue") == "lane-1", what="the queue claiming the row")
        wait_for(lambda: outbox(settings)[0].attempts >= 1, what="a failed attempt")
    assert [row.status for row in outbox(settings)] == ["pending"]
    assert _spooled(settings.data_dir) == []

    # 2. A sale made while no print worker runs (devices off): its row stays unclaimed.
    with running(settings, None) as tablet:
        token = open_tablet(tablet, settings)
        sell(tablet, token, {"debito": "1190"})
    rows = outbox(settings)
    assert [row.status for row in rows] == ["pending", "pending"] and "queue" not in rows[1].payload

    # 3. Back up with paper: both boletas print, each once, in order.
    devices = manager(settings)
    with running(settings, devices):
        wait_for(lambda: all(row.status == "done" for row in outbox(settings)), what="both receipts printing")
        lane = devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        assert len(lane.simulated_printer.jobs) == 2
    assert _spooled(settings.data_dir) == ["000001-receipt.escpos", "000002-receipt.escpos"]

    # 4. Another restart prints nothing again.
    devices = manager(settings)
    with running(settings, devices):
        asyncio.run(asyncio.sleep(1.0))
        lane = devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        assert lane.simulated_printer.jobs == []
    assert _spooled(settings.data_dir) == ["000001-receipt.escpos", "000002-receipt.escpos"]


def test_two_workers_on_one_database_print_each_row_once(tmp_path: Path) -> None:
    settings = seed_counter(tmp_path / "shop")
    first, second = manager(settings), manager(settings)
    with running(settings, first) as tablet, running(settings, second):
        token = open_tablet(tablet, settings)
        for _ in range(3):
            sell(tablet, token, {"debito": "1190"})
        wait_for(lambda: all(row.status == "done" for row in outbox(settings)), what="three receipts printing")
        printed = [len(m.lane(1).simulated_printer.jobs) for m in (first, second)]  # type: ignore[union-attr]
    assert sum(printed) == 3


# --- the store on its own ------------------------------------------------------------------------------------------


def _job(job_id: str, text: str = "hola") -> PrintJob:
    return PrintJob(
        job_id, "lane-1", ReceiptBuilder().text(text).cut().build(), datetime.now(UTC) - timedelta(seconds=5)
    )


async def _store_contract(path: Path) -> None:
    db = Database(path)
    store = OutboxJobStore(db)
    try:
        async with db.write() as session:
            session.add(OutboxEntry(kind="print_receipt", payload={"lane_id": 1, "sale_id": 1}))
        await store.add(_job(job_id_for(1)))
        try:
            await store.add(_job(job_id_for(1)))
        except AlreadyClaimed:
            pass
        else:
            raise AssertionError("a claimed row was claimed again")
        await store.add(_job("reprint-7", "copia"))  # not from the outbox: a row of its own
        pending = await store.pending("lane-1")
        assert [job.id for job in pending] == ["outbox-1", "reprint-7"]
        assert pending[1].receipt == _job("x", "copia").receipt
        assert await store.pending("lane-2") == []
        await store.update(replace(pending[0], attempts=3, last_error="printer offline"))
        await store.complete("outbox-1")
        await store.fail("reprint-7", "no cabe en el papel")
        async with db.read() as session:
            rows = list(await session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))
        assert [(r.kind, r.status, r.attempts) for r in rows] == [
            ("print_receipt", "done", 3),
            ("print_job", "failed", 0),
        ]
        assert rows[1].last_error == "no cabe en el papel" and rows[0].done_at is not None
        assert await store.pending("lane-1") == []
        try:
            await store.add(_job(job_id_for(1)))
        except AlreadyClaimed:
            pass  # done rows never go back to a queue
        else:
            raise AssertionError("a printed row was queued again")
        assert rows[0].last_error == "printer offline"  # finishing without an error keeps the last one seen
        async with db.write() as session:
            session.add(OutboxEntry(kind="open_drawer", payload={"lane_id": 1, "pin": 2}))
        await store.add(_job(job_id_for(3)))
        await store.fail(job_id_for(3), "x" * 600)
        await store.complete(job_id_for(3))  # a finished row stays as it finished
        async with db.read() as session:
            drawer = await session.get(OutboxEntry, 3)
        assert drawer is not None and drawer.status == "failed" and drawer.last_error == "x" * 500
        assert drawer.payload["queue"] == "lane-1" and drawer.payload["pin"] == 2  # the claim kept the row's own
        try:
            await store.add(_job(job_id_for(99)))
        except AlreadyClaimed:
            pass  # no such outbox row
        else:
            raise AssertionError("a missing outbox row was claimed")
    finally:
        await db.dispose()


def test_the_job_store_claims_each_outbox_row_once(tmp_path: Path) -> None:
    settings = make_shop(tmp_path / "shop")
    asyncio.run(_store_contract(settings.database_path))
