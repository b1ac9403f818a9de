"""The representación impresa of an issued document as a PDF: an 80 mm roll or a letter-size (carta) page.

What the paper shows comes from the document's own signed XML (emisor, receptor, lines, totals, references), so the
PDF says exactly what was signed and sent to the SII; the database adds what the XML does not carry (the SII office,
the resolution, the shop's name). The timbre is `Document.ted` byte for byte as a vector PDF417 of at least
4,5 × 2 cm, followed by the SII's three legends (NOTES §7).

    printable = await load_printable(session, 39, 1234)    # short read transaction
    pdf = render_pdf(printable, "80mm", copy=False)         # no database, no network; CPU-bound: use a thread

WeasyPrint never fetches anything from the network: the only resources it may load are `data:` URIs (the timbre)
and files in the templates' own folder.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2
from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import web
from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.core.money import format_clp
from appliance.core.rut import ANONYMOUS_RUT, Rut
from appliance.core.text import is_digits
from appliance.db.models import Company, Document
from appliance.sii.canonical import ENCODING, SII_NS
from appliance.sii.doctypes import nombre_tipo
from appliance.sii.pdf417 import pdf417_codes

PdfFormat = Literal["80mm", "carta"]
FORMATS: tuple[PdfFormat, ...] = ("80mm", "carta")
TEMPLATES_DIR = Path(web.__file__).parent / "templates" / "sii_pdf"

# The timbre (NOTES §7): at least 45 × 20 mm. A 0,22 mm module gives a 13-column symbol of about 64 mm, which fits
# the 72 mm printable width of an 80 mm roll with its quiet zone, and rows three modules high.
TIMBRE_MIN_WIDTH_MM = 45.0
TIMBRE_MIN_HEIGHT_MM = 20.0
TIMBRE_MODULE_MM = 0.22
TIMBRE_ROW_RATIO = 3

ROLL_WIDTH_MM = 80.0
_ROLL_MARGINS_MM = (4.0, 4.0, 6.0, 4.0)  # top, right, bottom, left
_ROLL_TRIAL_HEIGHT_MM = 5000.0  # about the longest page PDF viewers accept (200 in); cut to the content's length
_ROLL_MIN_HEIGHT_MM = 60.0
_PX_PER_MM = 96 / 25.4  # CSS pixels

_NS = {"d": SII_NS}

# WeasyPrint logs each layout step at INFO: noise in the box's journal and on the `minimarket` command line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# SII codes that appear on a minimarket's documents.
_TAX_NAMES = {
    24: "ILA licores",
    25: "ILA vinos",
    26: "ILA cervezas",
    27: "ILA bebidas analcohólicas",
    271: "ILA bebidas azucaradas",
}
_COD_REF = {1: "Anula documento de referencia", 2: "Corrige texto", 3: "Corrige montos"}
_FMA_PAGO = {1: "Contado", 2: "Crédito", 3: "Sin costo (entrega gratuita)"}
_IND_EXE = {1: "Exento", 2: "No facturable", 3: "Garantía de envase", 6: "No facturable"}
_REF_NAMES = {"801": "Orden de compra", "802": "Nota de pedido", "803": "Contrato", "HES": "Hoja de entrada"}
_MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip


class PrintableUnavailable(DomainError):
    default_code = "sii_pdf_unavailable"


class ExternalResourceRefused(ValueError):
    """WeasyPrint asked for something outside the box (a template mistake): refused, never fetched."""


# --- what the paper shows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    rut: str  # formatted: 76.543.210-3
    razon_social: str
    giro: str = ""
    direccion: str = ""
    comuna: str = ""
    ciudad: str = ""
    contacto: str = ""
    telefono: str = ""
    correo: str = ""

    @property
    def address(self) -> str:
        return ", ".join(part for part in (self.direccion, self.comuna, self.ciudad) if part)

    @property
    def anonymous(self) -> bool:
        return self.rut == ANONYMOUS_RUT.formatted


@dataclass(frozen=True)
class Item:
    number: int
    code: str
    name: str
    description: str
    quantity: Decimal | None
    unit: str
    price: Decimal | None
    discount: int
    surcharge: int
    amount: int
    exempt: str  # "" or why the line carries no IVA ("Exento" …)

    @property
    def weighed(self) -> bool:
        return self.unit.upper() == "KG"


@dataclass(frozen=True)
class Movement:
    """A global discount or surcharge (DscRcgGlobal)."""

    label: str  # its GlosaDR, or "Descuento global"
    value: str  # "-$500", "-10%", "+$200"


@dataclass(frozen=True)
class Tax:
    code: int
    name: str
    rate: str  # "20,5%"
    amount: int


@dataclass(frozen=True)
class Reference:
    document: str  # "Boleta Electrónica", "Orden de compra" …
    folio: str
    fecha: date | None
    reason_code: str  # "Corrige montos" …
    reason: str


@dataclass(frozen=True)
class Printable:
    """Everything one representación impresa shows; built from the signed XML plus the company row."""

    tipo: int
    folio: int
    fecha_emision: date
    issued_at: datetime | None  # the moment of issue (boletas show the time)
    emisor: Party
    shop_name: str
    acteco: tuple[str, ...]
    receptor: Party | None
    items: tuple[Item, ...]
    movements: tuple[Movement, ...]
    neto: int
    exento: int
    iva: int
    iva_rate: str
    taxes: tuple[Tax, ...]
    deposito: int
    total: int
    gross_prices: bool  # line prices include IVA (boletas, notas marked MntBruto)
    payment_form: str
    references: tuple[Reference, ...]
    sii_office: str
    resolution_number: int
    resolution_date: date | None
    ted: bytes

    @property
    def nombre(self) -> str:
        return nombre_tipo(self.tipo)

    @property
    def is_boleta(self) -> bool:
        return self.tipo in (39, 41)

    @property
    def subtotal(self) -> int:
        """The lines' sum, before global discounts or surcharges."""
        return sum(item.amount for item in self.items)

    @property
    def office_label(self) -> str:
        """ "S.I.I. - SANTIAGO ORIENTE", as printed under the document's box."""
        office = self.sii_office.strip()
        if not office:
            return ""
        if not office.upper().replace(" ", "").startswith("S.I.I"):
            office = f"S.I.I. - {office}"
        return office.upper()

    @property
    def resolution_label(self) -> str:
        """ "Resolución N° 80 de 2014": the number and year of the resolution that authorised the company."""
        year = f" de {self.resolution_date.year}" if self.resolution_date else ""
        return f"Resolución N° {self.resolution_number}{year}"


