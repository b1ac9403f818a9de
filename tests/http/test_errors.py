"""A bug is logged with its traceback under a request id; the person sees a Spanish page with that id and an API client
gets `{"error", "request_id"}`. Even an error that is not an Exception (a Rust panic from a library) is caught."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import get
from litestar.testing import TestClient

from appliance.app import create_app
from appliance.core.rut import Rut
from appliance.http.policy import PUBLIC
from appliance.settings import Settings
from appliance.sii.certificate import create_test_certificate
from tests.http.pos_support import pin_in
from tests.support import csrf_from, login


class Panic(BaseException):
    """Stands for pyo3's PanicException: a BaseException, which Litestar's own handlers never see."""


@get("/prueba/falla", opt=PUBLIC)
async def failing() -> str:
    raise ZeroDivisionError("un error de programación")


@get("/prueba/panico", opt=PUBLIC)
async def panicking() -> str:
    raise Panic("called `Result::unwrap()` on an `Err` value")


@pytest.fixture
def app_with_bugs(shop: Settings) -> Any:
    app = create_app(shop)
    app.register(failing)
    app.register(panicking)
    return app


@pytest.mark.parametrize("path", ["/prueba/falla", "/prueba/panico"])
def test_an_unhandled_error_is_logged_with_its_id_and_shown_in_spanish(
    app_with_bugs: Any, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(app_with_bugs, raise_server_exceptions=False) as client, caplog.at_level(logging.ERROR):
        page = client.get(path)
        assert page.status_code == 500
        request_id = page.headers["x-request-id"]
        assert "Ocurrió un error inesperado" in page.text and request_id in page.text
        assert "Traceback" not in page.text and "unwrap" not in page.text and "ZeroDivision" not in page.text
        record = next(r for r in caplog.records if request_id in r.getMessage())
        assert record.exc_info is not None and path in record.getMessage()

        api = client.get(path, headers={"Accept": "application/json"})
        assert api.status_code == 500
        assert api.json() == {
            "error": "internal_error",
            "message": api.json()["message"],
            "request_id": api.headers["x-request-id"],
        }


def test_a_certificate_password_with_a_nul_byte_is_refused_not_a_panic(
    client: TestClient[Any], caplog: pytest.LogCaptureFixture
) -> None:
    pfx = create_test_certificate(Rut.parse("11.111.111-1"), "Ana Pérez", password="clave", now=datetime.now(UTC))
    login(client, "admin")
    token = csrf_from(client.get("/sii").text)
    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/sii/certificado",
            data={"password": "cla\x00ve", "_csrf_token": token},
            files={"archivo": ("firma.pfx", pfx, "application/x-pkcs12")},
        )
    assert response.status_code == 400 and "caracteres de control" in response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_paired_tablet_without_a_cashier_opens_the_pin_pad(tablet: TestClient[Any]) -> None:
    """The home-screen icon opens /caja: a tablet with nobody signed in must show the cashiers, not the login."""
    response = tablet.get("/caja", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/caja/pin"
    assert pin_in(tablet, "caja", "1234").headers["location"] == "/caja"
    manifest = tablet.get("/static/pos.webmanifest").json()
    assert manifest["start_url"] == "/caja"
    assert re.search(r"mm_device", str(tablet.cookies))
