"""The shop's settings: company data as the SII knows it, and scale-label layouts used by barcode lookups."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from appliance.core.barcodes import VariableMeasureLayout, build_variable_measure
from tests.support import login, post_form

COMPANY = {
    "rut": "76.543.210-3",
    "razon_social": "Comercial Los Aromos SpA",
    "giro": "Minimarket",
    "actecos": "472101",
    "address": "Los Aromos 123",
    "comuna": "Macul",
    "resolution_number": "0",
    "resolution_date": "12-01-2026",
    "environment": "certificacion",
}
CHEESE = {"code": "Q1", "name": "Queso Gauda", "price": "12.990", "unit": "kg", "plu": "00123", "active": "on"}


def test_company_is_saved_and_shown(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    assert "Comercial de Prueba SpA" in client.get("/ajustes").text
    assert post_form(client, "/ajustes/empresa", COMPANY, token).status_code == 303
    page = client.get("/ajustes").text
    assert "Comercial Los Aromos SpA" in page and "76543210-3" in page and "12-01-2026" in page


def test_bad_company_data_gets_spanish_errors_and_writes_nothing(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    bad = {**COMPANY, "rut": "76.543.210-4", "actecos": "47", "resolution_date": "31-02-2026", "razon_social": ""}
    response = post_form(client, "/ajustes/empresa", bad, token)
    assert response.status_code == 400
    errors = " ".join(re.findall(r'field-error">([^<]+)', response.text))
    assert "dígito verificador" in errors and "6 dígitos" in errors and "dd-mm-aaaa" in errors
    assert "la razón social es obligatoria" in errors
    assert "Comercial de Prueba SpA" in client.get("/ajustes").text  # nothing was written


def test_layout_added_in_settings_drives_scale_label_lookups(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    post_form(client, "/productos/nuevo", CHEESE, token)
    label = build_variable_measure(VariableMeasureLayout("27", 5, "grams"), "123", 1250)
    assert "Queso Gauda</a>" not in client.get("/productos", params={"q": label}).text
    response = post_form(
        client,
        "/ajustes/balanzas",
        {"name": "Balanza fiambrería", "prefix": "27", "plu_length": "5", "value_kind": "grams"},
        token,
    )
    assert response.status_code == 303
    assert "Queso Gauda</a>" in client.get("/productos", params={"q": label}).text


def test_bad_layouts_are_refused(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    response = post_form(
        client, "/ajustes/balanzas", {"name": "Mala", "prefix": "31", "plu_length": "5", "value_kind": "grams"}, token
    )
    assert response.status_code == 400 and "empezar con 2" in response.text
    ok = {"name": "Peso", "prefix": "20", "plu_length": "5", "value_kind": "grams"}
    assert post_form(client, "/ajustes/balanzas", ok, token).status_code == 303
    again = post_form(client, "/ajustes/balanzas", {**ok, "name": "Otra"}, token)
    assert again.status_code == 400 and "ya hay una etiqueta con el prefijo 20" in again.text
    layout_id = re.search(r"/ajustes/balanzas/(\d+)/eliminar", client.get("/ajustes").text)
    assert layout_id
    assert post_form(client, f"/ajustes/balanzas/{layout_id.group(1)}/eliminar", {}, token).status_code == 303
    assert "Sin etiquetas de balanza" in client.get("/ajustes").text


def test_owner_sees_settings_but_cannot_change_them(client: TestClient[Any]) -> None:
    token = login(client, "duena")
    page = client.get("/ajustes")
    assert page.status_code == 200 and "Guardar datos de la empresa" not in page.text
    assert post_form(client, "/ajustes/empresa", COMPANY, token).status_code == 403
