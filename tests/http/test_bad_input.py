"""Bad input gets a 4xx, never a 500: every POST route and every GET route with parameters, each of its fields in
turn replaced by letters, a superscript digit (which `str.isdigit()` accepts), 25 digits (past SQLite's integers),
5.000 digits (past Python's int limit), a megabyte, a NUL byte, and nothing. Path ids get the numeric ones.

The POST fields come from the table below; while the test runs, the form layer (http/inputs.py) records every
field each handler reads, and a field read but missing from the table fails the test, as does a POST route missing
from it. GET query parameters are taken from the handlers' signatures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from appliance.app import create_app
from appliance.http import inputs
from appliance.http.policy import DEVICE_KEY
from appliance.settings import Settings
from appliance.users.throttle import Guards
from tests.http.pos_support import pin_in, setup_shop
from tests.support import csrf_from, login

BAD: dict[str, str] = {
    "letras": "abc",
    "superíndice": "²",
    "25 dígitos": "9" * 25,
    "5.000 dígitos": "9" * 5000,
    "1 MB": "x" * 1_000_000,
    "NUL": "a\x00b",
    "vacío": "",
}
BAD_IDS = ("9" * 25, "9" * 5000, "0")
PARAM = re.compile(r"\{(\w+):(\w+)\}")

PRODUCT = {
    "code": "Z9",
    "name": "Galletas",
    "short_name": "Galletas",
    "category_id": "",
    "unit": "unit",
    "price": "990",
    "tax": "afecto",
    "additional_tax": "",
    "is_alcohol": "",
    "is_tobacco": "",
    "age_restricted": "",
    "quick_key": "",
    "plu": "",
    "min_stock": "",
    "barcodes": "",
    "active": "on",
    "container_code": "",
    "price_reason": "",
}
CUSTOMER = {
    "rut": "11.111.111-1",
    "name": "Juan Pérez",
    "giro": "Particular",
    "address": "Calle 1",
    "comuna": "Ñuñoa",
    "email": "",
    "phone": "",
    "credit_limit": "10.000",
    "blocked": "",
    "active": "on",
}
SUPPLIER = {
    "rut": "76.543.210-3",
    "razon_social": "Distribuidora SpA",
    "giro": "Comercio",
    "address": "Av. 2",
    "comuna": "Maipú",
    "contact_name": "Ana",
    "phone": "",
    "email": "",
    "payment_terms_days": "30",
    "active": "on",
}
USER = {
    "username": "nuevo",
    "full_name": "Nuevo",
    "role": "cajero",
    "password": "una-clave-larga",
    "pin": "",
    "active": "on",
}
COMPANY = {
    "rut": "76543210-3",
    "razon_social": "Comercial de Prueba SpA",
    "nombre_fantasia": "",
    "giro": "Almacén",
    "actecos": "472101",
    "address": "Los Aromos 123",
    "comuna": "Ñuñoa",
    "ciudad": "Santiago",
    "phone": "",
    "email": "",
    "sii_office": "",
    "resolution_number": "0",
    "resolution_date": "",
    "environment": "certificacion",
}
PROMOTION = {
    "name": "Pack",
    "kind": "pack",
    "quantity": "2",
    "price": "2000",
    "percent": "",
    "pay": "",
    "starts_on": "",
    "ends_on": "",
    "active": "on",
    "products": "L1",
    "categories": "",
}
APPROVAL = {"supervisor_id": "2", "supervisor_pin": "9876"}
DEVICES = {
    "printer": "simulated",
    "paper": "80mm",
    "scanner": "simulated",
    "scale": "simulated",
    "scale_protocol": "mettler-toledo-8217",
    "drawer_pin": "2",
}
CLOSE = {f"d{d}": "" for d in (20000, 10000, 5000, 2000, 1000, 500, 100, 50, 10)}

# Every POST route: a form its handler would accept, whose fields are replaced one at a time. Routes that end the
# session or the tablet's pairing are walked last (LAST).
FORMS: dict[str, dict[str, str]] = {
    "/login": {"username": "admin", "password": "mala-clave", "next": "/"},
    "/productos/nuevo": PRODUCT,
    "/productos/{product_id:int}": {**PRODUCT, "code": "L1", "name": "Leche Entera 1 L"},
    "/productos/{product_id:int}/estado": {"active": "1"},
    "/promociones/nueva": PROMOTION,
    "/promociones/{promo_id:int}": PROMOTION,
    "/categorias": {"name": "Lácteos", "parent_id": ""},
    "/categorias/{category_id:int}": {"name": "Lácteos", "parent_id": ""},
    "/categorias/{category_id:int}/eliminar": {},
    "/clientes/nuevo": CUSTOMER,
    "/clientes/{customer_id:int}": CUSTOMER,
    "/proveedores/nuevo": SUPPLIER,
    "/proveedores/{supplier_id:int}": SUPPLIER,
    "/usuarios/nuevo": USER,
    "/usuarios/{user_id:int}": {**USER, "role": "cajero"},
    "/importar": {"crear_categorias": "on"},
    "/importar/{token:str}/confirmar": {"crear_categorias": "on"},
    "/ajustes/empresa": COMPANY,
    "/ajustes/balanzas": {"name": "Balanza", "prefix": "27", "plu_length": "5", "value_kind": "grams"},
    "/ajustes/balanzas/{layout_id:int}/eliminar": {},
    "/ajustes/alcohol": {"alcohol_from": "00:00", "alcohol_until": "23:59", "dry_dates": ""},
    "/ajustes/tarjetas": {"card_model": "boleta"},
    "/ajustes/cajas": {"code": "caja-9", "name": "Caja 9"},
    "/ajustes/cajas/{lane_id:int}/codigo": {},
    "/ajustes/tablets/{device_id:int}/revocar": {},
    "/ajustes/cajas/{lane_id:int}/escaneo": {"code": "7802820005509"},
    "/caja/ventas/{sale_id:int}/autorizar": APPROVAL,
    "/caja/ventas/{sale_id:int}/reimprimir": {},
    "/emparejar": {"code": "12345678", "name": "Tablet"},
    "/caja/pin": {"user_id": "3", "pin": "1234"},
    "/caja/salir": {},
    "/caja/escanear": {"code": "7802820005509"},
    "/caja/agregar": {"product_id": "1", "quantity": "1"},
    "/caja/lineas/{line_no:int}/cantidad": {"quantity": "2"},
    "/caja/lineas/{line_no:int}/quitar": {},
    "/caja/anular": {},
    "/caja/edad": {},
    "/caja/pagar": {
        "efectivo": "",
        "debito": "1190",
        "debito_ref": "1",
        "credito": "",
        "credito_ref": "",
        "transferencia": "",
        "transferencia_ref": "",
        "fiado": "",
        "fiado_ref": "",
        "efectivo_ref": "",
    },
    "/caja/turno/abrir": {"opening_float": "10.000"},
    "/caja/turno/movimiento": {"kind": "retiro", "amount": "1.000", "note": "caja fuerte"},
    "/caja/turno/cerrar": {**CLOSE, **APPROVAL, "note": ""},
    "/dispositivos/{lane_id:int}": DEVICES,
    "/dispositivos/{lane_id:int}/prueba": {},
    "/dispositivos/{lane_id:int}/cajon": {},
    "/dispositivos/{lane_id:int}/reintentar": {},
    "/dispositivos/{lane_id:int}/balanza-simulada": {"grams": "1250"},
    "/dispositivos/{lane_id:int}/escaneo-simulado": {"code": "7802820005509"},
    "/caja/devolucion/{sale_id:int}": {
        **APPROVAL,
        "boleta": "1",
        "q1": "1",
        "m1": "",
        "refund_method": "efectivo",
        "reason": "vencido",
    },
    "/caja/lineas/{line_no:int}/envase": {"trae": "si"},
    "/caja/envases": {"container_id": "1", "units": "1"},
    "/caja/lineas/{line_no:int}/descuento": {**APPROVAL, "kind": "percent", "value": "10", "reason": "abollado"},
    "/caja/alcohol": {**APPROVAL, "product_id": "2", "quantity": "1000"},
    "/caja/pesar": {"product_id": "1", "kg": "1,250"},
    "/caja/cliente": {"customer_id": "1", "documento": "boleta"},
    "/caja/clientes": {
        **{k: CUSTOMER[k] for k in ("rut", "name", "giro", "address", "comuna", "email", "phone")},
        "documento": "boleta",
    },
    "/caja/fiado/abono": {"customer_id": "1", "amount": "1.000", "method": "efectivo"},
    "/sii/caf": {},
    "/sii/certificado": {"password": "clave"},
    "/sii/documentos/{document_id:int}/reintentar": {},
    "/sii/aviso-folios": {"threshold": "100"},
    "/respaldo": {"kind": "dir", "dir": "/nonexistent/backup", "s3": "", "access_key_id": "", "action": "probar"},
    "/logout": {},
}
LAST = ("/caja/salir", "/logout", "/ajustes/tablets/{device_id:int}/revocar")
# Fields a handler reads that are not the form's own: the page-fragment switch, the CSRF token.
NOT_FIELDS = {"fragment", "_csrf_token", "secret_access_key", "efectivo_ref"}
# Per-line fields of the return form and the blind count: their names carry ids (q<line>, m<line>, d<denomination>).
DYNAMIC = re.compile(r"^(q|m)\d+$|^d\d+$")


def _endpoints(app: Litestar) -> list[tuple[str, str, Any]]:
    found = []
    for route in app.routes:
        for method, (handler, _kwargs) in getattr(route, "route_handler_map", {}).items():
            if method in ("GET", "POST") and not route.path.startswith("/static"):
                found.append((method, route.path, handler))
    return found


def _url(path: str, int_value: str = "1") -> str:
    return PARAM.sub(lambda m: int_value if m.group(2) == "int" else "x" * 24, path)


class Shop:
    """The admin's browser and a tablet with the supervisor signed in, renewed when a route ends them."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.admin: TestClient[Any] = TestClient(app).__enter__()
        code = setup_shop(self.admin)
        self.admin_token = login(self.admin, "admin")
        self.admin.post("/clientes/nuevo", data={**CUSTOMER, "_csrf_token": self.admin_token})
        self.tablet: TestClient[Any] = TestClient(app).__enter__()
        self._pair(code)

    def _pair(self, code: str) -> None:
        form = self.tablet.get(f"/emparejar?codigo={code}")
        self.tablet.post("/emparejar", data={"code": code, "name": "T", "_csrf_token": csrf_from(form.text)})
        assert pin_in(self.tablet, "super", "9876").status_code == 303
        turno = self.tablet.get("/caja/turno").text
        if "opening_float" in turno:
            self.tablet.post("/caja/turno/abrir", data={"opening_float": "0", "_csrf_token": csrf_from(turno)})

    def renew(self) -> None:
        """Sign in again where a route signed out (or voided the tablet), with the wrong-password delays of the
        routes walked so far forgotten: later routes must still be reached."""
        self.app.state.guards = Guards.default()
        self.app.state.guards.hold_max = 0  # early tries answered at once: the held ones are test_security's
        if self.admin.get("/", follow_redirects=False).status_code != 200:
            self.admin_token = login(self.admin, "admin")
        if self.tablet.get("/caja/turno", follow_redirects=False).status_code != 200:
            self.tablet.cookies.clear()
            page = self.admin.post("/ajustes/cajas/1/codigo", data={"_csrf_token": self.admin_token})
            found = re.search(r"codigo=(\d{8})", page.text)
            assert found, page.text[:500]
            self._pair(found.group(1))
        turno = self.tablet.get("/caja/turno").text
        if "opening_float" in turno:  # a route closed it
            self.tablet.post("/caja/turno/abrir", data={"opening_float": "0", "_csrf_token": csrf_from(turno)})

    def client_for(self, handler: Any) -> tuple[TestClient[Any], str]:
        client = self.tablet if handler.opt.get(DEVICE_KEY) else self.admin
        page = client.get("/caja/turno" if client is self.tablet else "/").text
        return client, csrf_from(page)

    def close(self) -> None:
        self.tablet.__exit__(None, None, None)
        self.admin.__exit__(None, None, None)


