"""The counter's extras over HTTP on a paired tablet: supervisor discounts (PIN failures count even when refused),
alcohol out of hours with an authorisation, weighing, quick keys, the customer and the factura, envases."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import func, select

from appliance.db.engine import Database
from appliance.db.models import AuditEntry, Customer
from appliance.settings import Settings
from tests.http.pos_support import pin_in
from tests.support import csrf_from, post_form, run


def _open(tablet: TestClient[Any]) -> dict[str, str]:
    assert pin_in(tablet, "caja", "1234").status_code == 303
    token = csrf_from(tablet.get("/caja/turno").text)
    post_form(tablet, "/caja/turno/abrir", {"opening_float": "10.000"}, token)
    return {"X-CSRFToken": token}


def _supervisor_id(tablet: TestClient[Any]) -> str:
    found = re.search(r'name="supervisor_id"[^>]*>.*?<option value="(\d+)"[^>]*>Super', tablet.get("/caja").text, re.S)
    assert found
    return found.group(1)


def _count(shop: Settings, model: Any, *where: Any) -> int:
    async def go() -> int:
        db = Database(shop.database_path)
        try:
            async with db.read() as s:
                return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
        finally:
            await db.dispose()

    return int(run(go()))


def test_a_discount_needs_the_supervisors_pin_and_wrong_guesses_count(tablet: TestClient[Any], shop: Settings) -> None:
    headers = _open(tablet)
    six = tablet.post("/caja/escanear", data={"code": "6*7802820005509"}, headers=headers)
    assert six.status_code == 200 and "agregado ×6" in six.text and "6 × $1.190" in six.text
    tablet.post("/caja/lineas/1/cantidad", data={"quantity": "1"}, headers=headers)
    supervisor = _supervisor_id(tablet)
    form = {"kind": "percent", "value": "10", "reason": "caja abollada", "supervisor_id": supervisor}
    wrong = tablet.post("/caja/lineas/1/descuento", data={**form, "supervisor_pin": "0000"}, headers=headers)
    assert wrong.status_code == 400 and "Le quedan 4 intentos" in wrong.text
    again = tablet.post("/caja/lineas/1/descuento", data={**form, "supervisor_pin": "0001"}, headers=headers)
    assert "Le quedan 3 intentos" in again.text  # the first failure was committed despite the refusal
    ok = tablet.post("/caja/lineas/1/descuento", data={**form, "supervisor_pin": "9876"}, headers=headers)
    assert ok.status_code == 200 and "Dcto. 10% autorizado" in ok.text and "$1.071" in ok.text
    as_json = tablet.get("/caja/carro", headers={"Accept": "application/json"}).json()
    assert as_json["total"] == 1_071 and as_json["lines"][0]["note"] == "Dcto. 10% autorizado"
    assert _count(shop, AuditEntry, AuditEntry.action == "sale.discount") == 1
    no_reason = tablet.post(
        "/caja/lineas/1/descuento", data={**form, "reason": "", "supervisor_pin": "9876"}, headers=headers
    )
    assert no_reason.status_code == 400 and "motivo" in no_reason.text


def test_alcohol_out_of_hours_offers_the_authorisation(tablet: TestClient[Any], admin_token: Any = None) -> None:
    headers = _open(tablet)
    # Set a window that is closed right now, whatever the hour the test runs: from one minute ahead to two.
    from datetime import datetime, timedelta

    from appliance.core.clock import CHILE_TZ

    now = datetime.now(CHILE_TZ)
    start, end = (now + timedelta(minutes=2)).strftime("%H:%M"), (now + timedelta(minutes=3)).strftime("%H:%M")
    _as_admin(tablet, "/ajustes/alcohol", {"alcohol_from": start, "alcohol_until": end, "dry_dates": ""})
    wine = re.search(r'name="product_id" value="(\d+)"', tablet.get("/caja/buscar", params={"q": "vino"}).text)
    assert wine
    refused = tablet.post("/caja/agregar", data={"product_id": wine.group(1), "quantity": "1"}, headers=headers)
    assert refused.status_code == 400 and "Fuera del horario de venta de alcohol" in refused.text
    assert 'action="/caja/alcohol"' in refused.text
    # Refused on the box's own scanner instead, the tablet asks for the same form when the notice arrives.
    form = tablet.get("/caja/alcohol", params={"producto": wine.group(1), "cantidad": "2000"})
    assert form.status_code == 200 and "Fuera del horario de venta de alcohol" in form.text
    assert 'action="/caja/alcohol"' in form.text and 'name="quantity" value="2000"' in form.text
    milk = re.search(r'name="product_id" value="(\d+)"', tablet.get("/caja/buscar", params={"q": "leche"}).text)
    assert milk
    nothing = tablet.get("/caja/alcohol", params={"producto": milk.group(1)})
    assert nothing.status_code == 200 and "No hay nada que autorizar" in nothing.text
    assert 'action="/caja/alcohol"' not in nothing.text
    authorised = tablet.post(
        "/caja/alcohol",
        data={
            "product_id": wine.group(1),
            "quantity": "1000",
            "supervisor_id": _supervisor_id(tablet),
            "supervisor_pin": "9876",
        },
        headers=headers,
    )
    assert authorised.status_code == 200 and "autorizado por Super" in authorised.text


def _as_admin(tablet: TestClient[Any], url: str, data: dict[str, str]) -> None:
    """An administrator's change from another browser of the same shop."""
    from tests.support import login

    with TestClient(tablet.app) as admin:
        token = login(admin, "admin")
        response = post_form(admin, url, data, token)
        assert response.status_code == 303, response.text


