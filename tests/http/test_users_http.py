from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from appliance.db.engine import Database
from appliance.db.models import User
from appliance.http.controllers import users
from appliance.http.policy import ADMIN, ROLES_KEY
from appliance.settings import Settings
from tests.support import PASSWORD, csrf_from, login, post_form, run

NEW = {"username": "maria.p", "full_name": "María Paz Rojas", "role": "cajero", "password": "caja-segura-1"}


def accounts(shop: Settings) -> dict[str, User]:
    async def read() -> dict[str, User]:
        db = Database(shop.database_path)
        async with db.read() as session:
            found = {u.username: u for u in await session.scalars(select(User))}
        await db.dispose()
        return found

    result: dict[str, User] = run(read())
    return result


def field_errors(html: str) -> dict[str, str]:
    out = {}
    for label in re.findall(r'<label class="has-error">.*?</label>', html, flags=re.S):
        name = re.search(r'name="([^"]+)"', label)
        message = re.search(r'field-error">([^<]+)', label)
        if name and message:
            out[name.group(1)] = message.group(1)
    return out


def can_log_in(client: TestClient[Any], username: str, password: str) -> bool:
    client.cookies.clear()
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": username, "password": password, "_csrf_token": token}, follow_redirects=False
    )
    return bool(response.status_code == 303)