def parse_dte(signed_xml: bytes) -> Printable:
    """The printable content of a signed `<DTE>` (ISO-8859-1, with or without XML declaration).

    Company data that the XML does not carry (office, resolution, shop name) is left empty: see `load_printable`.
    """
    # Stored DTEs carry no XML declaration and are ISO-8859-1 (not XML's default UTF-8): say so to the parser.
    encoding = None if signed_xml.lstrip().startswith(b"<?xml") else ENCODING
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, encoding=encoding)
    try:
        root = etree.fromstring(signed_xml, parser)
    except etree.XMLSyntaxError as exc:
        raise PrintableUnavailable(f"El XML del documento no se puede leer: {exc}") from None
    documento = root.find("d:Documento", _NS)
    encabezado = documento.find("d:Encabezado", _NS) if documento is not None else None
    if documento is None or encabezado is None:
        raise PrintableUnavailable("El XML del documento no tiene <Documento> con su <Encabezado>.")
    id_doc = _node(encabezado, "d:IdDoc")
    emisor = _node(encabezado, "d:Emisor")
    totales = _node(encabezado, "d:Totales")
    tipo = _int(id_doc, "d:TipoDTE")
    receptor = encabezado.find("d:Receptor", _NS)
    iva_rate = _decimal(_text(totales, "d:TasaIVA")) or Decimal(19)
    return Printable(
        tipo=tipo,
        folio=_int(id_doc, "d:Folio"),
        fecha_emision=_date(_text(id_doc, "d:FchEmis")) or date.min,
        issued_at=None,
        emisor=Party(
            rut=_rut(_text(emisor, "d:RUTEmisor")),
            razon_social=_text(emisor, "d:RznSoc") or _text(emisor, "d:RznSocEmisor"),
            giro=_text(emisor, "d:GiroEmis") or _text(emisor, "d:GiroEmisor"),
            direccion=_text(emisor, "d:DirOrigen"),
            comuna=_text(emisor, "d:CmnaOrigen"),
            ciudad=_text(emisor, "d:CiudadOrigen"),
            telefono=_text(emisor, "d:Telefono"),
            correo=_text(emisor, "d:CorreoEmisor"),
        ),
        shop_name="",
        acteco=tuple((a.text or "").strip() for a in emisor.findall("d:Acteco", _NS)),
        receptor=_receptor(receptor) if receptor is not None else None,
        items=tuple(_item(detalle) for detalle in documento.findall("d:Detalle", _NS)),
        movements=tuple(_movement(m) for m in documento.findall("d:DscRcgGlobal", _NS)),
        neto=_int(totales, "d:MntNeto"),
        exento=_int(totales, "d:MntExe"),
        iva=_int(totales, "d:IVA"),
        iva_rate=_number(iva_rate) + "%",
        taxes=tuple(
            Tax(
                code=_int(t, "d:TipoImp"),
                name=_TAX_NAMES.get(_int(t, "d:TipoImp"), f"Impuesto adicional código {_int(t, 'd:TipoImp')}"),
                rate=_number(_decimal(_text(t, "d:TasaImp")) or Decimal(0)) + "%",
                amount=_int(t, "d:MontoImp"),
            )
            for t in totales.findall("d:ImptoReten", _NS)
        ),
        deposito=_int(totales, "d:GrntDep"),
        total=_int(totales, "d:MntTotal"),
        gross_prices=(tipo in (39, 41) and _text(id_doc, "d:IndMntNeto") != "2") or _text(id_doc, "d:MntBruto") == "1",
        payment_form=_FMA_PAGO.get(_int(id_doc, "d:FmaPago"), ""),
        references=tuple(_reference(r) for r in documento.findall("d:Referencia", _NS)),
        sii_office="",
        resolution_number=0,
        resolution_date=None,
        ted=b"",
    )


