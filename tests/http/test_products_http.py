from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from tests.support import login, post_form

NEW = {
    "code": "P1",
    "name": "Léche Descremada 1L",
    "short_name": "",
    "price": "1.090",
    "unit": "unit",
    "tax": "afecto",
    "barcodes": "7802820005509",
    "active": "on",
}


def test_admin_creates_product_and_finds_it_without_accents(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    response = post_form(client, "/productos/nuevo", NEW, token)
    assert response.status_code == 303
    page = client.get("/productos", params={"q": "leche descre"}).text
    assert "Léche Descremada 1L" in page
    api = client.get("/api/productos", params={"q": "LECHE"}).json()
    assert [r["code"] for r in api["results"]] == ["P1"]
    assert api["results"][0]["price"] == 1090
    by_barcode = client.get("/productos", params={"q": "7802820005509"}).text
    assert "Léche Descremada 1L" in by_barcode


def test_bad_product_gets_spanish_field_errors_and_writes_nothing(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    response = post_form(client, "/productos/nuevo", {**NEW, "price": "abc", "barcodes": "7802820005508"}, token)
    assert response.status_code == 400
    errors = re.findall(r'field-error">([^<]+)', response.text)
    assert any("monto" in e for e in errors)
    assert any("dígito verificador" in e for e in errors)
    assert "No hay productos" in client.get("/productos", params={"estado": "todos"}).text


def test_price_change_is_kept_in_history(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    location = post_form(client, "/productos/nuevo", NEW, token).headers["location"]
    response = post_form(client, location, {**NEW, "price": "1190", "price_reason": "alza proveedor"}, token)
    assert response.status_code == 303
    page = client.get(location).text
    assert "alza proveedor" in page and "$1.090" in page and "$1.190" in page


def test_form_without_csrf_token_is_refused(client: TestClient[Any]) -> None:
    login(client, "admin")
    response = client.post("/productos/nuevo", data=NEW, follow_redirects=False)
    assert response.status_code == 403
    assert "No hay productos" in client.get("/productos", params={"estado": "todos"}).text


def test_session_cookie_is_httponly_and_samesite(client: TestClient[Any]) -> None:
    token = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "admin",
            "password": "clave-de-prueba",
            "_csrf_token": re.search(r'value="([^"]+)"', token.text).group(1),
        },
        follow_redirects=False,
    )
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("mm_session"))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("samesite", "SameSite")


def test_wrong_password_says_so_in_spanish(client: TestClient[Any]) -> None:
    token = client.get("/login")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', token.text).group(1)
    response = client.post("/login", data={"username": "admin", "password": "nope", "_csrf_token": csrf})
    assert response.status_code == 401
    assert "Usuario o contraseña incorrectos" in response.text


def test_list_filters_as_the_search_form_sends_them(client: TestClient[Any]) -> None:
    """The form always sends every field, empty ones included (categoría «Todas» is an empty value)."""
    token = login(client, "admin")
    post_form(client, "/productos/nuevo", NEW, token)
    response = client.get("/productos", params={"q": "leche", "categoria": "", "estado": "activos"})
    assert response.status_code == 200 and "Léche Descremada 1L" in response.text
    fragment = client.get("/productos", params={"q": "leche", "categoria": ""}, headers={"X-Fragment": "1"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Léche" in fragment.text
    inactive = client.get("/productos", params={"q": "leche", "categoria": "", "estado": "inactivos"})
    assert "No hay productos" in inactive.text
