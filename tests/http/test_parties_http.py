from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from appliance.db.engine import Database
from appliance.db.models import AuditEntry, Customer, Supplier
from appliance.http.controllers import parties
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, ROLES_KEY
from appliance.settings import Settings
from tests.support import login, post_form, run

SUPPLIER = {
    "rut": "76.543.210-3",
    "razon_social": "Distribuidora El Roble Ltda.",
    "giro": "Venta al por mayor",
    "address": "Av. Matta 1234",
    "comuna": "Santiago",
    "contact_name": "Juan Soto",
    "phone": "+56 9 8765 4321",
    "email": "ventas@elroble.cl",
    "payment_terms_days": "30",
    "active": "on",
}
CUSTOMER = {
    "rut": "12345678-5",
    "name": "Rosa Pérez",
    "giro": "",
    "address": "Los Aromos 55",
    "comuna": "Maipú",
    "email": "rosa@example.cl",
    "phone": "2 2345 6789",
    "credit_limit": "50.000",
    "active": "on",
}


def rows(shop: Settings, model: type[Customer] | type[Supplier]) -> list[Any]:
    async def read() -> list[Any]:
        db = Database(shop.database_path)
        async with db.read() as session:
            found = list(await session.scalars(select(model).order_by(model.id)))
        await db.dispose()
        return found

    result: list[Any] = run(read())
    return result


