"""The printed boleta (or factura): a device-independent `Receipt` for an issued document, read from the database.

Lines and totals come from the signed DTE itself, so the paper shows exactly what was signed and sent to the SII;
the sale adds what the DTE does not carry (payments, change, cash rounding, cashier). The timbre is `Document.ted`
byte for byte, as a PDF417 of at least 4,5 × 2 cm (NOTES §7), followed by the SII's legends. Boletas state the IVA
they include ("El IVA de esta boleta es $…"); facturas show neto, IVA and additional taxes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.core.money import format_clp, round_half_up
from appliance.core.quantity import format_quantity
from appliance.core.rut import Rut
from appliance.db.models import Company, Document, PaymentMethod, Product, Sale, SaleLine
from appliance.db.raw import raw, stored_datetime
from appliance.sales.tenders import METHOD_LABELS
from appliance.sii.canonical import SII_NS, parse_latin1
from appliance.sii.doctypes import nombre_tipo
from drivers.printing import PrinterProfile, Receipt, ReceiptBuilder

ANONYMOUS_RUT = "66666666-6"
AMOUNT_WIDTH = (11,)  # the amount column, aligned across rows
_NS = {"d": SII_NS}


class ReceiptUnavailable(DomainError):
    default_code = "receipt_unavailable"


# A sale the card voucher documents (no DTE): the paper is a non-fiscal comprobante numbered by the sale.
VOUCHER_SALE = 0


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    quantity: Decimal
    unit: str  # "KG" for weighed lines
    price: Decimal | None
    discount: int
    amount: int
    note: str = ""  # DscItem: the promotion or authorised discount that explains the discount


@dataclass(frozen=True)
class Buyer:
    rut: str
    name: str
    giro: str
    address: str


@dataclass(frozen=True)
class ReceiptData:
    tipo: int
    folio: int
    issued_at: datetime
    shop_name: str
    razon_social: str
    rut: str
    giro: str
    address: str
    sii_office: str
    resolution_number: int
    resolution_date: date | None
    lines: Sequence[ReceiptLine]
    total: int
    neto: int = 0
    exento: int = 0
    iva: int = 0
    additional_taxes: Sequence[tuple[int, int]] = ()  # (SII code, amount)
    buyer: Buyer | None = None
    payments: Sequence[tuple[str, int]] = ()  # (label, amount shown)
    cash_rounding: int = 0
    change: int = 0
    sale_number: int | None = None
    lane_name: str = ""
    cashier: str = ""
    ted: bytes = b""
    copy: bool = False
    notes: Sequence[str] = field(default_factory=tuple)

    @property
    def is_boleta(self) -> bool:
        return self.tipo in (39, 41, VOUCHER_SALE)

    @property
    def fiscal(self) -> bool:
        return self.tipo != VOUCHER_SALE


# --- reading the database ------------------------------------------------------------------------------------------


async def sale_receipt(session: AsyncSession, sale_id: int, *, copy: bool = False) -> Receipt:
    sql = await raw(session)
    row = await sql.one(f"{_DOCUMENT} WHERE sale_id = ? ORDER BY id LIMIT 1", (sale_id,))
    if row is None:
        # A sale paid by card where the shop declared the voucher as its boleta: a non-fiscal comprobante.
        return compose(await _voucher_sale_data(session, sale_id, copy=copy))
    return compose(await _document_data(session, _StoredDocument(*row), copy=copy))


async def _voucher_sale_data(session: AsyncSession, sale_id: int, *, copy: bool) -> ReceiptData:
    sale = await session.get(Sale, sale_id)
    company = await session.get(Company, 1)
    if sale is None or company is None:
        raise ReceiptUnavailable(f"La venta {sale_id} no existe o faltan los datos de la empresa.")
    rows = list(await session.scalars(select(SaleLine).where(SaleLine.sale_id == sale_id).order_by(SaleLine.line_no)))
    ids = [r.product_id for r in rows]
    units: dict[int, str] = {
        pid: unit for pid, unit in await session.execute(select(Product.id, Product.unit).where(Product.id.in_(ids)))
    }
    data = ReceiptData(
        tipo=VOUCHER_SALE,
        folio=sale.number,
        issued_at=sale.at,
        shop_name=company.nombre_fantasia or company.razon_social,
        razon_social=company.razon_social,
        rut=_format_rut(company.rut),
        giro=company.giro,
        address=", ".join(part for part in (company.address, company.comuna) if part),
        sii_office="",
        resolution_number=0,
        resolution_date=None,
        lines=tuple(
            ReceiptLine(
                name=r.description,
                quantity=Decimal(r.quantity) / 1000,
                unit="KG" if units.get(r.product_id) == "kg" else "",
                price=Decimal(r.unit_price),
                discount=r.discount,
                amount=r.amount,
                note=r.note,
            )
            for r in rows
        ),
        total=sale.total,
        neto=sale.net,
        exento=sale.exempt,
        iva=sale.iva,
        copy=copy,
    )
    return await _with_sale(session, data, sale_id)


async def document_receipt(session: AsyncSession, tipo: int, folio: int, *, copy: bool = False) -> Receipt:
    document = await session.scalar(select(Document).where(Document.tipo == tipo, Document.folio == folio))
    if document is None:
        raise ReceiptUnavailable(f"No existe {nombre_tipo(tipo).lower()} con folio {folio}.")
    return compose(await receipt_data(session, document, copy=copy))


async def receipt_data(session: AsyncSession, document: Document, *, copy: bool = False) -> ReceiptData:
    stored = _StoredDocument(
        document.tipo,
        document.folio,
        document.issued_at,
        document.total,
        document.ted,
        document.signed_xml,
        document.sale_id,
    )
    return await _document_data(session, stored, copy=copy)


# A receipt is read after every sale, on the event loop: its few keyed lookups are plain SQL (see db/raw.py), which
# took the read from ~4,6 to ~1,5 ms of CPU.
_DOCUMENT = "SELECT tipo, folio, issued_at, total, ted, signed_xml, sale_id FROM sii_documents"


class _StoredDocument(NamedTuple):
    tipo: int
    folio: int
    issued_at: datetime | str  # a plain read gives the stored text
    total: int
    ted: bytes
    signed_xml: bytes
    sale_id: int | None


async def _document_data(session: AsyncSession, document: _StoredDocument, *, copy: bool) -> ReceiptData:
    sql = await raw(session)
    company = await sql.one(
        "SELECT nombre_fantasia, razon_social, rut, giro, address, comuna, sii_office, resolution_number,"
        " resolution_date FROM company WHERE id = 1"
    )
    if company is None:
        raise ReceiptUnavailable("Faltan los datos de la empresa (Ajustes).")
    fantasia, razon_social, rut, giro, address, comuna, sii_office, resolution_number, resolution_date = company
    issued_at = document.issued_at
    dte = _parse_dte(document.signed_xml)
    data = ReceiptData(
        tipo=document.tipo,
        folio=document.folio,
        issued_at=stored_datetime(issued_at) if isinstance(issued_at, str) else issued_at,
        shop_name=fantasia or razon_social,
        razon_social=razon_social,
        rut=_format_rut(rut),
        giro=giro,
        address=", ".join(part for part in (address, comuna) if part),
        sii_office=sii_office,
        resolution_number=resolution_number,
        resolution_date=date.fromisoformat(resolution_date) if resolution_date else None,
        lines=_lines(dte),
        buyer=_buyer(dte),
        total=document.total,
        ted=document.ted,
        copy=copy,
    )
    data = _with_totals(data, dte)
    if document.sale_id is None:
        return data
    return await _with_sale(session, data, document.sale_id)


async def _with_sale(session: AsyncSession, data: ReceiptData, sale_id: int) -> ReceiptData:
    sql = await raw(session)
    sale = await sql.one(
        "SELECT s.number, s.cash_rounding, s.lane, u.full_name, l.name FROM sales s"
        " LEFT JOIN users u ON u.id = s.cashier_id LEFT JOIN lanes l ON l.code = s.lane WHERE s.id = ?",
        (sale_id,),
    )
    if sale is None:
        return data
    number, cash_rounding, lane_code, cashier, lane_name = sale
    payments = await sql.all(
        "SELECT method, reference, tendered, amount, change FROM payments WHERE sale_id = ? ORDER BY id", (sale_id,)
    )
    shown = []
    for method, reference, tendered, amount, _change in payments:
        label: str = METHOD_LABELS.get(PaymentMethod(method)) or method
        if reference:
            label += f" ({reference})"
        shown.append((label, tendered or amount))
    return replace(
        data,
        payments=tuple(shown),
        cash_rounding=cash_rounding,
        change=sum(change or 0 for *_rest, change in payments),
        sale_number=number,
        lane_name=lane_name or lane_code,
        cashier=cashier or "",
    )


def _format_rut(text: str) -> str:
    try:
        return Rut.parse(text).formatted
    except DomainError:
        return text


def _parse_dte(signed_xml: bytes) -> etree._Element:
    try:
        root = parse_latin1(signed_xml)  # stored as sent to the SII: ISO-8859-1, no declaration
    except etree.XMLSyntaxError as exc:
        raise ReceiptUnavailable(f"El XML del documento no se puede leer: {exc}") from None
    documento = root.find("d:Documento", _NS)
    if documento is None:
        raise ReceiptUnavailable("El XML del documento no tiene <Documento>.")
    return documento


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path, _NS)
    return (found.text or "").strip() if found is not None else ""


def _int(element: etree._Element, path: str) -> int:
    text = _text(element, path)
    return int(text) if text else 0


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _lines(documento: etree._Element) -> tuple[ReceiptLine, ...]:
    return tuple(
        ReceiptLine(
            name=_text(detalle, "d:NmbItem"),
            quantity=_decimal(_text(detalle, "d:QtyItem")) or Decimal(1),
            unit=_text(detalle, "d:UnmdItem"),
            price=_decimal(_text(detalle, "d:PrcItem")),
            discount=_int(detalle, "d:DescuentoMonto"),
            amount=_int(detalle, "d:MontoItem"),
            note=_text(detalle, "d:DscItem"),
        )
        for detalle in documento.findall("d:Detalle", _NS)
    )


def _with_totals(data: ReceiptData, documento: etree._Element) -> ReceiptData:
    totales = documento.find("d:Encabezado/d:Totales", _NS)
    if totales is None:
        raise ReceiptUnavailable("El XML del documento no tiene totales.")
    return replace(
        data,
        total=_int(totales, "d:MntTotal"),
        neto=_int(totales, "d:MntNeto"),
        exento=_int(totales, "d:MntExe"),
        iva=_int(totales, "d:IVA"),
        additional_taxes=tuple(
            (_int(tax, "d:TipoImp"), _int(tax, "d:MontoImp")) for tax in totales.findall("d:ImptoReten", _NS)
        ),
    )


def _buyer(documento: etree._Element) -> Buyer | None:
    receptor = documento.find("d:Encabezado/d:Receptor", _NS)
    if receptor is None or _text(receptor, "d:RUTRecep") in ("", ANONYMOUS_RUT):
        return None
    address = ", ".join(part for part in (_text(receptor, "d:DirRecep"), _text(receptor, "d:CmnaRecep")) if part)
    return Buyer(
        rut=_format_rut(_text(receptor, "d:RUTRecep")),
        name=_text(receptor, "d:RznSocRecep"),
        giro=_text(receptor, "d:GiroRecep"),
        address=address,
    )


# --- the paper ---------------------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    """Prices in whole pesos as "$12.990"; a factura's net unit price may carry decimals: "$840,34"."""
    if value == value.to_integral_value():
        return format_clp(int(value))
    # Rounded as a whole to the cent, so 840,996 reads "$841,00" (rounding the cents alone printed "$840,100").
    cents = round_half_up(abs(value) * 100)
    return f"{'-' if value < 0 else ''}{format_clp(cents // 100)},{cents % 100:02d}"


