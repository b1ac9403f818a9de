"""The device settings page over HTTP: saving (and refusing) a lane's connection strings, the test buttons, the
simulated scale and scanner, the simulated printer's latest tickets, live health, and who may do what."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from appliance.db.models import Lane
from appliance.devices.manager import DeviceManager
from appliance.sales import cart
from appliance.settings import Settings
from tests.devices.counter import MILK, manager, open_tablet, query, running, seed_counter, sell, wait_for
from tests.drivers.escpos_parse import parse
from tests.support import login, post_form

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def shop(tmp_path: Path) -> Settings:
    return seed_counter(tmp_path / "shop")


@pytest.fixture
def devices(shop: Settings) -> DeviceManager:
    return manager(shop)


@pytest.fixture
def admin(shop: Settings, devices: DeviceManager) -> Any:
    with running(shop, devices) as client:
        yield client, login(client, "admin")


def _lane(settings: Settings) -> Lane:
    lane: Lane = query(settings, lambda s: s.scalar(select(Lane).where(Lane.id == 1)))
    return lane


def _flash(client: TestClient[Any], response: Any) -> str:
    assert response.status_code == 303, response.text
    return client.get(response.headers["location"]).text


def test_the_page_lists_each_lane_with_live_health(admin: Any) -> None:
    client, _token = admin
    page = client.get("/dispositivos")
    assert page.status_code == 200
    assert "Caja 1" in page.text and 'name="printer" value="simulated"' in page.text
    assert 'data-health="1-printer"' in page.text and "Lista" in page.text
    assert "Detectado en esta caja" in page.text
    health = client.get("/dispositivos/estado", headers={"Accept": "application/json"}).json()
    assert health["lanes"]["1"]["printer"]["state"] == "ok"
    assert health["lanes"]["1"]["scale"]["text"] == "Conectada"
    assert health["gpio"]["state"] == "ok"  # the test's MockFactory


def test_saving_settings_rewrites_the_strings_and_reopens_the_devices(
    admin: Any, shop: Settings, devices: DeviceManager
) -> None:
    client, token = admin
    form = {
        "printer": "simulated",
        "paper": "58mm",
        "drawer_pin": "5",
        "scanner": "evdev:/dev/input/by-id/usb-Honeywell-event-kbd?layout=latam",
        "scale": "serial:/dev/serial/by-id/usb-Prolific-if00-port0",
        "scale_protocol": "cas-22",
    }
    done = _flash(client, post_form(client, "/dispositivos/1", form, token))
    assert "Dispositivos de «Caja 1» guardados." in done
    lane = _lane(shop)
    assert lane.printer == "simulated?paper=58mm"
    assert lane.scale == "serial:/dev/serial/by-id/usb-Prolific-if00-port0?protocol=cas-22"
    assert lane.scanner == form["scanner"] and lane.drawer_pin == 5
    opened = devices.lane(1)
    assert opened is not None and opened.printer is not None and opened.printer.profile.columns == 32
    # The form shows the connection and the paper apart, as they were typed.
    assert 'name="printer" value="simulated"' in done and 'value="58mm" selected' in done


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("printer", "tcp:", "Conexión de impresora no válida"),
        ("printer", "usb:04b8", "Conexión de impresora no válida"),
        ("scanner", "teclado", "Lector «teclado» no válido"),
        ("scanner", "evdev:/dev/input/x?layout=fr", "Teclado «fr» desconocido"),
        ("scale", "serial:ttyUSB0", "no es la ruta de un dispositivo"),
        ("drawer_pin", "7", "Elija dónde está conectado el cajón."),
    ],
)
def test_wrong_settings_are_refused_in_spanish(
    admin: Any, shop: Settings, field: str, value: str, message: str
) -> None:
    client, token = admin
    form = {"printer": "simulated", "paper": "80mm", "drawer_pin": "2", "scanner": "simulated", "scale": "simulated"}
    response = post_form(client, "/dispositivos/1", {**form, field: value}, token)
    assert response.status_code == 400
    assert message in response.text and "No se guardó" in response.text
    assert _lane(shop).printer == "simulated"  # nothing half-written


def test_a_drawer_on_the_printer_needs_a_printer(admin: Any) -> None:
    client, token = admin
    form = {"printer": "", "paper": "80mm", "drawer_pin": "2", "scanner": "simulated", "scale": "simulated"}
    response = post_form(client, "/dispositivos/1", form, token)
    assert response.status_code == 400 and "Ese cajón se abre desde la impresora" in response.text
    done = post_form(client, "/dispositivos/1", {**form, "drawer_pin": "-1"}, token)
    assert done.status_code == 303


def test_the_scale_is_read_through_the_page(admin: Any) -> None:
    client, token = admin
    assert "Indique el peso en gramos" in _flash(
        client, post_form(client, "/dispositivos/1/balanza-simulada", {"grams": "1,2 kg"}, token)
    )
    placed = _flash(client, post_form(client, "/dispositivos/1/balanza-simulada", {"grams": "1250"}, token))
    assert "Balanza simulada: 1,250 kg sobre el plato." in placed
    page = client.get("/dispositivos/1/peso")
    assert page.status_code == 200 and "Peso: 1,250 kg" in page.text
    fragment = client.get("/dispositivos/1/peso", headers={"X-Fragment": "1"})
    assert fragment.text.strip().startswith("<div") and "1,250 kg" in fragment.text


def test_test_print_and_drawer_buttons(admin: Any, devices: DeviceManager) -> None:
    client, token = admin
    assert "Página de prueba enviada a la impresora." in _flash(
        client, post_form(client, "/dispositivos/1/prueba", {}, token)
    )
    assert "Cajón abierto (pin 2 de la impresora)." in _flash(
        client, post_form(client, "/dispositivos/1/cajon", {}, token)
    )
    lane = devices.lane(1)
    assert lane is not None and lane.simulated_printer is not None
    sent = lane.simulated_printer.sent
    assert [job.kind for job in sent] == ["receipt", "drawer"]
    text = parse(sent[0].escpos).text
    assert "PRUEBA DE IMPRESORA" in text and "Comercial de Prueba SpA" in text and "áéíóú" in text
    assert "no existe o está desactivada" in _flash(client, post_form(client, "/dispositivos/9/prueba", {}, token))


def test_a_simulated_scan_from_the_page_reaches_the_cart(admin: Any, shop: Settings) -> None:
    client, token = admin
    done = _flash(client, post_form(client, "/dispositivos/1/escaneo-simulado", {"code": MILK}, token))
    assert f"Código {MILK} leído por el lector simulado de Caja 1." in done

    def lines() -> list[str]:
        return [line.description for line in query(shop, lambda s: cart.view(s, 1)).lines]

    wait_for(lines, what="the scan reaching the cart")
    assert lines() == ["Leche Entera Colun 1 L"]
    assert "Leche Entera Colun 1 L agregado" in client.get("/dispositivos").text  # the last scan


def test_latest_tickets_show_the_simulated_printers_paper(shop: Settings, devices: DeviceManager) -> None:
    with running(shop, devices) as client:
        token = open_tablet(client, shop)
        sell(client, token, {"debito": "1190"})
        lane = devices.lane(1)
        assert lane is not None and lane.simulated_printer is not None
        printer = lane.simulated_printer
        wait_for(lambda: printer.jobs, what="the boleta printing")
        client.cookies.clear()
        login(client, "duena")  # the owner looks from home
        page = client.get("/dispositivos").text
        assert "Últimos tickets" in page
        found = re.search(r'<img src="(/dispositivos/1/tickets/(\d{6}-receipt\.png))"', page)
        assert found, page
        image = client.get(found.group(1))
        assert image.status_code == 200 and image.content.startswith(PNG)
        assert image.headers["content-type"] == "image/png"
        assert client.get("/dispositivos/1/tickets/..%2Fminimarket.sqlite").status_code == 404
        assert client.get("/dispositivos/1/tickets/999999-receipt.png").status_code == 404


def test_who_may_see_and_change_devices(shop: Settings) -> None:
    with running(shop, manager(shop)) as client:
        token = login(client, "super")
        page = client.get("/dispositivos").text
        assert 'name="printer" value="simulated"' in page and "disabled" in page
        assert "Guardar dispositivos" not in page and "Imprimir página de prueba" not in page
        assert post_form(client, "/dispositivos/1/prueba", {}, token).status_code == 403
        client.cookies.clear()
        login(client, "caja")
        assert client.get("/dispositivos").status_code == 403


def test_without_devices_the_page_still_shows_the_settings(shop: Settings) -> None:
    with running(shop, None) as client:
        token = login(client, "admin")
        page = client.get("/dispositivos").text
        assert "no están activos en este servidor" in page and "Dispositivos inactivos" in page
        answer = _flash(client, post_form(client, "/dispositivos/1/prueba", {}, token))
        assert "no están activos en este servidor" in answer
        form = {"printer": "tcp:192.168.1.50", "paper": "80mm", "drawer_pin": "2", "scanner": "", "scale": ""}
        assert post_form(client, "/dispositivos/1", form, token).status_code == 303
        assert _lane(shop).printer == "tcp:192.168.1.50"