def audit_actions(shop: Settings) -> list[str]:
    async def read() -> list[str]:
        db = Database(shop.database_path)
        async with db.read() as session:
            found = [a.action for a in await session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        await db.dispose()
        return found

    result: list[str] = run(read())
    return result


def field_errors(html: str) -> dict[str, str]:
    """Each input's name and the message shown under it."""
    out = {}
    for label in re.findall(r'<label class="has-error">.*?</label>', html, flags=re.S):
        name = re.search(r'name="([^"]+)"', label)
        message = re.search(r'field-error">([^<]+)', label)
        if name and message:
            out[name.group(1)] = message.group(1)
    return out


# --- Suppliers ---------------------------------------------------------------------------------------------------


def test_admin_creates_a_supplier_and_finds_it_by_name_or_rut(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    response = post_form(client, "/proveedores/nuevo", SUPPLIER, token)
    assert response.status_code == 303
    [supplier] = rows(shop, Supplier)
    assert response.headers["location"] == f"/proveedores/{supplier.id}"
    assert (supplier.rut, supplier.razon_social, supplier.payment_terms_days) == (
        "76543210-3",
        SUPPLIER["razon_social"],
        30,
    )
    assert supplier.contact_name == "Juan Soto" and supplier.active
    assert audit_actions(shop)[-1] == "supplier.save"

    edit = client.get(response.headers["location"]).text
    assert "Proveedor «Distribuidora El Roble Ltda.» creado." in edit
    assert 'value="76.543.210-3"' in edit

    for q in ("roble", "76.543.210", "76543210-3"):
        listing = client.get("/proveedores", params={"q": q}).text
        assert "Distribuidora El Roble Ltda." in listing, q
        assert "76.543.210-3" in listing and "30 días" in listing
    assert (
        "No hay proveedores que coincidan con «lácteos sur»"
        in client.get("/proveedores", params={"q": "lácteos sur"}).text
    )
    fragment = client.get("/proveedores", params={"q": "roble"}, headers={"X-Fragment": "1"}).text
    assert "Distribuidora El Roble Ltda." in fragment and "<html" not in fragment


def test_supplier_with_wrong_check_digit_is_refused_and_nothing_written(
    client: TestClient[Any], shop: Settings
) -> None:
    token = login(client, "admin")
    bad = {**SUPPLIER, "rut": "76.543.210-4", "email": "no-es-correo", "payment_terms_days": "treinta"}
    response = post_form(client, "/proveedores/nuevo", bad, token)
    assert response.status_code == 400
    errors = field_errors(response.text)
    assert "dígito verificador" in errors["rut"]
    assert errors["email"] == "el correo no parece válido"
    assert errors["payment_terms_days"] == "el plazo de pago son días, de 0 a 365"
    assert 'value="Distribuidora El Roble Ltda."' in response.text and 'value="76.543.210-4"' in response.text
    assert rows(shop, Supplier) == [] and "supplier.save" not in audit_actions(shop)


def test_supplier_needs_rut_and_razon_social(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    response = post_form(client, "/proveedores/nuevo", {**SUPPLIER, "rut": "", "razon_social": " "}, token)
    assert response.status_code == 400
    errors = field_errors(response.text)
    assert errors == {"rut": "el RUT es obligatorio", "razon_social": "la razón social es obligatoria"}
    assert rows(shop, Supplier) == []


def test_duplicate_supplier_rut_is_refused(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    assert post_form(client, "/proveedores/nuevo", SUPPLIER, token).status_code == 303
    response = post_form(client, "/proveedores/nuevo", {**SUPPLIER, "rut": "765432103", "razon_social": "Otra"}, token)
    assert response.status_code == 400
    assert field_errors(response.text)["rut"] == "el RUT 76.543.210-3 ya está registrado"
    assert [s.razon_social for s in rows(shop, Supplier)] == [SUPPLIER["razon_social"]]


def test_admin_edits_and_deactivates_a_supplier(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    location = post_form(client, "/proveedores/nuevo", SUPPLIER, token).headers["location"]
    changed = {k: v for k, v in SUPPLIER.items() if k != "active"}  # unticked checkbox: the browser sends nothing
    response = post_form(client, location, {**changed, "payment_terms_days": "45", "comuna": "Ñuñoa"}, token)
    assert response.status_code == 303
    [supplier] = rows(shop, Supplier)
    assert (supplier.payment_terms_days, supplier.comuna, supplier.active) == (45, "Ñuñoa", False)
    listing = client.get("/proveedores").text
    assert 'class="inactive"' in listing and "45 días" in listing

    # Saving the same RUT on its own record is not a duplicate.
    assert post_form(client, location, SUPPLIER, token).status_code == 303
    assert rows(shop, Supplier)[0].active


def test_missing_supplier_is_404(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    assert client.get("/proveedores/42").status_code == 404
    assert post_form(client, "/proveedores/42", SUPPLIER, token).status_code == 404


# --- Customers ---------------------------------------------------------------------------------------------------


def test_admin_creates_a_customer_with_fiado_limit(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    response = post_form(client, "/clientes/nuevo", {**CUSTOMER, "blocked": "on"}, token)
    assert response.status_code == 303
    [customer] = rows(shop, Customer)
    assert (customer.rut, customer.name, customer.credit_limit) == ("12345678-5", "Rosa Pérez", 50_000)
    assert customer.blocked and customer.active

    edit = client.get(response.headers["location"]).text
    assert 'value="12.345.678-5"' in edit and 'value="50.000"' in edit and "Actual: $50.000" in edit
    listing = client.get("/clientes", params={"q": "12.345.678"}).text
    assert "Rosa Pérez" in listing and "12.345.678-5" in listing and "$50.000" in listing and "bloqueado" in listing
    assert "Rosa Pérez" in client.get("/clientes", params={"q": "rosa"}).text
    assert "No hay clientes" in client.get("/clientes", params={"q": "juan"}).text


def test_customer_without_rut_is_fine_and_several_may_lack_one(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    for name in ("Don Lucho", "Señora Marta"):
        response = post_form(client, "/clientes/nuevo", {"name": name, "rut": "", "credit_limit": ""}, token)
        assert response.status_code == 303
    assert [(c.name, c.rut, c.credit_limit) for c in rows(shop, Customer)] == [
        ("Don Lucho", None, 0),
        ("Señora Marta", None, 0),
    ]


def test_bad_customer_keeps_values_and_writes_nothing(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    bad = {**CUSTOMER, "rut": "12.345.678-9", "name": "", "credit_limit": "12,5"}
    response = post_form(client, "/clientes/nuevo", bad, token)
    assert response.status_code == 400
    errors = field_errors(response.text)
    assert "dígito verificador" in errors["rut"]
    assert errors["name"] == "el nombre es obligatorio"
    assert "no llevan decimales" in errors["credit_limit"]
    assert 'value="Los Aromos 55"' in response.text and 'value="12,5"' in response.text
    assert rows(shop, Customer) == []


def test_duplicate_customer_rut_is_refused_on_edit_too(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    assert post_form(client, "/clientes/nuevo", CUSTOMER, token).status_code == 303
    response = post_form(client, "/clientes/nuevo", {**CUSTOMER, "name": "Otra Rosa"}, token)
    assert response.status_code == 400
    assert field_errors(response.text)["rut"] == "el RUT 12.345.678-5 ya está registrado"

    other = post_form(client, "/clientes/nuevo", {**CUSTOMER, "rut": "11.111.111-1", "name": "Pedro"}, token)
    response = post_form(client, other.headers["location"], {**CUSTOMER, "name": "Pedro"}, token)
    assert response.status_code == 400 and "ya está registrado" in field_errors(response.text)["rut"]
    assert [(c.name, c.rut) for c in rows(shop, Customer)] == [("Rosa Pérez", "12345678-5"), ("Pedro", "11111111-1")]


def test_admin_blocks_unblocks_and_deactivates_a_customer(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    location = post_form(client, "/clientes/nuevo", CUSTOMER, token).headers["location"]
    assert not rows(shop, Customer)[0].blocked
    post_form(client, location, {**CUSTOMER, "blocked": "on", "credit_limit": "$ 80.000"}, token)
    customer = rows(shop, Customer)[0]
    assert customer.blocked and customer.credit_limit == 80_000
    inactive = {k: v for k, v in CUSTOMER.items() if k != "active"}
    response = post_form(client, location, inactive, token)
    assert response.status_code == 303
    customer = rows(shop, Customer)[0]
    assert not customer.blocked and not customer.active
    assert "Cambios de «Rosa Pérez» guardados." in client.get(location).text


# --- Who may do what ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["duena", "super"])
def test_read_only_roles_see_parties_but_cannot_save(client: TestClient[Any], shop: Settings, username: str) -> None:
    admin = login(client, "admin")
    customer_at = post_form(client, "/clientes/nuevo", CUSTOMER, admin).headers["location"]
    supplier_at = post_form(client, "/proveedores/nuevo", SUPPLIER, admin).headers["location"]
    client.cookies.clear()

    token = login(client, username)
    assert "Rosa Pérez" in client.get("/clientes").text
    assert "Distribuidora El Roble" in client.get("/proveedores").text
    for url in (customer_at, supplier_at):
        edit = client.get(url)
        assert edit.status_code == 200
        assert "disabled" in edit.text and "Guardar" not in edit.text
    assert "/clientes/nuevo" not in client.get("/clientes").text
    assert client.get("/clientes/nuevo").status_code == 403
    assert client.get("/proveedores/nuevo").status_code == 403

    assert post_form(client, "/clientes/nuevo", {**CUSTOMER, "rut": "", "name": "X"}, token).status_code == 403
    assert post_form(client, customer_at, {**CUSTOMER, "name": "Cambiada"}, token).status_code == 403
    assert post_form(client, "/proveedores/nuevo", {**SUPPLIER, "rut": "11.111.111-1"}, token).status_code == 403
    assert post_form(client, supplier_at, {**SUPPLIER, "razon_social": "Cambiada"}, token).status_code == 403
    assert [c.name for c in rows(shop, Customer)] == ["Rosa Pérez"]
    assert [s.razon_social for s in rows(shop, Supplier)] == [SUPPLIER["razon_social"]]


def test_cashier_cannot_open_parties(client: TestClient[Any]) -> None:
    login(client, "caja")
    for url in ("/clientes", "/clientes/nuevo", "/clientes/1", "/proveedores", "/proveedores/nuevo", "/proveedores/1"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "no tiene permiso" in response.text


def test_every_party_route_declares_its_roles() -> None:
    for handler in parties.ROUTES:
        roles = handler.opt[ROLES_KEY]
        viewing = "GET" in handler.http_methods and not any(path.endswith("/nuevo") for path in handler.paths)
        assert roles == (BACKOFFICE_VIEW if viewing else ADMIN), handler