async def load_printable(session: AsyncSession, tipo: int, folio: int) -> Printable:
    """The printable content of document `tipo`/`folio`; raises `PrintableUnavailable` (Spanish) if there is none."""
    document = await session.scalar(select(Document).where(Document.tipo == tipo, Document.folio == folio))
    if document is None:
        raise PrintableUnavailable(f"No existe {nombre_tipo(tipo).lower()} (tipo {tipo}) con folio {folio}.")
    return await printable_for(session, document)


async def printable_for(session: AsyncSession, document: Document) -> Printable:
    company = await session.get(Company, 1)
    if company is None:
        raise PrintableUnavailable("Faltan los datos de la empresa (Ajustes).")
    parsed = parse_dte(document.signed_xml)
    return replace(
        parsed,
        issued_at=document.issued_at,
        shop_name=company.nombre_fantasia if company.nombre_fantasia != parsed.emisor.razon_social else "",
        sii_office=company.sii_office,
        resolution_number=company.resolution_number,
        resolution_date=company.resolution_date,
        ted=document.ted,
    )


# --- the timbre --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timbre:
    svg: bytes
    width_mm: float
    height_mm: float

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")


def timbre_svg(ted: bytes, *, module_mm: float = TIMBRE_MODULE_MM) -> Timbre:
    """The TED as a vector PDF417 (error correction 5, 13 columns), sized in millimetres, never below 45 × 20 mm.

    Each row's dark modules are merged into runs and drawn as one path, so no hairline seams appear between
    neighbouring modules when the page is rasterised (by a printer driver or a scanner's camera).
    """
    codes = pdf417_codes(ted)
    rows = len(codes)
    columns = sum(len(format(value, "b")) for value in codes[0])  # modules per row (every codeword starts with 1)
    width = max(columns * module_mm, TIMBRE_MIN_WIDTH_MM)
    height = max(rows * TIMBRE_ROW_RATIO * (width / columns), TIMBRE_MIN_HEIGHT_MM)
    path = []
    for y, row in enumerate(codes):
        bits = "".join(format(value, "b") for value in row)
        x = 0
        while x < len(bits):
            if bits[x] == "1":
                run = len(bits[x:]) - len(bits[x:].lstrip("1"))
                path.append(f"M{x} {y}h{run}v1h-{run}z")
                x += run
            else:
                x += 1
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width:.3f}mm" height="{height:.3f}mm" '
        f'viewBox="0 0 {columns} {rows}" preserveAspectRatio="none" shape-rendering="crispEdges">'
        f'<path fill="#000" d="{"".join(path)}"/></svg>'
    )
    return Timbre(svg.encode("ascii"), width, height)


