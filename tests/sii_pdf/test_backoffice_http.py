"""Documentos SII in the back office: PDF 80 mm / carta per document, the envelopes with their TrackID, state,
attempts and last error, and each envelope's XML exactly as sent; who may download what."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from appliance.app import create_app
from tests.sii_pdf.conftest import IssuedShop
from tests.support import login


@pytest.fixture
def client(issued: IssuedShop) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(issued.settings)) as test_client:
        yield test_client


def test_page_lists_downloads_and_the_envelopes(issued: IssuedShop, client: TestClient[Any]) -> None:
    login(client, "admin")
    page = client.get("/sii").text
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and "Documentos SII" in title.group(1) and "Envíos" not in title.group(1)
    assert page.count('id="envios"') == 1
    boleta = issued.boleta.id
    assert f'href="/sii/documentos/{boleta}/pdf"' in page and "PDF 80 mm" in page
    assert f'href="/sii/documentos/{boleta}/pdf?formato=carta"' in page and "PDF carta" in page
    assert f'href="/sii/envios/{issued.sent.id}/xml"' in page and "XML del envío" in page
    assert "Envíos al SII" in page and "4711" in page and "EnvioBOLETA" in page and "EnvioDTE" in page
    assert "El SII no respondió (tiempo de espera agotado)." in page
    stuck_row = re.search(rf"<tr><td class=\"num\">{issued.stuck.id}</td>.*?</tr>", page, re.S)
    assert stuck_row and "por enviar" in stuck_row.group(0) and ">3<" in stuck_row.group(0)  # state, attempts


def test_pdf_downloads(issued: IssuedShop, client: TestClient[Any]) -> None:
    login(client, "duena")  # the owner watches read-only: downloads are reading
    folio = issued.boleta.folio
    roll = client.get(f"/sii/documentos/{issued.boleta.id}/pdf")
    assert roll.status_code == 200 and roll.headers["content-type"] == "application/pdf"
    assert roll.headers["content-disposition"] == f'inline; filename="DTE-39-{folio}.pdf"'
    assert roll.content.startswith(b"%PDF-")
    carta = client.get(f"/sii/documentos/{issued.nota.id}/pdf?formato=carta&copia=1")
    assert carta.status_code == 200 and carta.headers["content-type"] == "application/pdf"
    assert carta.headers["content-disposition"] == f'inline; filename="DTE-61-{issued.nota.folio}-carta.pdf"'
    assert client.get("/sii/documentos/999999/pdf").status_code == 404


def test_envelope_xml_is_byte_equal(issued: IssuedShop, client: TestClient[Any]) -> None:
    login(client, "super")
    response = client.get(f"/sii/envios/{issued.sent.id}/xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="EnvioBOLETA-{issued.sent.id}-TrackID-4711.xml"'
    )
    assert response.content == issued.sent.xml
    assert client.get(f"/sii/envios/{issued.stuck.id}/xml").content == issued.stuck.xml
    assert client.get("/sii/envios/999999/xml").status_code == 404


def test_document_xml_still_downloads(issued: IssuedShop, client: TestClient[Any]) -> None:
    login(client, "admin")
    response = client.get(f"/sii/documentos/{issued.factura.id}/xml")
    assert response.headers["content-disposition"] == f'attachment; filename="DTE-33-{issued.factura.folio}.xml"'
    assert response.content == b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + issued.factura.signed_xml


def test_cashier_and_strangers_get_nothing(issued: IssuedShop, client: TestClient[Any]) -> None:
    urls = [
        f"/sii/documentos/{issued.boleta.id}/pdf",
        f"/sii/documentos/{issued.boleta.id}/pdf?formato=carta",
        f"/sii/envios/{issued.sent.id}/xml",
    ]
    for url in urls:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
    login(client, "caja")
    for url in urls:
        assert client.get(url).status_code == 403