def test_weighing_by_typed_weight_and_the_simulated_lane_without_scale(tablet: TestClient[Any]) -> None:
    headers = _open(tablet)
    _as_admin(
        tablet,
        "/productos/nuevo",
        {"code": "Q1", "name": "Queso Gauda", "price": "9.990", "unit": "kg", "active": "on", "quick_key": "on"},
    )
    keys = tablet.get("/caja/teclas").text
    cheese = re.search(r'name="product_id" value="(\d+)"', keys)
    assert cheese and "Queso Gauda" in keys and 'data-weighed="1"' in keys
    typed = tablet.post("/caja/pesar", data={"product_id": cheese.group(1), "kg": "0,350"}, headers=headers)
    assert typed.status_code == 200 and "$3.497" in typed.text  # 0,350 kg × $9.990
    # This test app runs without devices: reading the scale says so, in Spanish, and nothing is added.
    scale = tablet.post("/caja/pesar", data={"product_id": cheese.group(1)}, headers=headers)
    assert scale.status_code == 400 and "escribir el peso" in scale.text
    bad = tablet.post("/caja/pesar", data={"product_id": cheese.group(1), "kg": "mucho"}, headers=headers)
    assert bad.status_code == 400
    assert len(tablet.get("/caja/carro", headers={"Accept": "application/json"}).json()["lines"]) == 1


def test_quick_customer_with_a_bad_rut_writes_nothing_then_a_factura(tablet: TestClient[Any], shop: Settings) -> None:
    headers = _open(tablet)
    tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    customer = {
        "rut": "76.086.428-5",
        "name": "Panadería La Espiga SpA",
        "giro": "Panadería",
        "address": "Av. Irarrázaval 3200",
        "comuna": "Ñuñoa",
        "documento": "factura",
    }
    bad = tablet.post("/caja/clientes", data={**customer, "rut": "76.086.428-9"}, headers=headers)
    assert bad.status_code == 400 and "Cliente no creado" in bad.text and "dígito verificador" in bad.text
    incomplete = tablet.post("/caja/clientes", data={**customer, "giro": ""}, headers=headers)
    assert incomplete.status_code == 400 and "faltan datos" in incomplete.text
    assert _count(shop, Customer) == 0  # neither attempt left a half-made customer
    made = tablet.post("/caja/clientes", data=customer, headers=headers)
    assert made.status_code == 200 and "Factura a Panadería La Espiga SpA" in made.text
    found = tablet.get("/caja/clientes", params={"q": "espiga"}).text
    assert "76.086.428-5" in found and ">Factura<" in found
    cart = tablet.get("/caja/carro", headers={"Accept": "application/json"}).json()
    assert cart["document"] == "factura"
    paid = tablet.post(
        "/caja/pagar",
        data={"transferencia": str(cart["total"]), "transferencia_ref": "T-88"},
        headers=headers,
        follow_redirects=False,
    )
    assert paid.status_code == 303, paid.text
    receipt = tablet.get(paid.headers["location"]).text
    assert "Factura Electrónica N° 1" in receipt or "FACTURA ELECTRÓNICA N° 1" in receipt.upper()


