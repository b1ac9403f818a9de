from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from appliance.db.engine import Database
from appliance.db.models import Category
from appliance.http.controllers import categories
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, ROLES_KEY
from appliance.settings import Settings
from tests.support import login, post_form, run


def stored(shop: Settings) -> dict[str, int | None]:
    """Every category's name and parent id, as committed."""

    async def read() -> dict[str, int | None]:
        db = Database(shop.database_path)
        async with db.read() as session:
            rows = {c.name: c.parent_id for c in await session.scalars(select(Category))}
        await db.dispose()
        return rows

    result: dict[str, int | None] = run(read())
    return result


def ids(shop: Settings) -> dict[str, int]:
    async def read() -> dict[str, int]:
        db = Database(shop.database_path)
        async with db.read() as session:
            rows = {c.name: c.id for c in await session.scalars(select(Category))}
        await db.dispose()
        return rows

    result: dict[str, int] = run(read())
    return result


def field_errors(html: str) -> list[str]:
    return re.findall(r'field-error">([^<]+)', html)


def make_tree(client: TestClient[Any], token: str) -> None:
    for data in ({"name": "Lácteos", "parent_id": ""}, {"name": "Bebidas", "parent_id": ""}):
        assert post_form(client, "/categorias", data, token).status_code == 303


