"""A shop with real documents to print: a boleta sold at the counter, the nota de crédito of a return, a factura, a
boleta exenta, a factura exenta, a nota de débito, and two envelopes (one uploaded with a TrackID, one failing).

Built once per module (stamping, signing and PDF rendering take a moment): `make_shop` gives the CAFs and the
certificate; the boleta comes from `checkout`, the nota de crédito from `returns.process`, the others from the SII
core (the factura with a buyer, an ILA line, a discount and an exempt line: what the accountant's copy must show).
Also helpers around Debian's poppler tools (`pdftoppm`, `pdftotext`) and zxing-cpp.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.cash import sessions as cash
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.core.rut import Rut
from appliance.db.engine import Database
from appliance.db.models import Company, Document, Envelope, Lane, User
from appliance.db.models import PaymentMethod as M
from appliance.sales import cart, checkout, returns
from appliance.sales.tenders import Tender
from appliance.settings import Settings
from appliance.sii import folios, stamping
from appliance.sii.doctypes import TipoDTE
from appliance.sii.envelope import build_envelope
from appliance.sii.service import issue_document
from appliance.sii.spec import Buyer, CodRef, DocumentSpec, GlobalDiscount, Line, LineKind, Reference
from tests.support import make_shop

MILK = "7802820005509"
SII_OFFICE = "S.I.I. - Santiago Oriente"
RESOLUTION = (80, date(2014, 8, 22))


@dataclass(frozen=True)
class IssuedShop:
    settings: Settings
    boleta: Document
    nota: Document
    factura: Document
    sent: Envelope  # the boleta's EnvioBOLETA, uploaded: TrackID 4711
    stuck: Envelope  # the nota's EnvioDTE, not uploaded yet: the SII did not answer
    by_type: dict[int, Document]  # 33, 34, 41 and 56, issued through the SII core


async def _issue(settings: Settings) -> IssuedShop:
    db = Database(settings.database_path)
    secrets = settings.secrets_dir
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        async with db.write() as s:
            company = await s.get(Company, 1)
            assert company is not None
            company.sii_office = SII_OFFICE
            company.resolution_number, company.resolution_date = RESOLUTION
            company.phone = "+56 2 2345 6789"
            for fields in (
                {"code": "L1", "name": "Leche Entera 1 L", "price": "1.190", "barcodes": MILK},
                {"code": "P1", "name": "Pan Marraqueta", "price": "2.490", "unit": "kg", "plu": "20001"},
            ):
                await catalog.create(s, parse_product(fields), user_id=None)
            s.add(Lane(code="caja-1", name="Caja 1"))
            await s.flush()
            await cash.open_session(s, 1, user_id=1, opening_float=20_000, now=now)
        async with db.write() as s:
            for _ in range(2):
                await cart.add_scan(s, 1, MILK)
            bread = await catalog.by_code(s, "P1")
            assert bread is not None
            await cart.add_product(s, 1, bread, 1_250)  # 1,250 kg at $2.490/kg
            sold = await checkout.checkout(
                s, 1, [Tender(M.EFECTIVO, 10_000)], cashier_id=1, now=now, secrets_dir=secrets
            )
        async with db.read() as s:
            lines = {r.line.description: r.line.id for r in await returns.returnable(s, sold.sale_id)}
        async with db.write() as s:
            approver = await s.scalar(select(User).where(User.username == "super"))
            assert approver is not None
            returned = await returns.process(
                s,
                secrets,
                sale_id=sold.sale_id,
                lane_id=1,
                quantities={lines["Leche Entera 1 L"]: 1_000},
                to_merma=set(),
                refund_method="efectivo",
                reason="leche vencida",
                user_id=1,
                approver=approver,
                now=now + timedelta(minutes=5),
            )
        async with db.write() as s:
            others = await _others(s, secrets, now + timedelta(minutes=10))
        async with db.write() as s:
            boleta = await s.get(Document, sold.document_id)
            nota = await s.get(Document, returned.document_id)
            company = await s.get(Company, 1)
            assert boleta is not None and nota is not None and company is not None
            cert = stamping.load_certificate(secrets, now)
            envelopes = []
            for document in (boleta, nota):
                xml = build_envelope(
                    [document.signed_xml],
                    rut_emisor=Rut.parse(company.rut),
                    fecha_resolucion=RESOLUTION[1],
                    numero_resolucion=RESOLUTION[0],
                    cert=cert,
                    now=now + timedelta(minutes=15),
                )
                envelope = Envelope(kind="boleta" if document.tipo == 39 else "dte", xml=xml)
                s.add(envelope)
                await s.flush()
                document.envelope_id = envelope.id
                envelopes.append(envelope)
            sent, stuck = envelopes
            sent.track_id, sent.state, sent.sii_state, sent.attempts = "4711", "enviado", "REC", 1
            boleta.state = "enviado"
            stuck.attempts, stuck.last_error = 3, "El SII no respondió (tiempo de espera agotado)."
        return IssuedShop(settings, boleta, nota, others[33], sent, stuck, others)
    finally:
        await db.dispose()


BUYER = Buyer(
    rut=Rut.parse("77.123.456-9"),
    razon_social="Distribuidora Los Andes Limitada",
    giro="Venta al por mayor de alimentos",
    direccion="Av. Vicuña Mackenna 4560",
    comuna="San Joaquín",
    ciudad="Santiago",
)


async def _issue_core(session: AsyncSession, secrets: Path, tipo: TipoDTE, now: datetime, **spec: Any) -> Document:
    """A document issued through the SII core and stored as the counter stores its boletas (the counter does not
    issue facturas or notas de débito yet)."""
    company = await session.get(Company, 1)
    assert company is not None
    caf_row, folio = await folios.take(session, tipo, now=now)
    built = DocumentSpec(tipo=tipo, folio=folio, issued_at=now, issuer=stamping.issuer(company), **spec)
    issued = issue_document(built, folios.load_caf(secrets, caf_row), stamping.load_certificate(secrets, now), now)
    document = Document(
        tipo=int(tipo),
        folio=folio,
        issued_at=now,
        caf_id=caf_row.id,
        receptor_rut=built.buyer.rut.compact,
        total=issued.totals.total,
        signed_xml=issued.signed_xml,
        ted=issued.ted_pdf417,
    )
    session.add(document)
    await session.flush()
    return document


async def _others(session: AsyncSession, secrets: Path, now: datetime) -> dict[int, Document]:
    """A factura with an ILA line, a discount and an exempt line; a boleta exenta; a factura exenta; a nota de
    débito that corrects the factura's amounts."""
    factura = await _issue_core(
        session,
        secrets,
        TipoDTE.FACTURA,
        now,
        buyer=BUYER,
        lines=(
            Line("Cerveza Lager 1 L", 12_000, 1_672, ila_code=26, code="7801234567890", code_type="EAN13", unit="UN"),
            Line("Queso Gauda laminado", 2_500, Decimal("7554.62"), discount=900, weighed=True),
            Line("Huevos blancos bandeja 30 un.", 3_000, 4_200, kind=LineKind.EXENTO, unit="UN"),
        ),
        global_discounts=(GlobalDiscount(500, description="Descuento cliente frecuente"),),
        payment_form=2,
    )
    boleta_exenta = await _issue_core(
        session,
        secrets,
        TipoDTE.BOLETA_EXENTA,
        now,
        lines=(Line("Recarga tarjeta Bip!", 1_000, 5_000, kind=LineKind.EXENTO),),
    )
    factura_exenta = await _issue_core(
        session,
        secrets,
        TipoDTE.FACTURA_EXENTA,
        now,
        buyer=BUYER,
        lines=(Line("Huevos blancos bandeja 30 un.", 10_000, 4_200, kind=LineKind.EXENTO, unit="UN"),),
        payment_form=1,
    )
    nota_debito = await _issue_core(
        session,
        secrets,
        TipoDTE.NOTA_DEBITO,
        now,
        buyer=BUYER,
        lines=(Line("Flete no cobrado", 1_000, 3_500),),
        references=(Reference(33, factura.folio, now.date(), CodRef.CORRIGE_MONTOS, "Faltó cobrar el flete"),),
    )
    return {33: factura, 41: boleta_exenta, 34: factura_exenta, 56: nota_debito}


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> IssuedShop:
    settings = make_shop(tmp_path_factory.mktemp("sii_pdf") / "shop")
    return asyncio.run(_issue(settings))


def pdf_to_png(data: bytes, target: Path, *, dpi: int = 300) -> Path:
    """The first page of a PDF as a PNG, rasterised by poppler (as a printer driver or a viewer would)."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: apt-get install -y poppler-utils")
    source = target.with_suffix(".pdf")
    source.write_bytes(data)
    stem = target.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(source), str(stem)], check=True
    )
    return stem.with_suffix(".png")


def pdf_text(data: bytes, tmp: Path, *, layout: bool = False) -> str:
    """The PDF's text by pdftotext: in reading order, or with `layout` as the page sets it (a table row per line)."""
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: apt-get install -y poppler-utils")
    source = tmp / "text.pdf"
    source.write_bytes(data)
    return subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(source), "-"], check=True, capture_output=True, text=True
    ).stdout
