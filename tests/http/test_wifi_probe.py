"""The second probe from the shop's Wi-Fi, one test each: a crafted form that held the event loop for seconds, forms
that decoded into a 500, HEAD answers that filled the log, pages left in caches, a session that outlived the next
sign-in, a stream of notices that outlived the sign-out, another lane's sale read from the return screen, and
connections that never finish their request."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from appliance.app import create_app
from appliance.http.protocol import GuardedHttpProtocol
from appliance.settings import Settings
from tests.browser.conftest import serving
from tests.http.pos_support import pin_in, setup_shop
from tests.support import PASSWORD, csrf_from, login, make_shop, post_form

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_crafted_form_is_refused_before_it_is_parsed(client: TestClient[Any]) -> None:
    huge = client.post("/login", content=b"a=&" * 3_300_000, headers=FORM)  # 10 MB of empty fields
    assert huge.status_code == 413
    many = client.post("/login", content=b"a=&" * 600, headers=FORM)
    assert many.status_code == 400 and "demasiados campos" in many.text
    for part_header, value in ((b"", b"\xff"), (b"Content-Type: text/plain; charset=bogus\r\n", b"x")):
        body = (
            b'--xx\r\nContent-Disposition: form-data; name="username"\r\n' + part_header + b"\r\n" + value + b"\r\n"
            b"--xx--\r\n"
        )
        bad = client.post("/login", content=body, headers={"Content-Type": "multipart/form-data; boundary=xx"})
        assert bad.status_code == 400 and "codificación" in bad.text


def test_head_answers_without_a_word_in_the_log(client: TestClient[Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        for path in ("/salud", "/login", "/static/app.css", "/no-existe"):
            head = client.head(path)
            assert head.content == b"" and head.status_code == client.get(path).status_code
    assert not [r for r in caplog.records if r.name.startswith(("appliance", "litestar"))]


def test_pages_are_never_cached_static_files_may_be(client: TestClient[Any]) -> None:
    login(client, "admin")
    for path in ("/usuarios", "/clientes", "/api/estado", "/login"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert client.get("/static/app.css").headers.get("cache-control") != "no-store"


def test_signing_in_again_ends_the_session_that_was_there(shop: Settings, tablet: TestClient[Any]) -> None:
    with TestClient(tablet.app) as browser, TestClient(tablet.app) as copy:
        login(browser, "caja")
        copy.cookies.set("mm_session", browser.cookies["mm_session"])
        assert copy.get("/", follow_redirects=False).status_code == 200
        login(browser, "admin")  # another person, the same browser, without "Salir"
        assert copy.get("/", follow_redirects=False).status_code == 303

    assert pin_in(tablet, "caja", "1234").status_code == 303
    cashier = tablet.cookies["mm_session"]
    assert pin_in(tablet, "super", "9876").status_code == 303  # "Cambiar cajero" without signing out
    tablet.cookies.set("mm_session", cashier)
    assert tablet.get("/caja/carro", headers={"Accept": "application/json"}).status_code == 401


def test_the_stream_of_notices_ends_when_the_tablet_signs_out(tmp_path: Path) -> None:
    settings = make_shop(tmp_path / "shop")
    with serving(lambda: create_app(settings)) as base:
        admin, tablet = httpx.Client(base_url=base), httpx.Client(base_url=base)
        token = csrf_from(admin.get("/login").text)
        admin.post("/login", data={"username": "admin", "password": PASSWORD, "_csrf_token": token})
        token = csrf_from(admin.get("/").text)
        post_form(admin, "/ajustes/cajas", {"code": "caja-1", "name": "Caja 1"}, token)
        for username, pin in (("caja", "1234"),):
            users = admin.get("/usuarios").text
            found = re.search(rf'href="/usuarios/(\d+)"[^>]*>\s*{username}\b', users)
            assert found
            post_form(
                admin,
                f"/usuarios/{found.group(1)}",
                {"full_name": username.title(), "role": "cajero", "active": "on", "pin": pin},
                token,
            )
        code = re.search(r"codigo=(\d{8})", post_form(admin, "/ajustes/cajas/1/codigo", {}, token).text)
        assert code
        form = tablet.get(f"/emparejar?codigo={code.group(1)}")
        tablet.post("/emparejar", data={"code": code.group(1), "name": "T", "_csrf_token": csrf_from(form.text)})
        page = tablet.get("/caja/pin").text
        user = re.search(r'value="(\d+)"[^>]*>\s*<span>Caja', page)
        assert user
        tablet.post("/caja/pin", data={"user_id": user.group(1), "pin": "1234", "_csrf_token": csrf_from(page)})
        seen: list[str] = []

        def listen() -> None:
            with (
                httpx.Client(base_url=base, cookies=tablet.cookies, timeout=30) as listener,
                listener.stream("GET", "/caja/eventos") as stream,
            ):
                seen.extend(stream.iter_lines())  # line by line, until the server ends the stream

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        time.sleep(0.5)
        post_form(admin, "/ajustes/cajas/1/escaneo", {"code": "7802820005509"}, token)  # a notice: still signed in
        deadline = time.monotonic() + 10
        while not any("notice" in line for line in seen) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any("notice" in line for line in seen)
        turno = tablet.get("/caja/turno").text
        tablet.post("/caja/salir", data={"_csrf_token": csrf_from(turno)})
        post_form(admin, "/ajustes/cajas/1/escaneo", {"code": "SECRETO-1"}, token)  # the next notice ends it
        thread.join(10)
        assert not thread.is_alive() and not any("SECRETO" in line for line in seen)
        admin.close()
        tablet.close()


def test_a_connection_that_never_finishes_its_request_is_closed(tmp_path: Path, monkeypatch: Any) -> None:
    settings = make_shop(tmp_path / "shop")
    monkeypatch.setattr(GuardedHttpProtocol, "head_timeout", 0.5)
    with serving(lambda: create_app(settings)) as base:
        port = int(base.rsplit(":", 1)[1])
        idle = socket.create_connection(("127.0.0.1", port))
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\n")  # and never the blank line that ends the head
        for sock in (idle, slow):
            sock.settimeout(5)
            assert sock.recv(1024) == b""  # closed by the box, not left holding a file descriptor
            sock.close()
        assert httpx.get(f"{base}/salud").status_code == 200  # a request that does finish is answered


def test_the_return_screen_shows_another_lanes_sale_only_after_a_supervisor(shop: Settings) -> None:
    app = create_app(shop)
    with TestClient(app) as admin, TestClient(app) as one, TestClient(app) as two:
        setup_shop(admin)
        token = login(admin, "admin")
        post_form(admin, "/ajustes/cajas", {"code": "caja-2", "name": "Caja 2"}, token)
        for lane_id, tablet in ((1, one), (2, two)):
            code = re.search(r"codigo=(\d{8})", post_form(admin, f"/ajustes/cajas/{lane_id}/codigo", {}, token).text)
            assert code
            form = tablet.get(f"/emparejar?codigo={code.group(1)}")
            tablet.post("/emparejar", data={"code": code.group(1), "name": "T", "_csrf_token": csrf_from(form.text)})
            assert pin_in(tablet, "caja", "1234").status_code == 303
            turno = tablet.get("/caja/turno").text
            tablet.post("/caja/turno/abrir", data={"opening_float": "0", "_csrf_token": csrf_from(turno)})
        headers = {"X-CSRFToken": csrf_from(one.get("/caja").text), "Accept": "application/json"}
        one.post("/caja/escanear", data={"code": "7802820005509"}, headers=headers)
        sale = one.post("/caja/pagar", data={"debito": "1190", "debito_ref": "1"}, headers=headers).json()
        assert "Leche" in one.get(f"/caja/devolucion?boleta={sale['number']}").text
        hidden = two.get(f"/caja/devolucion?boleta={sale['number']}")
        assert hidden.status_code == 403 and "otra caja" in hidden.text and "Leche" not in hidden.text
        allowed = post_form(
            two,
            f"/caja/ventas/{sale['sale_id']}/autorizar",
            {"supervisor_id": "2", "supervisor_pin": "9876", "then": f"/caja/devolucion?boleta={sale['number']}"},
            csrf_from(hidden.text),
        )
        assert allowed.status_code == 303 and allowed.headers["location"] == f"/caja/devolucion?boleta={sale['number']}"
        assert "Leche" in two.get(allowed.headers["location"]).text