def test_admin_builds_the_tree_and_sees_it_indented_with_counts(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    make_tree(client, token)
    lacteos = ids(shop)["Lácteos"]
    response = post_form(client, "/categorias", {"name": "Leches", "parent_id": str(lacteos)}, token)
    assert response.status_code == 303 and response.headers["location"] == "/categorias"
    leches = ids(shop)["Leches"]
    product = {
        "code": "L1",
        "name": "Leche Entera 1L",
        "short_name": "",
        "price": "990",
        "unit": "unit",
        "tax": "afecto",
        "category_id": str(leches),
        "active": "on",
    }
    assert post_form(client, "/productos/nuevo", product, token).status_code == 303

    page = client.get("/categorias").text
    assert "Categoría «Leches» creada." in page
    # Parents come before their children, children are indented, counts link to the products.
    assert page.index("Lácteos") < page.index("Leches")
    assert 'style="padding-left: 2.3rem"' in page
    assert f'href="/productos?categoria={leches}&amp;estado=todos">1</a>' in page
    assert stored(shop) == {"Lácteos": None, "Bebidas": None, "Leches": lacteos}


def test_empty_or_duplicate_name_is_refused_and_nothing_written(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    make_tree(client, token)
    response = post_form(client, "/categorias", {"name": "  ", "parent_id": ""}, token)
    assert response.status_code == 400
    assert "El nombre de la categoría es obligatorio." in field_errors(response.text)

    response = post_form(client, "/categorias", {"name": "lacteos", "parent_id": ""}, token)
    assert response.status_code == 400
    assert any("Ya existe la categoría «Lácteos»" in e for e in field_errors(response.text))
    assert 'value="lacteos"' in response.text  # what was typed stays in the form
    assert set(stored(shop)) == {"Lácteos", "Bebidas"}


def test_rename_and_move_a_category(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    make_tree(client, token)
    tree = ids(shop)
    edit = client.get(f"/categorias/{tree['Bebidas']}")
    assert edit.status_code == 200 and 'value="Bebidas"' in edit.text
    response = post_form(
        client, f"/categorias/{tree['Bebidas']}", {"name": "Bebidas y jugos", "parent_id": str(tree["Lácteos"])}, token
    )
    assert response.status_code == 303
    assert stored(shop) == {"Lácteos": None, "Bebidas y jugos": tree["Lácteos"]}
    assert "Categoría «Bebidas y jugos» guardada." in client.get("/categorias").text


def test_moving_a_category_inside_its_own_child_is_refused(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    make_tree(client, token)
    lacteos = ids(shop)["Lácteos"]
    post_form(client, "/categorias", {"name": "Leches", "parent_id": str(lacteos)}, token)
    leches = ids(shop)["Leches"]

    edit = client.get(f"/categorias/{lacteos}").text
    assert f'<option value="{leches}"' not in edit  # the select does not even offer it

    response = post_form(client, f"/categorias/{lacteos}", {"name": "Lácteos", "parent_id": str(leches)}, token)
    assert response.status_code == 400
    assert "Una categoría no puede quedar dentro de sí misma." in field_errors(response.text)
    response = post_form(client, f"/categorias/{lacteos}", {"name": "Lácteos", "parent_id": str(lacteos)}, token)
    assert response.status_code == 400
    assert stored(shop)["Lácteos"] is None


def test_moving_under_a_missing_parent_is_a_field_error(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    make_tree(client, token)
    lacteos = ids(shop)["Lácteos"]
    response = post_form(client, f"/categorias/{lacteos}", {"name": "Lácteos", "parent_id": "9999"}, token)
    assert response.status_code == 400
    assert "La categoría superior no existe." in field_errors(response.text)
    response = post_form(client, "/categorias", {"name": "Otra", "parent_id": "abc"}, token)
    assert response.status_code == 400
    assert "La categoría superior no es válida." in field_errors(response.text)
    assert stored(shop) == {"Lácteos": None, "Bebidas": None}


def test_too_long_a_name_is_refused_on_rename_too(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    make_tree(client, token)
    lacteos = ids(shop)["Lácteos"]
    response = post_form(client, f"/categorias/{lacteos}", {"name": "x" * 61, "parent_id": ""}, token)
    assert response.status_code == 400
    assert "El nombre de la categoría admite hasta 60 caracteres." in field_errors(response.text)
    assert "Lácteos" in stored(shop)


def test_delete_refuses_categories_with_products_or_children(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    make_tree(client, token)
    tree = ids(shop)
    post_form(client, "/categorias", {"name": "Leches", "parent_id": str(tree["Lácteos"])}, token)
    product = {
        "code": "B1",
        "name": "Bebida Cola 1.5L",
        "short_name": "",
        "price": "1.590",
        "unit": "unit",
        "tax": "afecto",
        "category_id": str(tree["Bebidas"]),
        "active": "on",
    }
    assert post_form(client, "/productos/nuevo", product, token).status_code == 303

    response = post_form(client, f"/categorias/{tree['Bebidas']}/eliminar", {}, token)
    assert response.status_code == 400
    assert "La categoría tiene productos: cámbielos de categoría primero." in response.text
    response = post_form(client, f"/categorias/{tree['Lácteos']}/eliminar", {}, token)
    assert response.status_code == 400
    assert "La categoría tiene subcategorías" in response.text
    assert set(stored(shop)) == {"Lácteos", "Bebidas", "Leches"}

    leches = ids(shop)["Leches"]
    response = post_form(client, f"/categorias/{leches}/eliminar", {}, token)
    assert response.status_code == 303
    assert "Categoría «Leches» eliminada." in client.get("/categorias").text
    assert set(stored(shop)) == {"Lácteos", "Bebidas"}


def test_missing_category_is_404(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    assert client.get("/categorias/999").status_code == 404
    assert post_form(client, "/categorias/999", {"name": "X", "parent_id": ""}, token).status_code == 404
    assert post_form(client, "/categorias/999/eliminar", {}, token).status_code == 404


@pytest.mark.parametrize("username", ["duena", "super"])
def test_read_only_roles_see_the_tree_but_cannot_change_it(
    client: TestClient[Any], shop: Settings, username: str
) -> None:
    admin_token = login(client, "admin")
    make_tree(client, admin_token)
    lacteos = ids(shop)["Lácteos"]
    client.cookies.clear()

    token = login(client, username)
    listing = client.get("/categorias")
    assert listing.status_code == 200 and "Lácteos" in listing.text
    assert 'action="/categorias"' not in listing.text  # no create form
    edit = client.get(f"/categorias/{lacteos}")
    assert edit.status_code == 200
    assert "disabled" in edit.text and "Guardar" not in edit.text and "Eliminar categoría" not in edit.text

    assert post_form(client, "/categorias", {"name": "Aseo", "parent_id": ""}, token).status_code == 403
    assert post_form(client, f"/categorias/{lacteos}", {"name": "X", "parent_id": ""}, token).status_code == 403
    assert post_form(client, f"/categorias/{lacteos}/eliminar", {}, token).status_code == 403
    assert set(stored(shop)) == {"Lácteos", "Bebidas"}


def test_cashier_cannot_open_categories(client: TestClient[Any]) -> None:
    login(client, "caja")
    assert client.get("/categorias").status_code == 403
    assert client.get("/categorias/1").status_code == 403


def test_every_category_route_declares_its_roles() -> None:
    for handler in categories.ROUTES:
        roles = handler.opt[ROLES_KEY]
        assert roles == (BACKOFFICE_VIEW if "GET" in handler.http_methods else ADMIN), handler
