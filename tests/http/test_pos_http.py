"""The tablet's point of sale over HTTP: pairing, PIN sign-in, a turno, selling and paying, and what an unpaired
browser can (not) reach."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from appliance.app import create_app
from appliance.settings import Settings
from tests.http.pos_support import pin_in, setup_shop
from tests.support import csrf_from, login, post_form


def test_a_sale_from_pin_to_receipt(tablet: TestClient[Any]) -> None:
    assert pin_in(tablet, "caja", "0000").status_code == 401
    assert pin_in(tablet, "caja", "1234").status_code == 303
    assert tablet.get("/caja", follow_redirects=False).headers["location"] == "/caja/turno"
    token = csrf_from(tablet.get("/caja/turno").text)
    assert post_form(tablet, "/caja/turno/abrir", {"opening_float": "20.000"}, token).status_code == 303
    sell = tablet.get("/caja")
    assert sell.status_code == 200 and "Escanee un producto" in sell.text
    headers = {"X-CSRFToken": token}
    added = tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    assert added.status_code == 200 and "Leche Entera 1 L agregado" in added.text
    unknown = tablet.post("/caja/escanear", data={"code": "7800000000017"}, headers=headers)
    assert unknown.status_code == 400 and "no está en el catálogo" in unknown.text
    as_json = tablet.post(
        "/caja/escanear", data={"code": "7802820005509"}, headers={**headers, "Accept": "application/json"}
    ).json()
    assert as_json["total"] == 2_380 and as_json["lines"][0]["quantity"] == 2_000
    short = tablet.post("/caja/pagar", data={"efectivo": "1000"}, headers=headers)
    assert short.status_code == 400 and "no alcanza" in short.text
    paid = tablet.post("/caja/pagar", data={"efectivo": "5.000"}, headers=headers, follow_redirects=False)
    assert paid.status_code == 303
    receipt = tablet.get(paid.headers["location"]).text
    assert "Venta N° 1" in receipt and "$2.380" in receipt and "Vuelto: <strong>$2.620" in receipt
    assert "Escanee un producto" in tablet.get("/caja/carro").text  # the cart was emptied by the sale


def test_age_restricted_product_needs_the_cashiers_confirmation(tablet: TestClient[Any]) -> None:
    pin_in(tablet, "caja", "1234")
    token = csrf_from(tablet.get("/caja/turno").text)
    post_form(tablet, "/caja/turno/abrir", {"opening_float": "0"}, token)
    headers = {"X-CSRFToken": token}
    search = tablet.get("/caja/buscar", params={"q": "vino"}).text
    product_id = re.search(r'name="product_id" value="(\d+)"', search)
    assert product_id
    cart = tablet.post("/caja/agregar", data={"product_id": product_id.group(1), "quantity": "1"}, headers=headers)
    assert "Cliente es mayor de edad" in cart.text
    refused = tablet.post("/caja/pagar", data={"debito": "4990"}, headers=headers)
    assert refused.status_code == 400 and "Confirme la edad" in refused.text
    tablet.post("/caja/edad", headers=headers)
    paid = tablet.post(
        "/caja/pagar", data={"debito": "4990", "debito_ref": "000123"}, headers=headers, follow_redirects=False
    )
    assert paid.status_code == 303


def test_cash_session_close_with_blind_count_and_supervisorpin_in(tablet: TestClient[Any]) -> None:
    pin_in(tablet, "caja", "1234")
    token = csrf_from(tablet.get("/caja/turno").text)
    post_form(tablet, "/caja/turno/abrir", {"opening_float": "10.000"}, token)
    headers = {"X-CSRFToken": token}
    tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    tablet.post("/caja/pagar", data={"efectivo": "2000"}, headers=headers)  # 1.190 cash
    page = tablet.get("/caja/turno").text
    assert "Informe X" in page and "$1.190" in page
    assert "Efectivo esperado" not in page  # the count is blind
    supervisor = re.search(r'<option value="(\d+)">Super</option>', page)
    assert supervisor
    count = {"d10000": "1", "d1000": "1", "d100": "1", "d50": "1", "d10": "3", "supervisor_id": supervisor.group(1)}
    wrong = post_form(tablet, "/caja/turno/cerrar", {**count, "supervisor_pin": "1111"}, token)
    assert wrong.status_code == 400 and "PIN incorrecto" in wrong.text
    done = post_form(tablet, "/caja/turno/cerrar", {**count, "supervisor_pin": "9876"}, token)
    assert done.status_code == 200, done.text
    assert "Informe Z" in done.text and "$11.190" in done.text and "$11.180" in done.text
    assert re.search(r"Diferencia</td><td class=\"num\">-\$10", done.text)


def test_unpaired_browser_reaches_only_login_and_pairing(client: TestClient[Any]) -> None:
    for path in ("/login", "/emparejar"):
        assert client.get(path).status_code == 200
    for path in ("/caja", "/caja/turno", "/caja/carro"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/caja/pin", follow_redirects=False).headers["location"] == "/emparejar"
    login(client, "caja")  # even with a password session, a browser that is not a paired tablet cannot sell
    response = client.get("/caja", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/emparejar"
    api = client.get("/caja/carro", headers={"Accept": "application/json"})
    assert api.status_code == 403 and api.json()["error"] == "device_not_paired"
    bad = client.post("/emparejar", data={"code": "12345678", "_csrf_token": csrf_from(client.get("/emparejar").text)})
    assert bad.status_code == 400 and "no es válido" in bad.text


def test_pin_session_is_worthless_in_another_browser(shop: Settings, tablet: TestClient[Any]) -> None:
    pin_in(tablet, "caja", "1234")
    with TestClient(create_app(shop)) as thief:
        thief.cookies.set("mm_session", tablet.cookies["mm_session"])
        response = thief.get("/caja", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_a_revoked_tablet_or_deactivated_cashier_is_refused_on_the_next_request(shop: Settings) -> None:
    """The user and device lookups are cached in memory: a change in the back office must still count at once."""
    app = create_app(shop)
    with TestClient(app) as admin, TestClient(app) as tablet:
        code = setup_shop(admin)
        form = tablet.get(f"/emparejar?codigo={code}")
        tablet.post("/emparejar", data={"code": code, "name": "T", "_csrf_token": csrf_from(form.text)})
        assert pin_in(tablet, "caja", "1234").status_code == 303
        api = {"Accept": "application/json"}
        assert tablet.get("/caja/carro", headers=api).status_code == 200  # now cached
        token = login(admin, "admin")
        users = admin.get("/usuarios").text
        caja = re.search(r'/usuarios/(\d+)">caja<', users) or re.search(r'href="/usuarios/(\d+)"[^>]*>\s*caja\b', users)
        assert caja
        post_form(admin, f"/usuarios/{caja.group(1)}", {"full_name": "Caja", "role": "cajero"}, token)  # inactive
        assert tablet.get("/caja/carro", headers=api).status_code == 401
        assert pin_in(tablet, "super", "9876").status_code == 303
        assert tablet.get("/caja/carro", headers=api).status_code == 200
        assert post_form(admin, "/ajustes/tablets/1/revocar", {}, token).status_code == 303
        assert tablet.get("/caja/carro", headers=api).status_code in (401, 403)


def test_cart_changes_commit_without_an_fsync_and_the_sale_with_one(tablet: TestClient[Any]) -> None:
    """Which handlers commit without waiting for the disk (db/engine.py): the cart's changes, nothing else."""
    checkpointer = tablet.app.state.db.checkpointer
    commits: list[bool] = []  # durable or not, as each write transaction reports it
    written = checkpointer.written

    def recording(*, durable: bool = True) -> None:
        commits.append(durable)
        written(durable=durable)

    checkpointer.written = recording
    pin_in(tablet, "caja", "1234")
    token = csrf_from(tablet.get("/caja/turno").text)
    post_form(tablet, "/caja/turno/abrir", {"opening_float": "0"}, token)
    assert commits and all(commits)  # the PIN's attempt count, the cash session: durable
    headers = {"X-CSRFToken": token}
    commits.clear()
    tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    tablet.post("/caja/lineas/1/cantidad", data={"quantity": "3"}, headers=headers)
    tablet.post("/caja/anular", headers=headers)
    tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
    assert commits == [False, False, False, False]
    commits.clear()
    paid = tablet.post(
        "/caja/pagar", data={"debito": "1190", "debito_ref": "1"}, headers=headers, follow_redirects=False
    )
    assert paid.status_code == 303 and commits == [True]
