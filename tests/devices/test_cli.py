"""`minimarket print` and `minimarket devices …` in-process: a reprint to a network printer double on 127.0.0.1
(read back and its timbre decoded), the lane's own printer, the test page and drawer, a scale on a pseudo-terminal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from appliance.cli import main
from appliance.db.models import Lane
from appliance.settings import Settings
from tests.devices.counter import decode_timbres, document_of, open_tablet, running, seed_counter, sell
from tests.drivers.escpos_parse import parse
from tests.drivers.printer_doubles import network_printer
from tests.drivers.scripted_scale import ScriptedScale


@pytest.fixture(scope="module")
def sold(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, int]:
    """A shop with one cash sale made while no devices ran (nothing printed yet); returns it and the boleta's folio."""
    settings = seed_counter(tmp_path_factory.mktemp("cli") / "shop")
    with running(settings, None) as tablet:
        token = open_tablet(tablet, settings)
        sale_id = sell(tablet, token, {"efectivo": "10.000"}, weighed_grams="0,500")
    return settings, document_of(settings, sale_id).folio


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    status = main(list(args))
    captured = capsys.readouterr()
    text = captured.out.strip() or captured.err.strip()
    return status, json.loads(text.splitlines()[-1])


def _spooled(settings: Settings, lane: str, kind: str) -> list[Path]:
    return sorted((settings.data_dir / "receipts" / lane).glob(f"*-{kind}.escpos"))


def test_print_reprints_a_boleta_on_a_network_printer(sold: tuple[Settings, int], capsys: Any) -> None:
    settings, folio = sold
    with network_printer() as double:
        status, answer = _run(
            capsys,
            *("print", "--type", "39", "--folio", str(folio), "--copy"),
            *("--printer", f"{double.url}?timeout=1&wait_eof=5", "--data-dir", str(settings.data_dir)),
        )
        assert status == 0, answer
        assert answer == {"printed": True, "tipo": 39, "folio": folio, "copy": True, "printer": answer["printer"]}
        jobs = [bytes(s.data) for s in double.sessions if s.completed and b"BOLETA" in bytes(s.data)]
    assert len(jobs) == 1
    job = parse(jobs[0])
    assert f"N° {folio}" in job.text and "COPIA" in job.text and "0,500 kg x $12.990" in job.text
    assert decode_timbres(job) == [document_of(settings, 1).ted]
    assert job.drawer_kicks == []  # a reprint never opens the drawer


def test_print_defaults_to_the_lanes_printer_and_refuses_what_does_not_exist(
    sold: tuple[Settings, int], capsys: Any
) -> None:
    settings, folio = sold
    data_dir = ("--data-dir", str(settings.data_dir))
    before = len(_spooled(settings, "caja-1", "receipt"))
    status, _answer = _run(capsys, "print", "--type", "39", "--folio", str(folio), *data_dir)
    assert status == 0
    assert len(_spooled(settings, "caja-1", "receipt")) == before + 1  # the lane's simulated printer
    status, answer = _run(capsys, "print", "--type", "39", "--folio", "999999", *data_dir)
    assert status == 2 and answer["error"] == "No existe boleta electrónica con folio 999999."
    status, answer = _run(capsys, "print", "--type", "39", "--folio", str(folio), "--printer", "tcp:", *data_dir)
    assert status == 2 and "Conexión de impresora no válida" in answer["error"]


def test_devices_list_test_print_and_drawer(sold: tuple[Settings, int], capsys: Any) -> None:
    settings, _folio = sold
    data_dir = ("--data-dir", str(settings.data_dir))
    status, listing = _run(capsys, "devices", "list", *data_dir)
    assert status == 0
    assert listing["configured"][0] == {
        "lane": "caja-1",
        "name": "Caja 1",
        "active": True,
        "printer": "simulated",
        "paper": "80mm",
        "scanner": "simulated",
        "scale": "simulated",
        "drawer_pin": 2,
        "errors": {},
    }
    assert set(listing["detected"]) == {"usb", "printers", "scanners", "scales"}
    assert _run(capsys, "devices", "test-print", "--lane", "caja-1", *data_dir)[0] == 0
    assert "PRUEBA DE IMPRESORA" in parse(_spooled(settings, "caja-1", "receipt")[-1].read_bytes()).text
    assert _run(capsys, "devices", "open-drawer", "--lane", "caja-1", *data_dir) == (
        0,
        {"opened": True, "lane": "caja-1", "via": "printer pin 2"},
    )
    assert len(_spooled(settings, "caja-1", "drawer")) == 1
    status, answer = _run(capsys, "devices", "test-print", "--lane", "caja-9", *data_dir)
    assert status == 2 and answer == {"error": "No existe la caja «caja-9»."}


def test_devices_read_and_probe_a_serial_scale(sold: tuple[Settings, int], capsys: Any, tmp_path: Path) -> None:
    import asyncio

    from appliance.db.engine import Database

    settings, _folio = sold
    data_dir = ("--data-dir", str(settings.data_dir))
    scale = ScriptedScale("mettler-toledo-8217", tmp_path)
    try:
        scale.put(1250)

        async def wire() -> None:
            db = Database(settings.database_path)
            async with db.write() as session:
                lane = await session.scalar(select(Lane).where(Lane.code == "caja-1"))
                assert lane is not None
                lane.scale = f"serial:{scale.port}?protocol=mettler-toledo-8217"
            await db.dispose()

        asyncio.run(wire())
        assert _run(capsys, "devices", "read-scale", "--lane", "caja-1", *data_dir) == (
            0,
            {"lane": "caja-1", "grams": 1250, "stable": True, "net": False},
        )
    finally:
        scale.close()
    streaming = ScriptedScale("cas-22", tmp_path)  # a scale nobody configured yet: which protocol does it speak?
    try:
        status, answer = _run(capsys, "devices", "probe-scale", str(streaming.port), *data_dir)
        assert status == 0 and answer["protocol"] == "cas-22"
        assert answer["connection"] == f"serial:{streaming.port}?protocol=cas-22"
    finally:
        streaming.close()