def test_fiado_needs_a_customer_and_respects_the_limit(tablet: TestClient[Any]) -> None:
    headers = _open(tablet)
    _as_admin(tablet, "/clientes/nuevo", {"name": "Doña Rosa", "credit_limit": "2.000", "active": "on"})
    tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    no_customer = tablet.post("/caja/pagar", data={"fiado": "2380"}, headers=headers)
    assert no_customer.status_code == 400 and "elija primero el cliente" in no_customer.text
    rosa = re.search(r'name="customer_id" value="(\d+)"', tablet.get("/caja/clientes", params={"q": "rosa"}).text)
    assert rosa
    tablet.post("/caja/cliente", data={"customer_id": rosa.group(1), "documento": "boleta"}, headers=headers)
    over = tablet.post("/caja/pagar", data={"fiado": "2380"}, headers=headers)
    assert over.status_code == 400 and "puede fiar hasta $2.000" in over.text
    paid = tablet.post(
        "/caja/pagar", data={"fiado": "2000", "efectivo": "380"}, headers=headers, follow_redirects=False
    )
    assert paid.status_code == 303, paid.text
    listed = tablet.get("/caja/clientes", params={"q": "rosa"}).text
    assert "debe $2.000 de $2.000" in listed
    abono = tablet.post(
        "/caja/fiado/abono",
        data={"customer_id": rosa.group(1), "amount": "1.500", "method": "efectivo"},
        headers=headers,
    )
    assert abono.status_code == 200 and "queda debiendo $500" in abono.text


def test_a_card_sale_its_voucher_documented_is_returned_on_the_terminal(tablet: TestClient[Any]) -> None:
    headers = _open(tablet)
    _as_admin(tablet, "/ajustes/tarjetas", {"card_model": "voucher"})
    tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    paid = tablet.post(
        "/caja/pagar", data={"debito": "1.190", "debito_ref": "889900"}, headers=headers, follow_redirects=False
    )
    assert paid.status_code == 303
    number = re.search(r"Venta N° (\d+)", tablet.get(paid.headers["location"]).text)
    assert number
    form = tablet.get("/caja/devolucion", params={"boleta": number.group(1)})
    assert form.status_code == 200 and "Voucher de tarjeta como boleta" in form.text
    assert '<option value="efectivo">' not in form.text and '<option value="debito"' in form.text
    assert "Registrar la devolución" in form.text and "Emitir nota de crédito" not in form.text
    line, action = re.search(r'name="q(\d+)"', form.text), re.search(r'action="(/caja/devolucion/\d+)"', form.text)
    assert line and action
    done = tablet.post(
        action.group(1),
        data={
            "boleta": number.group(1),
            f"q{line.group(1)}": "1",
            "refund_method": "debito",
            "reason": "no era la marca",
            "supervisor_id": _supervisor_id(tablet),
            "supervisor_pin": "9876",
        },
        headers=headers,
    )
    assert done.status_code == 200, done.text
    assert "Anule el cobro de <strong>$1.190</strong> en el terminal de Débito" in done.text
    assert "no se emite nota de crédito" in done.text and "Nota de crédito N°" not in done.text


def test_a_receipts_timbre_read_by_a_scanner_opens_its_sale_for_return(tablet: TestClient[Any], shop: Settings) -> None:
    import sqlite3

    headers = _open(tablet)
    tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    paid = tablet.post("/caja/pagar", data={"efectivo": "2.000"}, headers=headers, follow_redirects=False)
    assert paid.status_code == 303
    with sqlite3.connect(shop.database_path) as conn:
        folio, ted = conn.execute("SELECT folio, ted FROM sii_documents WHERE tipo = 39").fetchone()
    timbre = ted.decode("iso-8859-1")
    # On the sell screen (a scanner paired to the tablet), it is not a product: it says where to go.
    on_sale = tablet.post("/caja/escanear", data={"code": timbre}, headers=headers)
    assert on_sale.status_code == 400 and f"Es el timbre de la Boleta Electrónica N° {folio}" in on_sale.text
    assert "Escanee un producto" in on_sale.text  # the cart is untouched
    # On the return screen it finds the sale, and the search box shows the document rather than the timbre's text.
    found = tablet.get("/caja/devolucion", params={"boleta": timbre})
    assert found.status_code == 200 and f"Boleta N° {folio}" in found.text and "Leche Entera 1 L" in found.text
    assert f'value="39-{folio}"' in found.text and "&lt;TED" not in found.text