def _quantity(line: ReceiptLine) -> str:
    milli = round_half_up(line.quantity * 1000)
    if line.unit.upper() == "KG":
        return format_quantity(milli, weighed=True)
    return format_quantity(milli, weighed=False)


def _add_lines(builder: ReceiptBuilder, lines: Sequence[ReceiptLine]) -> None:
    for line in lines:
        single = line.quantity == 1 and line.unit.upper() != "KG" and not line.discount
        if single:
            builder.row(line.name, format_clp(line.amount), widths=AMOUNT_WIDTH)
            continue
        builder.text(line.name)
        price = f" x {_money(line.price)}" if line.price is not None else ""
        gross = line.amount + line.discount
        builder.row(f"  {_quantity(line)}{price}", format_clp(gross), widths=AMOUNT_WIDTH)
        if line.discount:
            builder.row(f"  {line.note or 'Descuento'}", format_clp(-line.discount), widths=AMOUNT_WIDTH)


def _add_totals(builder: ReceiptBuilder, data: ReceiptData) -> None:
    if not data.is_boleta:
        if data.neto:
            builder.row("Neto", format_clp(data.neto), widths=AMOUNT_WIDTH)
        if data.exento:
            builder.row("Exento", format_clp(data.exento), widths=AMOUNT_WIDTH)
        if data.iva:
            builder.row("IVA 19%", format_clp(data.iva), widths=AMOUNT_WIDTH)
        for code, amount in data.additional_taxes:
            builder.row(f"Impuesto adicional (cód. {code})", format_clp(amount), widths=AMOUNT_WIDTH)
    builder.row("TOTAL", format_clp(data.total), widths=AMOUNT_WIDTH, bold=True)
    if data.is_boleta:
        if data.exento:
            builder.row("Monto exento", format_clp(data.exento), widths=AMOUNT_WIDTH)
        builder.text(f"El IVA de esta boleta es {format_clp(data.iva)}")