def test_admin_lists_users_with_role_labels_and_last_login(client: TestClient[Any]) -> None:
    login(client, "admin")
    page = client.get("/usuarios")
    assert page.status_code == 200
    for username, label in (
        ("admin", "Administrador/a"),
        ("super", "Supervisor/a"),
        ("caja", "Cajero/a"),
        ("duena", "Dueño/a"),
    ):
        assert f">{username}</a>" in page.text and label in page.text
    # The admin just logged in (dd-mm-yyyy hh:mm, Chile time); the others never have.
    assert re.search(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", page.text)
    assert page.text.count("Nunca") == 3


def test_admin_creates_a_user_who_can_then_log_in(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    assert client.get("/usuarios/nuevo").status_code == 200
    response = post_form(client, "/usuarios/nuevo", {**NEW, "username": "  Maria.P "}, token)
    assert response.status_code == 303 and response.headers["location"] == "/usuarios"
    page = client.get("/usuarios").text
    assert "Usuario «maria.p» creado." in page and "María Paz Rojas" in page
    created = accounts(shop)["maria.p"]
    assert (created.role, created.active) == ("cajero", True)
    assert can_log_in(client, "maria.p", NEW["password"])
    assert client.get("/usuarios").status_code == 403  # a cashier


def test_bad_new_user_keeps_values_but_never_the_password(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    bad = {"username": "María P", "full_name": "", "role": "jefe", "password": "corta"}
    response = post_form(client, "/usuarios/nuevo", bad, token)
    assert response.status_code == 400
    errors = field_errors(response.text)
    assert "sin espacios" in errors["username"]
    assert errors["full_name"] == "el nombre es obligatorio"
    assert errors["role"] == "el rol «jefe» no existe"
    assert errors["password"] == "la contraseña debe tener al menos 8 caracteres"
    assert 'value="María P"' in response.text and "corta" not in response.text
    assert set(accounts(shop)) == {"admin", "super", "caja", "duena"}


def test_duplicate_username_is_refused(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    response = post_form(client, "/usuarios/nuevo", {**NEW, "username": "caja"}, token)
    assert response.status_code == 400
    assert field_errors(response.text)["username"] == "el usuario «caja» ya existe"
    assert accounts(shop)["caja"].full_name == "Caja"


def test_admin_changes_role_name_and_password(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    caja = accounts(shop)["caja"]
    edit = client.get(f"/usuarios/{caja.id}").text
    assert 'value="Caja"' in edit and '<option value="cajero" selected>' in edit
    data = {"full_name": "Carla Ahumada", "role": "supervisor", "active": "on", "password": "nueva-clave-9"}
    assert post_form(client, f"/usuarios/{caja.id}", data, token).status_code == 303
    changed = accounts(shop)["caja"]
    assert (changed.full_name, changed.role, changed.active) == ("Carla Ahumada", "supervisor", True)
    assert not can_log_in(client, "caja", PASSWORD)
    assert can_log_in(client, "caja", "nueva-clave-9")


def test_empty_password_on_edit_keeps_the_old_one(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    caja = accounts(shop)["caja"]
    data = {"full_name": "Caja Uno", "role": "cajero", "active": "on", "password": ""}
    assert post_form(client, f"/usuarios/{caja.id}", data, token).status_code == 303
    assert accounts(shop)["caja"].password_hash == caja.password_hash
    response = post_form(client, f"/usuarios/{caja.id}", {**data, "password": "corta"}, token)
    assert response.status_code == 400
    assert field_errors(response.text)["password"] == "la contraseña debe tener al menos 8 caracteres"
    assert accounts(shop)["caja"].password_hash == caja.password_hash


def test_deactivated_user_cannot_log_in(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    caja = accounts(shop)["caja"]
    # An unticked checkbox sends nothing.
    assert post_form(client, f"/usuarios/{caja.id}", {"full_name": "Caja", "role": "cajero"}, token).status_code == 303
    assert not accounts(shop)["caja"].active
    assert 'class="inactive"' in client.get("/usuarios").text
    assert not can_log_in(client, "caja", PASSWORD)


def test_admin_cannot_deactivate_or_demote_themself(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    me = accounts(shop)["admin"]
    edit = client.get(f"/usuarios/{me.id}").text
    assert "No puede desactivarse a sí mismo." in edit
    response = post_form(client, f"/usuarios/{me.id}", {"full_name": "Admin", "role": "administrador"}, token)
    assert response.status_code == 400
    # Shown under the "Activo" box that was unticked.
    assert re.search(
        r'name="active".*?field-error">no puede quitarse a sí mismo el rol ni desactivarse', response.text, re.S
    )
    response = post_form(client, f"/usuarios/{me.id}", {"full_name": "Admin", "role": "cajero", "active": "on"}, token)
    assert response.status_code == 400
    assert field_errors(response.text)["role"] == "no puede quitarse a sí mismo el rol ni desactivarse"
    after = accounts(shop)["admin"]
    assert (after.role, after.active) == ("administrador", True)


def test_admin_changing_own_password_stays_logged_in(client: TestClient[Any], shop: Settings) -> None:
    token = login(client, "admin")
    me = accounts(shop)["admin"]
    data = {"full_name": "Admin", "role": "administrador", "active": "on", "password": "otra-clave-larga"}
    response = post_form(client, f"/usuarios/{me.id}", data, token)
    assert response.status_code == 303
    page = client.get("/usuarios")
    assert page.status_code == 200 and "Cambios de «admin» guardados." in page.text
    assert can_log_in(client, "admin", "otra-clave-larga")


def test_missing_user_is_404(client: TestClient[Any]) -> None:
    token = login(client, "admin")
    assert client.get("/usuarios/999").status_code == 404
    data = {"full_name": "X", "role": "cajero", "active": "on"}
    assert post_form(client, "/usuarios/999", data, token).status_code == 404


@pytest.mark.parametrize("username", ["super", "duena", "caja"])
def test_only_the_admin_may_open_users(client: TestClient[Any], shop: Settings, username: str) -> None:
    caja = accounts(shop)["caja"]
    token = login(client, username)
    assert "/usuarios" not in client.get("/").text
    for url in ("/usuarios", "/usuarios/nuevo", f"/usuarios/{caja.id}"):
        assert client.get(url).status_code == 403, url
    assert post_form(client, "/usuarios/nuevo", {**NEW, "role": "administrador"}, token).status_code == 403
    data = {"full_name": "Hackeado", "role": "administrador", "active": "on", "password": "x" * 10}
    assert post_form(client, f"/usuarios/{caja.id}", data, token).status_code == 403
    after = accounts(shop)
    assert "maria.p" not in after and (after["caja"].role, after["caja"].full_name) == ("cajero", "Caja")


def test_every_user_route_is_admin_only() -> None:
    assert all(handler.opt[ROLES_KEY] == ADMIN for handler in users.ROUTES)
