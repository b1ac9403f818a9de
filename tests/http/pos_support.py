"""A shop with a paired tablet, for the point-of-sale HTTP tests."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from tests.support import csrf_from, login, post_form

MILK = {"code": "L1", "name": "Leche Entera 1 L", "price": "1.190", "barcodes": "7802820005509", "active": "on"}
WINE = {"code": "V1", "name": "Vino Tinto 750 ml", "price": "4.990", "additional_tax": "25", "active": "on"}


def setup_shop(client: TestClient[Any]) -> str:
    """As the admin: two products, a lane, PINs for the cashier and the supervisor. Returns a pairing code."""
    token = login(client, "admin")
    for product in (MILK, WINE):
        assert post_form(client, "/productos/nuevo", product, token).status_code == 303
    assert post_form(client, "/ajustes/cajas", {"code": "caja-1", "name": "Caja 1"}, token).status_code == 303
    # Wine sells whatever the hour the tests run at (the default window closes at 01:00); the out-of-hours tests set
    # their own window.
    hours = {"alcohol_from": "00:00", "alcohol_until": "23:59", "dry_dates": ""}
    assert post_form(client, "/ajustes/alcohol", hours, token).status_code == 303
    users = client.get("/usuarios").text
    for username, pin in (("caja", "1234"), ("super", "9876")):
        user_id = re.search(rf'href="/usuarios/(\d+)"[^>]*>\s*{username}\b', users) or re.search(
            rf'/usuarios/(\d+)">{username}<', users
        )
        assert user_id, users
        form = client.get(f"/usuarios/{user_id.group(1)}").text
        role = re.search(r'<option value="(\w+)" selected', form)
        assert role
        response = post_form(
            client,
            f"/usuarios/{user_id.group(1)}",
            {"full_name": username.title(), "role": role.group(1), "active": "on", "pin": pin},
            token,
        )
        assert response.status_code == 303, response.text
    page = post_form(client, "/ajustes/cajas/1/codigo", {}, token)
    code = re.search(r"codigo=(\d{8})", page.text)
    assert code, page.text
    client.cookies.clear()
    return code.group(1)


def pin_in(tablet: TestClient[Any], username: str, pin: str) -> Any:
    page = tablet.get("/caja/pin").text
    user_id = re.search(rf'value="(\d+)"[^>]*>\s*<span>{username.title()}', page)
    assert user_id, page
    return tablet.post(
        "/caja/pin",
        data={"user_id": user_id.group(1), "pin": pin, "_csrf_token": csrf_from(page)},
        follow_redirects=False,
    )