def _add_payments(builder: ReceiptBuilder, data: ReceiptData) -> None:
    if not data.payments:
        return
    builder.separator()
    for label, amount in data.payments:
        builder.row(label, format_clp(amount), widths=AMOUNT_WIDTH)
    if data.cash_rounding:
        builder.row("Redondeo Ley 20.956", format_clp(data.cash_rounding), widths=AMOUNT_WIDTH)
    if data.change:
        builder.row("Vuelto", format_clp(data.change), widths=AMOUNT_WIDTH, bold=True)


def _resolution(data: ReceiptData) -> str:
    year = f" de {data.resolution_date.year}" if data.resolution_date else ""
    return f"Resolución N° {data.resolution_number}{year}"


def compose(data: ReceiptData) -> Receipt:
    """The paper for `data`: header, document name and folio, lines, totals, payments, timbre and legends."""
    builder = ReceiptBuilder()
    builder.text(data.shop_name, align="center", bold=True, double_height=True)
    if data.razon_social != data.shop_name:
        builder.text(data.razon_social, align="center")
    builder.text(f"RUT: {data.rut}", align="center", bold=True)
    builder.text(f"Giro: {data.giro}", align="center")
    builder.text(data.address, align="center")
    if data.sii_office:
        office = data.sii_office if data.sii_office.upper().startswith("S.I.I") else f"S.I.I. - {data.sii_office}"
        builder.text(office, align="center")
    builder.feed(1)
    builder.text(nombre_tipo(data.tipo).upper() if data.fiscal else "COMPROBANTE DE VENTA", align="center", bold=True)
    builder.text(f"N° {data.folio}", align="center", bold=True, double_height=True)
    if data.copy:
        builder.text("COPIA", align="center", bold=True, double_width=True)
    builder.feed(1)
    local = data.issued_at.astimezone(CHILE_TZ)
    builder.row(f"Fecha: {local:%d-%m-%Y %H:%M}", data.lane_name)
    if data.buyer is not None:
        builder.text(f"Señor(es): {data.buyer.name}")
        builder.text(f"RUT: {data.buyer.rut}")
        if data.buyer.giro:
            builder.text(f"Giro: {data.buyer.giro}")
        if data.buyer.address:
            builder.text(f"Dirección: {data.buyer.address}")
    builder.separator("=")
    _add_lines(builder, data.lines)
    builder.separator()
    _add_totals(builder, data)
    _add_payments(builder, data)
    builder.feed(1)
    if data.fiscal:
        if data.ted:
            builder.pdf417(data.ted)
        builder.text("Timbre Electrónico S.I.I.", align="center")
        builder.text(_resolution(data), align="center")
        builder.text("Verifique documento en www.sii.cl", align="center")
    else:
        builder.text("No válido como boleta:", align="center", bold=True)
        builder.text("su boleta es el voucher de la tarjeta", align="center")
    builder.feed(1)
    who = [f"Venta N° {data.sale_number}" if data.sale_number else "", data.cashier]
    if any(who):
        builder.text(" · ".join(part for part in who if part), align="center")
    if data.copy:
        builder.text("COPIA", align="center", bold=True)
    builder.text("¡Gracias por su compra!", align="center")
    builder.cut()
    return builder.build()