@pytest.fixture
def shop_app(shop: Settings) -> Iterator[Shop]:
    app = create_app(shop)
    running = Shop(app)
    try:
        yield running
    finally:
        running.close()


def _check(failures: list[str], label: str, response: Any) -> None:
    if response.status_code >= 500:
        failures.append(f"{label} → {response.status_code}: {response.text[:200]}")


def test_every_post_field_refuses_bad_values_without_a_server_error(shop_app: Shop) -> None:
    posts = [(path, handler) for method, path, handler in _endpoints(shop_app.app) if method == "POST"]
    missing = sorted(path for path, _ in posts if path not in FORMS)
    assert not missing, f"POST routes without a form in FORMS: {missing}"
    posts.sort(key=lambda item: item[0] in LAST)
    failures: list[str] = []
    unlisted: set[str] = set()
    for path, handler in posts:
        shop_app.renew()
        form = FORMS[path]
        cases = [(None, "")] + [(field, value) for field in form for value in BAD.values()]
        for field, value in cases:
            client, token = shop_app.client_for(handler)
            data = {**form, "_csrf_token": token}
            if field is not None:
                data[field] = value
            inputs.fields_read = set()
            try:
                response = client.post(_url(path), data=data, follow_redirects=False)
            finally:
                read, inputs.fields_read = inputs.fields_read, None
            unlisted |= {f"{path}: {name}" for name in read - set(form) - NOT_FIELDS if not DYNAMIC.match(name)}
            _check(failures, f"POST {path} {field}={value[:12]!r}", response)
            if field is None and path not in ("/caja/salir", "/logout"):
                # The untouched form must reach its handler, or the bad values below would prove nothing.
                location = response.headers.get("location", "")
                if location.startswith(("/login", "/caja/pin", "/emparejar")) or response.status_code == 403:
                    failures.append(f"POST {path} never reached its handler: {response.status_code} {location}")
        if "{" in path:
            for bad_id in BAD_IDS:
                client, token = shop_app.client_for(handler)
                response = client.post(_url(path, bad_id), data={**form, "_csrf_token": token}, follow_redirects=False)
                _check(failures, f"POST {path} id={bad_id[:12]}", response)
    assert not failures and not unlisted, "\n".join([*failures, *(f"not in FORMS: {u}" for u in sorted(unlisted))])


