"""Stamping a sale: the boleta (or factura) built, timbrado and signed inside the sale's own transaction.

The folio, the signed XML and the timbre commit together with the sale, or not at all. A Pi has no battery clock:
a document dated before the last one issued is refused, with the reason on screen.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.core.rut import Rut
from appliance.db.models import Company, Customer
from appliance.db.raw import marks, raw, stored, stored_datetime
from appliance.sii import folios
from appliance.sii.amounts import Totals, compute_totals
from appliance.sii.certificate import Certificate, CertificateStore, load_pkcs12
from appliance.sii.doctypes import TipoDTE
from appliance.sii.invoice_lines import ShelfLine, net_lines, shelf_total
from appliance.sii.service import IssuedDocument, issue_document
from appliance.sii.spec import ANONYMOUS_BUYER, Buyer, DocumentSpec, Issuer, Line, LineKind, Reference


class ClockBehind(DomainError):
    default_code = "clock_behind"


class CompanyFacts(NamedTuple):
    """The issuer's columns of the company row, read with plain SQL on every sale."""

    rut: str
    razon_social: str
    giro: str
    actecos: list[int]
    address: str
    comuna: str
    ciudad: str


@dataclass(frozen=True)
class StampedDocument:
    """The stored document's keys (its XML and timbre stay in the row)."""

    id: int
    tipo: int
    folio: int


@dataclass(frozen=True)
class SoldLine:
    product_id: int
    description: str
    quantity: int  # milli-units
    unit_price: int
    discount: int
    tax: str
    deposit: bool = False  # a container deposit: IndExe 3 on a factura, IndExe 1 on a boleta
    additional_tax: int | None = None  # ILA code, itemised on a factura
    note: str = ""  # the promotion or authorised discount: DscItem


def certificate_store(secrets_dir: Path) -> CertificateStore:
    return CertificateStore(secrets_dir / "sii" / "certificate")


@lru_cache(maxsize=4)
def _certificate(pfx_path: str, _mtime: float, password: str, day: str) -> Certificate:
    # Parsing the .pfx costs milliseconds; a sale must not pay it. Keyed by day so expiry is rechecked daily.
    return load_pkcs12(Path(pfx_path).read_bytes(), password, now=datetime.fromisoformat(day))


def load_certificate(secrets_dir: Path, now: datetime) -> Certificate:
    store = certificate_store(secrets_dir)
    if not store.exists():
        store.load(now=now)  # raises the Spanish "no hay certificado" message
    password = store.password_path.read_text(encoding="utf-8")
    certificate = _certificate(
        str(store.pfx_path),
        store.pfx_path.stat().st_mtime,
        password,
        now.astimezone(CHILE_TZ).replace(hour=12, minute=0, second=0, microsecond=0).isoformat(),
    )
    certificate.ensure_valid_at(now)
    return certificate


def shelf_line(line: SoldLine, product: tuple[str, str] | None = None) -> ShelfLine:
    """A sold line as a factura's net lines are made from it. `product` (its unit and internal code) only decides
    UnmdItem and CdgItem, never an amount."""
    return ShelfLine(
        name=line.description,
        quantity_milli=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        exempt=line.tax == "exento",
        deposit=line.deposit,
        ila_code=line.additional_tax,
        weighed=product[0] == "kg" if product else False,
        code=product[1] if product else "",
        note=line.note,
    )


def factura_totals(lines: Sequence[SoldLine]) -> Totals:
    """The totals of a factura for lines sold at shelf prices, computed as `stamp` will: net lines, IVA and ILA
    itemised, and MntTotal equal to what the lines cost at the counter (see invoice_lines.py)."""
    shelf = [shelf_line(line) for line in lines]
    return compute_totals(TipoDTE.FACTURA, net_lines(shelf), (), gross=False, shelf_total=shelf_total(shelf))


def _spec_line(line: SoldLine, product: tuple[str, str] | None) -> Line:
    """A gross line (a boleta's, or a nota's that corrects one). `product`: its unit and internal code."""
    kind = LineKind.DEPOSITO if line.deposit else LineKind.EXENTO if line.tax == "exento" else LineKind.AFECTO
    return Line(
        name=line.description,
        quantity_milli=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        kind=kind,
        weighed=product[0] == "kg" if product else False,
        code=product[1] if product else "",
        description=line.note,
    )


