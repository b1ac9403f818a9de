"""Documentos SII: CAF and certificate uploads checked for real, folios left, documents and their XML."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from litestar.testing import TestClient

from appliance.core.rut import Rut
from appliance.settings import Settings
from appliance.sii import folios
from appliance.sii.caf_issuer import LocalCafAuthority
from appliance.sii.certificate import create_test_certificate
from tests.support import TEST_COMPANY, csrf_from, login

COMPANY_RUT = Rut.parse(str(TEST_COMPANY["rut"]))


def _authority(shop: Settings) -> LocalCafAuthority:
    return LocalCafAuthority.from_pem(folios.local_authority_path(shop.secrets_dir).read_bytes())


def _caf(authority: LocalCafAuthority, start: int, end: int, rut: Rut = COMPANY_RUT) -> bytes:
    return authority.issue(
        rut_emisor=rut,
        razon_social=str(TEST_COMPANY["razon_social"]),
        tipo_dte=39,
        folio_desde=start,
        folio_hasta=end,
        fecha_autorizacion=date(2026, 1, 12),
    )


def _upload(client: TestClient[Any], url: str, files: dict[str, Any], data: dict[str, str] | None = None) -> Any:
    token = csrf_from(client.get("/sii").text)
    return client.post(url, data={"_csrf_token": token, **(data or {})}, files=files, follow_redirects=False)


def test_overview_shows_folios_certificate_and_queue(client: TestClient[Any]) -> None:
    login(client, "admin")
    page = client.get("/sii").text
    assert "Por enviar al SII" in page and "13.185.095-6" in page
    assert "1–100.000" in page  # the boleta range the test shop got


def test_caf_upload_is_verified_for_real(shop: Settings, client: TestClient[Any]) -> None:
    login(client, "admin")
    good = _caf(_authority(shop), 100_001, 100_500)
    response = _upload(client, "/sii/caf", {"archivo": ("FoliosSII7654321039100001.xml", good)})
    assert response.status_code == 303, response.text
    assert "100.001–100.500" in client.get("/sii").text
    assert (folios.caf_dir(shop.secrets_dir) / "39-100001-100500.xml").stat().st_mode & 0o077 == 0

    overlapping = _upload(client, "/sii/caf", {"archivo": ("x.xml", _caf(_authority(shop), 100_400, 100_600))})
    assert overlapping.status_code == 400 and "se cruza" in overlapping.text

    altered = _caf(_authority(shop), 200_001, 200_010).replace(b"<D>200001</D>", b"<D>200002</D>")
    refused = _upload(client, "/sii/caf", {"archivo": ("x.xml", altered)})
    assert refused.status_code == 400 and "CAF rechazado" in refused.text
    stranger = _upload(client, "/sii/caf", {"archivo": ("x.xml", _caf(LocalCafAuthority.generate(), 300_001, 300_010))})
    assert stranger.status_code == 400 and "CAF rechazado" in stranger.text
    other_company = _caf(_authority(shop), 400_001, 400_010, rut=Rut.parse("11.111.111-1"))
    wrong = _upload(client, "/sii/caf", {"archivo": ("x.xml", other_company)})
    assert wrong.status_code == 400 and "CAF rechazado" in wrong.text
    assert "200001" not in client.get("/sii").text


def test_certificate_upload_checks_the_password(shop: Settings, client: TestClient[Any]) -> None:
    login(client, "admin")
    pfx = create_test_certificate(Rut.parse("12.345.678-5"), "Ana Firmante", password="secreta", now=datetime.now(UTC))
    wrong = _upload(client, "/sii/certificado", {"archivo": ("firma.pfx", pfx)}, {"password": "otra"})
    assert wrong.status_code == 400 and "contraseña" in wrong.text
    ok = _upload(client, "/sii/certificado", {"archivo": ("firma.pfx", pfx)}, {"password": "secreta"})
    assert ok.status_code == 303
    page = client.get("/sii").text
    assert "Ana Firmante" in page and "12.345.678-5" in page
    stored = list((shop.secrets_dir / "sii" / "certificate").iterdir())
    assert stored and all(p.stat().st_mode & 0o077 == 0 for p in stored)


def test_owner_sees_documents_but_cannot_upload_and_cashier_sees_nothing(client: TestClient[Any]) -> None:
    login(client, "duena")
    page = client.get("/sii")
    assert page.status_code == 200 and "Subir CAF" not in page.text
    assert _upload(client, "/sii/caf", {"archivo": ("x.xml", b"<x/>")}).status_code == 403
    client.cookies.clear()
    login(client, "caja")
    assert client.get("/sii").status_code == 403


def test_signed_xml_of_a_sale_downloads(client: TestClient[Any], shop: Settings) -> None:
    from appliance.app import create_app
    from tests.http.pos_support import pin_in as _pin
    from tests.http.pos_support import setup_shop as _setup_shop  # reuse the tablet flow

    with TestClient(create_app(shop)) as admin, TestClient(create_app(shop)) as tablet:
        code = _setup_shop(admin)
        form = tablet.get(f"/emparejar?codigo={code}")
        tablet.post("/emparejar", data={"code": code, "name": "T", "_csrf_token": csrf_from(form.text)})
        _pin(tablet, "caja", "1234")
        token = csrf_from(tablet.get("/caja/turno").text)
        tablet.post("/caja/turno/abrir", data={"opening_float": "0", "_csrf_token": token})
        tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers={"X-CSRFToken": token})
        tablet.post("/caja/pagar", data={"debito": "1190"}, headers={"X-CSRFToken": token})
        login(admin, "admin")
        page = admin.get("/sii").text
        document_id = re.search(r"/sii/documentos/(\d+)/xml", page)
        assert document_id and "pendiente" in page
        xml = admin.get(f"/sii/documentos/{document_id.group(1)}/xml")
        assert xml.headers["content-disposition"] == 'attachment; filename="DTE-39-1.xml"'
        assert xml.content.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
        assert b"<TipoDTE>39</TipoDTE>" in xml.content and b"<Folio>1</Folio>" in xml.content


def test_low_folio_warning_is_configurable(client: TestClient[Any]) -> None:
    login(client, "admin")
    assert "Quedan menos de" not in client.get("/sii").text  # 100.000 boleta folios left
    token = csrf_from(client.get("/sii").text)
    bad = client.post("/sii/aviso-folios", data={"threshold": "muchos", "_csrf_token": token})
    assert bad.status_code == 400 and "entre 1 y 100.000" in bad.text
    client.post("/sii/aviso-folios", data={"threshold": "100000", "_csrf_token": token})
    assert "Quedan menos de 100.000 folios" in client.get("/sii").text


def test_a_rejected_document_can_be_retried(shop: Settings, client: TestClient[Any]) -> None:
    import asyncio

    from sqlalchemy import select

    from appliance.app import create_app
    from appliance.db.engine import Database
    from appliance.db.models import Document
    from tests.http.pos_support import pin_in as _pin
    from tests.http.pos_support import setup_shop as _setup_shop

    with TestClient(create_app(shop)) as admin, TestClient(create_app(shop)) as tablet:
        code = _setup_shop(admin)
        form = tablet.get(f"/emparejar?codigo={code}")
        tablet.post("/emparejar", data={"code": code, "name": "T", "_csrf_token": csrf_from(form.text)})
        _pin(tablet, "caja", "1234")
        token = csrf_from(tablet.get("/caja/turno").text)
        tablet.post("/caja/turno/abrir", data={"opening_float": "0", "_csrf_token": token})
        tablet.post("/caja/escanear", data={"code": "7802820005509"}, headers={"X-CSRFToken": token})
        tablet.post("/caja/pagar", data={"debito": "1190"}, headers={"X-CSRFToken": token})

    async def reject() -> int:
        db = Database(shop.database_path)
        async with db.write() as s:
            document = await s.scalar(select(Document))
            assert document is not None
            document.state, document.sii_detail = "rechazado", "Firma del envío no válida"
            doc_id = document.id
        await db.dispose()
        return doc_id

    doc_id = asyncio.run(reject())
    login(client, "admin")
    page = client.get("/sii").text
    assert "Firma del envío no válida" in page and f"/sii/documentos/{doc_id}/reintentar" in page
    response = client.post(
        f"/sii/documentos/{doc_id}/reintentar", data={"_csrf_token": csrf_from(page)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "pendiente" in client.get("/sii", params={"estado": "pendiente"}).text