def test_every_get_parameter_refuses_bad_values_without_a_server_error(shop_app: Shop) -> None:
    failures: list[str] = []
    walked = 0
    for method, path, handler in _endpoints(shop_app.app):
        if method != "GET":
            continue
        params = [
            name
            for name, parameter in handler.parsed_fn_signature.parameters.items()
            if type(getattr(parameter, "kwarg_definition", None)).__name__ == "QueryParameter"
        ]
        client, _token = shop_app.client_for(handler)
        for name in params:
            for value in BAD.values():
                url = _url(path)
                value = value[:60_000]  # a URL cannot carry a megabyte (clients refuse past 64 KB)
                if path == "/caja/eventos" and not value:
                    continue  # no parameter: the stream of notices, which never ends
                _check(failures, f"GET {path} {name}={value[:12]!r}", client.get(url, params={name: value}))
                walked += 1
        if "{" in path and path != "/caja/eventos":
            for bad_id in BAD_IDS:
                _check(failures, f"GET {path} id={bad_id[:12]}", client.get(_url(path, bad_id), follow_redirects=False))
    assert walked > 50
    assert not failures, "\n".join(failures)


def test_a_huge_value_is_not_echoed_into_the_session_cookie(shop_app: Shop) -> None:
    response = shop_app.admin.post(
        "/ajustes/cajas/1/escaneo",
        data={"code": "7" * 1_000_000, "_csrf_token": shop_app.admin_token},
        follow_redirects=False,
    )
    assert response.status_code < 500
    cookies = " ".join(response.headers.get_list("set-cookie"))
    assert len(cookies) < 8_000
    response = shop_app.admin.post(
        "/ajustes/cajas/1/escaneo", data={"code": "7" * 1500, "_csrf_token": shop_app.admin_token}
    )
    assert len(" ".join(response.headers.get_list("set-cookie"))) < 8_000