def buyer(customer: Customer) -> Buyer:
    """The Receptor of a factura from the customer's record (checked complete when chosen at the counter)."""
    if not customer.rut:
        raise DomainError(f"{customer.name} no tiene RUT: no se le puede facturar.", "customer_incomplete")
    return Buyer(
        rut=Rut.parse(customer.rut),
        razon_social=customer.name,
        giro=customer.giro,
        direccion=customer.address,
        comuna=customer.comuna,
        correo=customer.email,
    )


def issuer(company: Company | CompanyFacts) -> Issuer:
    return Issuer(
        rut=Rut.parse(company.rut),
        razon_social=company.razon_social,
        giro=company.giro,
        acteco=tuple(company.actecos),
        direccion=company.address,
        comuna=company.comuna,
        ciudad=company.ciudad,
    )


async def check_clock(session: AsyncSession, now: datetime) -> None:
    # The newest row, by its key: documents are only added here, after this check, so issue dates never go back
    # and the last row holds the latest date. max(issued_at) would read the whole table (no index) on every sale.
    row = await (await raw(session)).one("SELECT issued_at FROM sii_documents ORDER BY id DESC LIMIT 1")
    last = stored_datetime(row[0]) if row else None
    if last is not None and now < last:
        shown = last.astimezone(CHILE_TZ).strftime("%d-%m-%Y %H:%M")
        raise ClockBehind(
            f"La fecha y hora de la caja ({now.astimezone(CHILE_TZ):%d-%m-%Y %H:%M}) es anterior al "
            f"último documento emitido ({shown}). Corrija la hora antes de vender."
        )


async def stamp(
    session: AsyncSession,
    secrets_dir: Path,
    *,
    tipo: TipoDTE,
    lines: Sequence[SoldLine],
    now: datetime,
    sale_id: int | None,
    references: tuple[Reference, ...] = (),
    gross_prices: bool | None = None,
    buyer: Buyer | None = None,
    payment_form: int | None = None,
) -> tuple[StampedDocument, IssuedDocument]:
    """Take the next folio of `tipo`, build, stamp and sign the document, and add it to the session.

    A nota that corrects a boleta passes `references` and `gross_prices=True`, so its amounts mirror the boleta's.
    """
    sql = await raw(session)
    row = await sql.one("SELECT rut, razon_social, giro, actecos, address, comuna, ciudad FROM company WHERE id = 1")
    company = CompanyFacts(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6]) if row else None
    if company is None:
        raise DomainError(
            "Complete los datos de la empresa (Ajustes) antes de vender: van en cada boleta.", "company_missing"
        )
    await check_clock(session, now)
    certificate = load_certificate(secrets_dir, now)
    ids = sorted({line.product_id for line in lines})
    products = {
        product_id: (unit, code)
        for product_id, unit, code in await sql.all(
            f"SELECT id, unit, code FROM products WHERE id IN ({marks(len(ids))})", ids
        )
    }
    total: int | None = None
    if not tipo.is_boleta and gross_prices is not True:
        # Shelf prices are gross; a factura (and its notas) carries net ones with IVA and ILA itemised on top, and
        # still totals what the customer paid.
        shelf = [shelf_line(line, products.get(line.product_id)) for line in lines]
        spec_lines, total = net_lines(shelf), shelf_total(shelf)
    else:
        spec_lines = tuple(_spec_line(line, products.get(line.product_id)) for line in lines)
    caf_file, folio = await folios.take(session, tipo, now=now)
    caf = folios.load_caf(secrets_dir, caf_file)
    spec = DocumentSpec(
        tipo=tipo,
        folio=folio,
        issued_at=now,
        issuer=issuer(company),
        lines=spec_lines,
        buyer=buyer or ANONYMOUS_BUYER,
        payment_form=payment_form if not tipo.is_boleta else None,
        references=references,
        gross_prices=gross_prices,
        shelf_total=total,
    )
    issued = issue_document(spec, caf, certificate, now)
    document_id = await sql.run(
        "INSERT INTO sii_documents (tipo, folio, issued_at, sale_id, caf_id, receptor_rut, total, signed_xml, ted,"
        " state, sii_detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pendiente', '')",
        (
            int(tipo),
            folio,
            stored(now),
            sale_id,
            caf_file.id,
            buyer.rut.compact if buyer is not None else ANONYMOUS_BUYER.rut.compact,
            issued.totals.total,
            issued.signed_xml,
            issued.ted_pdf417,
        ),
    )
    return StampedDocument(document_id, int(tipo), folio), issued
