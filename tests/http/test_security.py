"""What an attacker on the shop's Wi-Fi tried, one test each: every one of these passed against the box before.

Sessions that outlive their sign-out, a PIN that opens the back office, CSRF tokens that belong to nobody, tablets
that read other lanes' sales, pairing codes and passwords guessed without limit, a pairing link built from the Host
header, and pages without security headers.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance.app import create_app
from appliance.http.controllers import ROUTES
from appliance.http.edge import CONTENT_SECURITY_POLICY
from appliance.pos import pairing
from appliance.settings import Settings
from appliance.users import service as users
from appliance.users.throttle import HOLD_MAX, HOLD_SLACK
from tests.http.pos_support import pin_in, setup_shop
from tests.support import PASSWORD, csrf_from, login, post_form

JSON = {"Accept": "application/json"}


def _pair(tablet: TestClient[Any], admin: TestClient[Any], token: str, lane_id: int = 1) -> None:
    page = post_form(admin, f"/ajustes/cajas/{lane_id}/codigo", {}, token)
    code = re.search(r"codigo=(\d{8})", page.text)
    assert code, page.text[:500]
    form = tablet.get(f"/emparejar?codigo={code.group(1)}")
    tablet.post("/emparejar", data={"code": code.group(1), "name": "T", "_csrf_token": csrf_from(form.text)})


def _user_id(admin: TestClient[Any], username: str) -> str:
    found = re.search(rf'href="/usuarios/(\d+)"[^>]*>\s*{username}\b', admin.get("/usuarios").text)
    assert found
    return found.group(1)


def test_logout_ends_the_session_on_the_box_not_only_in_the_browser(shop: Settings, tablet: TestClient[Any]) -> None:
    app = tablet.app
    with TestClient(app) as admin, TestClient(app) as copy:
        token = login(admin, "admin")
        copy.cookies.set("mm_session", admin.cookies["mm_session"])
        assert copy.get("/usuarios", follow_redirects=False).status_code == 200
        assert post_form(admin, "/logout", {}, token).status_code == 303
        gone = copy.get("/usuarios", follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"].startswith("/login")

    assert pin_in(tablet, "caja", "1234").status_code == 303
    stolen = tablet.cookies["mm_session"]
    token = csrf_from(tablet.get("/caja/turno").text)
    assert post_form(tablet, "/caja/salir", {}, token).headers["location"] == "/caja/pin"
    tablet.cookies.set("mm_session", stolen)  # the same tablet, the cookie from before /caja/salir
    assert tablet.get("/caja/carro", headers=JSON).status_code == 401


def test_a_new_password_ends_the_users_other_sessions(shop: Settings) -> None:
    app = create_app(shop)
    with TestClient(app) as admin, TestClient(app) as cashier:
        token = login(admin, "admin")
        login(cashier, "caja")
        assert cashier.get("/", follow_redirects=False).status_code == 200
        form = {"full_name": "Caja", "role": "cajero", "active": "on", "password": "otra-clave-larga"}
        assert post_form(admin, f"/usuarios/{_user_id(admin, 'caja')}", form, token).status_code == 303
        assert cashier.get("/", follow_redirects=False).status_code == 303
        assert admin.get("/usuarios", follow_redirects=False).status_code == 200


def test_a_pin_session_reaches_the_counter_and_nothing_of_the_back_office(shop: Settings) -> None:
    app = create_app(shop)
    with TestClient(app) as admin:
        code = setup_shop(admin)
        token = login(admin, "admin")
        admin_form = {"full_name": "Admin", "role": "administrador", "active": "on", "pin": "9999"}
        assert post_form(admin, f"/usuarios/{_user_id(admin, 'admin')}", admin_form, token).status_code == 303
        with TestClient(app) as tablet:
            form = tablet.get(f"/emparejar?codigo={code}")
            tablet.post("/emparejar", data={"code": code, "name": "T", "_csrf_token": csrf_from(form.text)})
            assert pin_in(tablet, "admin", "9999").status_code == 303
            assert tablet.get("/caja/turno").status_code == 200  # the counter: yes
            pin_token = csrf_from(tablet.get("/caja/turno").text)
            new_admin = {"username": "intruso", "full_name": "X", "role": "administrador", "password": "x" * 12}
            attempts = {
                "/usuarios/nuevo": new_admin,
                "/sii/aviso-folios": {"threshold": "5"},
                "/respaldo": {"kind": "dir", "dir": "/tmp/ajeno"},
                "/ajustes/empresa": {"rut": "76543210-3"},
                "/dispositivos/1": {"printer": "tcp:10.0.0.9"},
                "/ajustes/cajas/1/codigo": {},
            }
            for url, data in attempts.items():
                response = post_form(tablet, url, data, pin_token)
                assert response.status_code == 303, url
                assert response.headers["location"].startswith("/login"), url
            for url in ("/usuarios", "/sii", "/respaldo", "/ajustes", "/dispositivos", "/importar", "/"):
                response = tablet.get(url, follow_redirects=False)
                assert response.status_code == 303 and response.headers["location"].startswith("/login"), url
            assert tablet.get("/api/estado", headers=JSON).status_code == 401
        assert "intruso" not in admin.get("/usuarios").text


def test_the_csrf_token_belongs_to_one_session(shop: Settings) -> None:
    app = create_app(shop)
    with TestClient(app) as attacker, TestClient(app) as victim:
        attacker_token = login(attacker, "caja")
        login(victim, "admin")
        # The victim's session with the attacker's own token (and the attacker's CSRF cookie, planted).
        victim.cookies.set("mm_csrf", attacker.cookies.get("mm_csrf") or "")
        forged = victim.post(
            "/usuarios/nuevo",
            data={"username": "intruso", "full_name": "X", "role": "administrador", "password": "x" * 12}
            | {"_csrf_token": attacker_token},
            follow_redirects=False,
        )
        assert forged.status_code == 403 and "expiró o no es válido" in forged.text
        assert "intruso" not in victim.get("/usuarios").text
        # Signing out changes the token too: a page opened before does not post after.
        token = csrf_from(victim.get("/").text)
        post_form(victim, "/logout", {}, token)
        assert victim.post("/login", data={"_csrf_token": token}, follow_redirects=False).status_code == 403


def test_a_tablet_sees_its_own_lanes_sales_and_another_lanes_only_with_a_supervisor(shop: Settings) -> None:
    app = create_app(shop)
    with TestClient(app) as admin, TestClient(app) as one, TestClient(app) as two:
        setup_shop(admin)
        token = login(admin, "admin")
        post_form(admin, "/ajustes/cajas", {"code": "caja-2", "name": "Caja 2"}, token)
        _pair(one, admin, token, 1)
        _pair(two, admin, token, 2)
        for tablet in (one, two):
            assert pin_in(tablet, "caja", "1234").status_code == 303
            turno = tablet.get("/caja/turno").text
            tablet.post("/caja/turno/abrir", data={"opening_float": "0", "_csrf_token": csrf_from(turno)})
        headers = {"X-CSRFToken": csrf_from(one.get("/caja").text), **JSON}
        one.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
        sale = one.post("/caja/pagar", data={"debito": "1190", "debito_ref": "1"}, headers=headers).json()
        url = f"/caja/ventas/{sale['sale_id']}"
        assert one.get(url).status_code == 200
        other = two.get(url)
        assert other.status_code == 403 and "otra caja" in other.text and "Leche" not in other.text
        two_token = csrf_from(other.text)
        assert post_form(two, f"{url}/reimprimir", {}, two_token).status_code == 403
        wrong = post_form(two, f"{url}/autorizar", {"supervisor_id": "2", "supervisor_pin": "0000"}, two_token)
        assert wrong.status_code == 400 and "PIN incorrecto" in wrong.text
        assert 'value="2" selected' in wrong.text  # who was chosen stays chosen
        cashier = post_form(two, f"{url}/autorizar", {"supervisor_id": "3", "supervisor_pin": "1234"}, two_token)
        assert cashier.status_code == 400 and "supervisor" in cashier.text
        allowed = post_form(two, f"{url}/autorizar", {"supervisor_id": "2", "supervisor_pin": "9876"}, two_token)
        assert allowed.status_code == 303
        assert "Leche" in two.get(url).text


def test_pairing_codes_cannot_be_guessed(shop: Settings) -> None:
    app = create_app(shop)
    app.state.guards.hold_max = 0  # early tries answered at once (holding them is tested with the login)
    with TestClient(app) as admin, TestClient(app) as guesser:
        code = setup_shop(admin)
        token = csrf_from(guesser.get("/emparejar").text)
        answers = [
            guesser.post("/emparejar", data={"code": f"{n:08d}", "_csrf_token": token}).status_code for n in range(7)
        ]
        assert answers[:5] == [400] * 5 and answers[5:] == [429, 429]  # growing delays for this address
        # From many addresses at once (the per-address delays forgotten here), the code itself gives out.
        for n in range(pairing.MAX_WRONG_GUESSES):
            app.state.guards.pairing_client.succeeded("testclient")
            guesser.post("/emparejar", data={"code": f"{n:08d}", "_csrf_token": token})
        app.state.guards.pairing_client.succeeded("testclient")
        late = guesser.post("/emparejar", data={"code": code, "_csrf_token": token})
        assert late.status_code == 400 and "anulado por demasiados intentos" in late.text


def test_wrong_passwords_earn_growing_delays_without_spending_a_hash(shop: Settings, monkeypatch: Any) -> None:
    app = create_app(shop)
    checked: list[bool] = []  # for each comparison: was it off the event loop and outside any transaction?
    real = users.verify_password

    def counting(stored: str, password: str) -> bool:
        try:
            asyncio.get_running_loop()
            off_loop = False
        except RuntimeError:
            off_loop = True
        lock = app.state.db._write_lock
        checked.append(off_loop and not (lock is not None and lock.locked()))
        return real(stored, password)

    monkeypatch.setattr(users, "verify_password", counting)
    app.state.guards.hold_max = 0  # answer early tries at once here; holding them is the next test's
    with TestClient(app) as client:
        token = csrf_from(client.get("/login").text)
        statuses = []
        for _ in range(8):
            response = client.post("/login", data={"username": "admin", "password": "mala", "_csrf_token": token})
            statuses.append(response.status_code)
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
        assert "Demasiados intentos fallidos" in response.text
        assert checked == [True] * 5
        # The username's delay binds the addresses that guessed, not a clean one: its owner still gets in.
        app.state.guards.login_client.succeeded("testclient")
        ok = client.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        assert ok.status_code == 303


def test_an_early_try_is_held_until_its_delay_is_over(shop: Settings) -> None:
    """A flood that waits for its answers gets them at the pace of the delays, not as fast as the box can say no."""
    app = create_app(shop)
    guards = app.state.guards
    clock = [1000.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # the held try's wait passes at once, on the throttle's clock
        slept.append(seconds)
        clock[0] += seconds

    guards.clock, guards.sleep = lambda: clock[0], sleep
    with TestClient(app) as client:
        token = csrf_from(client.get("/login").text)

        def attempt(password: str = "mala") -> int:
            data = {"username": "admin", "password": password, "_csrf_token": token}
            return int(client.post("/login", data=data, follow_redirects=False).status_code)

        assert [attempt() for _ in range(5)] == [401] * 5 and slept == []
        assert attempt() == 401 and slept == [1.0 + HOLD_SLACK]  # held a second, then checked like any other try
        assert attempt() == 401 and slept[-1] == 2.0 + HOLD_SLACK  # the next one, two
        for _ in range(20):
            guards.login_user.failed("admin", clock[0])  # a delay far past what is held
        assert attempt(PASSWORD) == 429 and slept[-1] == HOLD_MAX  # held the most, then still refused
        clock[0] += 3600
        assert attempt(PASSWORD) == 303


def test_the_pairing_link_names_the_box_not_the_host_header(shop: Settings) -> None:
    app = create_app(shop)
    with TestClient(app) as admin:
        setup_shop(admin)
        token = login(admin, "admin")
        page = admin.post("/ajustes/cajas/1/codigo", data={"_csrf_token": token}, headers={"Host": "evil.example"})
        assert "evil.example" not in page.text
        assert f"http://127.0.0.1:{shop.port}/emparejar?codigo=" in page.text


@pytest.mark.parametrize("path", ["/login", "/static/app.css", "/no-existe", "/salud"])
def test_security_headers_on_every_answer(client: TestClient[Any], path: str) -> None:
    response = client.get(path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert re.fullmatch(r"[0-9a-f]{12}", response.headers["x-request-id"])


def test_head_answers_wherever_get_does(shop: Settings) -> None:
    app = create_app(shop)
    with TestClient(app) as client:
        login(client, "admin")
        for handler in ROUTES:
            if "GET" not in handler.http_methods:
                continue
            for path in handler.paths:
                url = re.sub(r"\{\w+:int\}", "1", path).replace("{name:str}", "x.png").replace("{token:str}", "x")
                if url == "/caja/eventos":
                    continue  # a paired tablet's stream; walked by the tablet below
                get, head = client.get(url, follow_redirects=False), client.head(url, follow_redirects=False)
                assert head.status_code == get.status_code, url
                assert head.content == b"", url
    with TestClient(app) as tablet_app:
        assert tablet_app.head("/caja/eventos", follow_redirects=False).status_code in (303, 401)
