"""Printing after commit, end to end: a sale paid on the tablet over HTTP prints its boleta (the ESC/POS bytes read
back by an independent parser, the timbre decoded by zxing-cpp) and opens the drawer for cash only; a network printer
that stops answering holds the receipt without touching the sale and prints it once when it comes back."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import Rut
from appliance.db.models import Sale
from appliance.devices import previews
from drivers.printing import PrinterState
from tests.devices.counter import (
    decode_timbres,
    document_of,
    manager,
    open_tablet,
    outbox,
    query,
    running,
    seed_counter,
    sell,
    wait_for,
)
from tests.drivers.escpos_parse import parse
from tests.drivers.printer_doubles import network_printer
from tests.support import TEST_COMPANY


def test_a_cash_sale_prints_its_boleta_once_and_opens_the_drawer(tmp_path: Path) -> None:
    settings = seed_counter(tmp_path / "shop")
    with sqlite3.connect(settings.database_path) as db:  # the resolution's year is printed under the timbre
        db.execute("UPDATE company SET resolution_number = 80, resolution_date = '2014-08-22' WHERE id = 1")
    devices = manager(settings)
    with running(settings, devices) as tablet:
        token = open_tablet(tablet, settings)
        sale_id = sell(tablet, token, {"efectivo": "20.000"}, weighed_grams="1,250")
        lane = devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        printer = lane.simulated_printer
        wait_for(lambda: len(printer.jobs) == 1, what="the boleta printing")
        wait_for(lambda: all(row.status == "done" for row in outbox(settings)), what="the outbox rows finishing")
        document = document_of(settings, sale_id)
        kinds = [job.kind for job in printer.sent]
        assert kinds == ["drawer", "receipt"]  # the drawer first: change is given while the receipt prints

    receipt = parse(printer.jobs[0].escpos)
    text = receipt.text
    assert f"RUT: {Rut.parse(TEST_COMPANY['rut']).formatted}" in text  # 76.543.210-3
    assert "BOLETA ELECTRÓNICA" in text
    assert f"N° {document.folio}" in text
    assert "1,250 kg x $12.990" in text
    assert "Timbre Electrónico S.I.I." in text and "Verifique documento en www.sii.cl" in text
    assert "El IVA de esta boleta es $" in text and "Vuelto" in text
    # What the receipt reads beside the DTE: the moment in Chile time, the lane, the sale, the cashier, the tender.
    number = query(settings, lambda session: session.scalar(select(Sale.number).where(Sale.id == sale_id)))
    assert f"Fecha: {document.issued_at.astimezone(CHILE_TZ):%d-%m-%Y %H:%M}" in text
    assert f"Venta N° {number} · Caja" in text and "Caja 1" in text
    assert "Efectivo" in text and "$20.000" in text
    assert "Resolución N° 80 de 2014" in text
    assert decode_timbres(receipt) == [document.ted]
    assert receipt.drawer_kicks == []  # the kick went as its own job, ahead of the receipt
    assert parse(printer.sent[0].escpos).drawer_kicks == [(0, 50, 50)]  # ESC p 0: the lane's drawer on pin 2
    rows = outbox(settings)
    assert sorted(row.kind for row in rows) == ["open_drawer", "print_receipt"]
    assert all(row.payload.get("queue") == "lane-1" for row in rows)
    spool = settings.data_dir / "receipts" / "caja-1"
    kept = previews.recent(spool)  # the simulated printer keeps the paper for "Últimos tickets"
    assert len(kept) == 1
    assert previews.preview_png(spool, kept[0].name).startswith(b"\x89PNG")


def test_a_debit_sale_prints_but_leaves_the_drawer_shut(tmp_path: Path) -> None:
    settings = seed_counter(tmp_path / "shop")
    devices = manager(settings)
    with running(settings, devices) as tablet:
        token = open_tablet(tablet, settings)
        sell(tablet, token, {"debito": "1190", "debito_ref": "000123"})
        lane = devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        printer = lane.simulated_printer
        wait_for(lambda: len(printer.jobs) == 1, what="the boleta printing")
        wait_for(lambda: all(row.status == "done" for row in outbox(settings)), what="the outbox row finishing")
    assert [job.kind for job in printer.sent] == ["receipt"]
    assert [row.kind for row in outbox(settings)] == ["print_receipt"]
    assert "Débito (000123)" in parse(printer.jobs[0].escpos).text


def _completed_receipts(double: Any, folio: int) -> int:
    return sum(
        1 for session in double.sessions if session.completed and f"N° {folio}".encode("cp850") in bytes(session.data)
    )


def test_a_hung_network_printer_holds_the_receipt_and_prints_it_once_when_back(tmp_path: Path) -> None:
    with network_printer() as double:
        settings = seed_counter(tmp_path / "shop", printer=f"{double.url}?timeout=0.3&wait_eof=1")
        devices = manager(settings)
        double.stop_answering()
        with running(settings, devices) as tablet:
            token = open_tablet(tablet, settings)
            sale_id = sell(tablet, token, {"debito": "1190"})  # the sale completes while the printer is hung
            document = document_of(settings, sale_id)

            def waiting() -> bool:
                row = outbox(settings)[0]
                return row.status == "pending" and row.attempts >= 2 and "offline" in row.last_error

            wait_for(waiting, what="the receipt waiting for the printer")
            status = devices.status(1)
            assert status is not None and status.waiting == 1
            assert status.health["printer"].state.value == "offline"
            assert status.banner == "Impresora sin conexión: 1 ticket esperando. Se imprimirán solos al resolverlo."
            banner = tablet.get("/caja/impresora").text
            assert "Impresora sin conexión: 1 ticket esperando" in banner
            assert query(settings, lambda s: s.scalar(select(func.count()).select_from(Sale))) == 1
            assert _completed_receipts(double, document.folio) == 0

            double.resume()
            wait_for(
                lambda: outbox(settings)[0].status == "done", what="the receipt printing after the printer returned"
            )
            wait_for(lambda: devices.banner(1) is None, what="the banner clearing")
            assert 'id="printer-banner"' in tablet.get("/caja/impresora").text
            assert "hidden" in tablet.get("/caja/impresora").text
        assert _completed_receipts(double, document.folio) == 1
        job = parse(next(bytes(s.data) for s in double.sessions if s.completed and b"BOLETA" in bytes(s.data)))
        assert decode_timbres(job) == [document.ted]


def test_paper_out_on_the_simulated_printer_waits_and_says_so(tmp_path: Path) -> None:
    settings = seed_counter(tmp_path / "shop")
    devices = manager(settings)
    with running(settings, devices) as tablet:
        token = open_tablet(tablet, settings)
        lane = devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        lane.simulated_printer.set_state(PrinterState.PAPER_OUT)
        sell(tablet, token, {"efectivo": "2.000"})
        wait_for(lambda: devices.banner(1) is not None, what="the paper-out banner")
        # The drawer kick waits too (the printer takes nothing), but only the boleta counts as a ticket.
        assert devices.banner(1) == "Impresora sin papel: 1 ticket esperando. Se imprimirán solos al resolverlo."
        sale_page = tablet.get("/caja").text
        assert "Impresora sin papel: 1 ticket esperando" in sale_page
        lane.simulated_printer.set_state(PrinterState.OK)
        wait_for(lambda: all(row.status == "done" for row in outbox(settings)), what="printing after paper")
        assert len(lane.simulated_printer.jobs) == 1


def test_reprint_from_the_tablet_prints_a_copy(tmp_path: Path) -> None:
    settings = seed_counter(tmp_path / "shop")
    devices = manager(settings)
    with running(settings, devices) as tablet:
        token = open_tablet(tablet, settings)
        sale_id = sell(tablet, token, {"debito": "1190"})
        lane = devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        printer = lane.simulated_printer
        wait_for(lambda: len(printer.jobs) == 1, what="the boleta printing")
        response = tablet.post(
            f"/caja/ventas/{sale_id}/reimprimir", data={"_csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303
        wait_for(lambda: len(printer.jobs) == 2, what="the copy printing")
        assert "Copia de la boleta" in tablet.get(response.headers["location"]).text
    original, copy = (parse(job.escpos).text for job in printer.jobs)
    assert "COPIA" not in original and "COPIA" in copy
    assert decode_timbres(parse(printer.jobs[1].escpos)) == [document_of(settings, sale_id).ted]