# --- rendering ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _fetcher_class() -> type[Any]:
    # WeasyPrint takes seconds to import: only what renders a PDF loads it, not every `minimarket` command or boot.
    from weasyprint import URLFetcher

    class LocalFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
        """Reads `data:` URIs and the templates' own folder; anything else is refused, never fetched."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:") or _inside_templates(url):
                return super().fetch(url, headers)
            raise ExternalResourceRefused(f"recurso externo rechazado: {url[:120]}")

    return LocalFetcher


def url_fetcher() -> Any:
    """The fetcher every WeasyPrint call here gets: no network, ever."""
    return _fetcher_class()(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)


def _inside_templates(url: str) -> bool:
    if not url.startswith("file://"):
        return False
    try:
        path = Path(url.removeprefix("file://").split("?")[0]).resolve()
    except (OSError, ValueError):
        return False
    return path.is_relative_to(TEMPLATES_DIR.resolve())


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(clp=format_clp, qty=_quantity, price=_price, fecha=_fecha, fecha_larga=_fecha_larga, hora=_hora)
    return env


def render_html(printable: Printable, fmt: PdfFormat = "80mm", *, copy: bool = False) -> str:
    """The HTML WeasyPrint lays out (kept separate so a test or a browser can look at it)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    template = _environment().get_template("roll.html" if fmt == "80mm" else "carta.html")
    return template.render(
        doc=printable,
        copy=copy,
        timbre=timbre_svg(printable.ted) if printable.ted else None,
        roll_width_mm=ROLL_WIDTH_MM,
        roll_margins_mm=_ROLL_MARGINS_MM,
        page_height_mm=_ROLL_TRIAL_HEIGHT_MM,
    )


def render_pdf(printable: Printable, fmt: PdfFormat = "80mm", *, copy: bool = False) -> bytes:
    """The PDF: letter pages for "carta"; for "80mm" one page exactly as long as the document."""
    from weasyprint import HTML

    html = HTML(string=render_html(printable, fmt, copy=copy), base_url=str(TEMPLATES_DIR), url_fetcher=url_fetcher())
    document = html.render()
    if fmt == "80mm" and len(document.pages) == 1:
        # A roll has no fixed length: laid out on a very long page, the page is cut below the content. Boxes are
        # placed from the top, so shortening `Page.height` (CSS px) only moves the bottom edge.
        page = document.pages[0]
        content = _content_bottom_px(page._page_box) + _ROLL_MARGINS_MM[2] * _PX_PER_MM
        page.height = min(page.height, max(content, _ROLL_MIN_HEIGHT_MM * _PX_PER_MM))
    pdf: bytes = document.write_pdf()
    return pdf


def _content_bottom_px(page_box: Any) -> float:
    """The lowest edge of any in-flow box on a laid-out page, in CSS px from the page's top."""
    bottom = 0.0
    stack = list(page_box.children)
    while stack:
        box = stack.pop()
        if box.style["position"] in ("fixed", "absolute"):
            continue  # the COPIA watermark floats over the page; it does not make it longer
        if hasattr(box, "margin_height"):
            bottom = max(bottom, float(box.position_y + box.margin_height()))
        stack.extend(getattr(box, "children", ()))
    return bottom


# --- reading the XML ---------------------------------------------------------------------------------------------


def _node(parent: etree._Element, path: str) -> etree._Element:
    found = parent.find(path, _NS)
    if found is None:
        raise PrintableUnavailable(f"El XML del documento no tiene <{path.removeprefix('d:')}>.")
    return found


