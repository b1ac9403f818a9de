"""Estado de la caja: the SII queue, devices and backup in one place, as a page and as JSON."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.support import login


def test_status_page_and_json(client: TestClient[Any]) -> None:
    login(client, "duena")  # the owner watches: read-only, but may look
    page = client.get("/estado")
    assert page.status_code == 200
    assert "Documentos SII" in page.text and "al día" in page.text and "Tipo 39: 100.000" in page.text
    data = client.get("/api/estado").json()
    assert data["sii"]["documents"]["pendiente"] == 0 and data["sii"]["folios_remaining"]["39"] == 100_000
    client.cookies.clear()
    login(client, "caja")
    assert client.get("/estado").status_code == 403