def printer_test_page(
    *, shop_name: str, lane_name: str, connection: str, profile: PrinterProfile, now: datetime
) -> Receipt:
    """A page that shows at a glance whether a printer is set up right: accents, paper width and a timbre-sized
    PDF417 the back office can check with any phone."""
    builder = ReceiptBuilder()
    builder.text(shop_name or "Minimarket", align="center", bold=True, double_height=True)
    builder.text("PRUEBA DE IMPRESORA", align="center", bold=True)
    builder.feed(1)
    builder.row("Caja", lane_name)
    builder.row("Conexión", connection)
    builder.row("Papel", f"{profile.paper_width_mm:g} mm, {profile.columns} columnas")
    builder.row("Fecha", f"{now.astimezone(CHILE_TZ):%d-%m-%Y %H:%M}")
    builder.separator("=")
    builder.text("Acentos: áéíóú ÁÉÍÓÚ ñÑ ü ¿? ¡! N° $1.990")
    builder.row("Total de prueba", format_clp(12_345), widths=AMOUNT_WIDTH, bold=True)
    builder.separator("=")
    builder.pdf417(f"PRUEBA {shop_name} {lane_name} {now:%Y-%m-%dT%H:%M:%S}".encode("iso-8859-1", "replace"))
    builder.text("El código de arriba tiene el tamaño del timbre del SII.", align="center")
    builder.cut()
    return builder.build()