def _text(parent: etree._Element, path: str) -> str:
    found = parent.find(path, _NS)
    return " ".join((found.text or "").split()) if found is not None else ""


def _int(parent: etree._Element, path: str) -> int:
    text = _text(parent, path)
    try:
        return int(text) if text else 0
    except ValueError:
        raise PrintableUnavailable(f"El XML del documento tiene un valor no numérico en <{path[2:]}>.") from None


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _rut(text: str) -> str:
    try:
        return Rut.parse(text).formatted
    except DomainError:
        return text


def _receptor(receptor: etree._Element) -> Party:
    return Party(
        rut=_rut(_text(receptor, "d:RUTRecep")),
        razon_social=_text(receptor, "d:RznSocRecep"),
        giro=_text(receptor, "d:GiroRecep"),
        direccion=_text(receptor, "d:DirRecep"),
        comuna=_text(receptor, "d:CmnaRecep"),
        ciudad=_text(receptor, "d:CiudadRecep"),
        contacto=_text(receptor, "d:Contacto"),
        correo=_text(receptor, "d:CorreoRecep"),
    )


def _item(detalle: etree._Element) -> Item:
    return Item(
        number=_int(detalle, "d:NroLinDet"),
        code=_text(detalle, "d:CdgItem/d:VlrCodigo"),
        name=_text(detalle, "d:NmbItem"),
        description=_text(detalle, "d:DscItem"),
        quantity=_decimal(_text(detalle, "d:QtyItem")),
        unit=_text(detalle, "d:UnmdItem"),
        price=_decimal(_text(detalle, "d:PrcItem")),
        discount=_int(detalle, "d:DescuentoMonto"),
        surcharge=_int(detalle, "d:RecargoMonto"),
        amount=_int(detalle, "d:MontoItem"),
        exempt=_IND_EXE.get(_int(detalle, "d:IndExe"), ""),
    )


def _movement(movement: etree._Element) -> Movement:
    value = _decimal(_text(movement, "d:ValorDR")) or Decimal(0)
    surcharge = _text(movement, "d:TpoMov") == "R"
    shown = f"{_number(value)}%" if _text(movement, "d:TpoValor") == "%" else _price(value)
    label = _text(movement, "d:GlosaDR") or ("Recargo global" if surcharge else "Descuento global")
    return Movement(label, ("+" if surcharge else "-") + shown)


def _reference(referencia: etree._Element) -> Reference:
    tipo = _text(referencia, "d:TpoDocRef")
    document = nombre_tipo(int(tipo)) if is_digits(tipo) and tipo not in _REF_NAMES else _REF_NAMES.get(tipo, tipo)
    code = _int(referencia, "d:CodRef")
    return Reference(
        document=document,
        folio=_text(referencia, "d:FolioRef"),
        fecha=_date(_text(referencia, "d:FchRef")),
        reason_code=_COD_REF.get(code, ""),
        reason=_text(referencia, "d:RazonRef"),
    )


# --- numbers and dates the Chilean way ---------------------------------------------------------------------------


def _number(value: Decimal) -> str:
    """1234.5 → "1.234,5"; 2 → "2"."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return f"{int(normalized):,}".replace(",", ".")
    whole, _, fraction = format(normalized, "f").partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}".replace(",", ".") + "," + fraction


def _price(value: Decimal | None) -> str:
    if value is None:
        return ""
    return ("-" if value < 0 else "") + "$" + _number(abs(value))


def _quantity(item: Item) -> str:
    if item.quantity is None:
        return ""
    shown = _number(item.quantity)
    if item.weighed:
        return f"{shown} kg"
    return f"{shown} {item.unit}".strip() if item.unit and item.unit.upper() not in ("UN", "UND", "UNID") else shown


def _fecha(value: date | datetime | None, with_time: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(CHILE_TZ)
        return local.strftime("%d-%m-%Y %H:%M" if with_time else "%d-%m-%Y")
    return value.strftime("%d-%m-%Y")


def _hora(value: datetime) -> str:
    return value.astimezone(CHILE_TZ).strftime("%H:%M")


def _fecha_larga(value: date) -> str:
    return f"{value.day} de {_MONTHS[value.month - 1]} de {value.year}"
