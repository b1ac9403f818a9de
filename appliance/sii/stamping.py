"""Stamping a sale: the boleta (or factura) built, timbrado and signed inside the sale's own transaction.

The folio, the signed XML and the timbre commit together with the sale, or not at all. A Pi has no battery clock:
a document dated before the last one issued is refused, with the reason on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.core.rut import Rut
from appliance.db.models import Company, Customer, Document, Product
from appliance.sii import folios
from appliance.sii.certificate import Certificate, CertificateStore, load_pkcs12
from appliance.sii.doctypes import TipoDTE
from appliance.sii.invoice_lines import net_line
from appliance.sii.service import IssuedDocument, issue_document
from appliance.sii.spec import ANONYMOUS_BUYER, Buyer, DocumentSpec, Issuer, Line, LineKind, Reference


class ClockBehind(DomainError):
    default_code = "clock_behind"


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


def factura_line(line: SoldLine, *, weighed: bool = False, code: str = "") -> Line:
    """Shelf prices are gross; a factura (and its notas) carries net ones with IVA and ILA itemised on top."""
    return net_line(
        line.description,
        line.quantity,
        line.unit_price,
        line.discount,
        exempt=line.tax == "exento",
        deposit=line.deposit,
        ila_code=line.additional_tax,
        weighed=weighed,
        code=code,
    )


def _spec_line(tipo: TipoDTE, line: SoldLine, product: Product | None, gross_prices: bool | None) -> Line:
    weighed = product.unit == "kg" if product else False
    code = product.code if product else ""
    if not tipo.is_boleta and gross_prices is not True:
        return factura_line(line, weighed=weighed, code=code)
    kind = LineKind.DEPOSITO if line.deposit else LineKind.EXENTO if line.tax == "exento" else LineKind.AFECTO
    return Line(
        name=line.description,
        quantity_milli=line.quantity,
        unit_price=line.unit_price,
        discount=line.discount,
        kind=kind,
        weighed=weighed,
        code=code,
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


def issuer(company: Company) -> Issuer:
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
    last = await session.scalar(select(Document.issued_at).order_by(Document.id.desc()).limit(1))
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
) -> tuple[Document, IssuedDocument]:
    """Take the next folio of `tipo`, build, stamp and sign the document, and add it to the session.

    A nota that corrects a boleta passes `references` and `gross_prices=True`, so its amounts mirror the boleta's.
    """
    company = await session.get(Company, 1)
    if company is None:
        raise DomainError(
            "Complete los datos de la empresa (Ajustes) antes de vender: van en cada boleta.", "company_missing"
        )
    await check_clock(session, now)
    certificate = load_certificate(secrets_dir, now)
    products = {
        p.id: p
        for p in await session.scalars(select(Product).where(Product.id.in_([line.product_id for line in lines])))
    }
    caf_row, folio = await folios.take(session, tipo, now=now)
    caf = folios.load_caf(secrets_dir, caf_row)
    spec = DocumentSpec(
        tipo=tipo,
        folio=folio,
        issued_at=now,
        issuer=issuer(company),
        lines=tuple(_spec_line(tipo, line, products.get(line.product_id), gross_prices) for line in lines),
        buyer=buyer or ANONYMOUS_BUYER,
        payment_form=payment_form if not tipo.is_boleta else None,
        references=references,
        gross_prices=gross_prices,
    )
    issued = issue_document(spec, caf, certificate, now)
    document = Document(
        tipo=int(tipo),
        folio=folio,
        issued_at=now,
        sale_id=sale_id,
        caf_id=caf_row.id,
        total=issued.totals.total,
        signed_xml=issued.signed_xml,
        ted=issued.ted_pdf417,
    )
    session.add(document)
    await session.flush()
    return document, issued
