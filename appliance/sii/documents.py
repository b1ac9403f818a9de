"""Builds the `<DTE><Documento ID="…">` tree of a boleta, factura or nota, stamped with its timbre (TED).

Elements follow the schemas' xs:sequence order exactly. Boletas (39, 41) follow EnvioBOLETA_v11's BOLETADefType,
which differs from DTE_v10 (Emisor/RznSocEmisor, no Acteco, IndServicio required, no FchRef in Referencia…); the
others follow DTE_v10. Text is kept within Latin-1 and cut to the schema's lengths. The result is unsigned: see
`signature.sign_document`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lxml import etree

from appliance.core.clock import CHILE_TZ
from appliance.core.text import to_latin1_safe, truncate
from appliance.sii.amounts import Totals, compute_totals, indicator, quantity_decimal
from appliance.sii.caf import Caf
from appliance.sii.canonical import SII_NS, sii
from appliance.sii.doctypes import TipoDTE
from appliance.sii.errors import CafInvalid, DocumentInvalid
from appliance.sii.spec import Buyer, DocumentSpec, Issuer, Line, LineKind
from appliance.sii.ted import TimbreData, build_ted, chile_timestamp

# IndServicio 3: "Boleta de Ventas y Servicios", what a shop issues.
BOLETA_INDSERVICIO = 3
# Dec16_2Type (ValorDR) admits 2 decimals.
_PERCENT_DECIMALS = 2


@dataclass(frozen=True)
class BuiltDocument:
    """An unsigned DTE with its timbre, and the totals it carries."""

    dte: etree._Element
    ted: etree._Element
    totals: Totals
    document_id: str


def document_id(tipo: int, folio: int) -> str:
    """The Documento's ID, after the SII's own example ("F60T33")."""
    return f"F{folio}T{tipo}"


def clean(value: str, length: int) -> str:
    """Latin-1, one line, whitespace collapsed, at most `length` characters."""
    return truncate(" ".join(to_latin1_safe(value).split()), length)


def build_dte(spec: DocumentSpec, caf: Caf, *, signed_at: datetime | None = None) -> BuiltDocument:
    """The `<DTE>` of `spec`, stamped with `caf`; `signed_at` (default: the issue time) goes into TSTED/TmstFirma.

    Raises `DocumentInvalid` or `CafInvalid` (in Spanish) for anything the SII would reject that can be known here.
    """
    _check_spec(spec, caf)
    tipo = spec.tipo
    gross = spec.uses_gross_prices
    totals = compute_totals(tipo, spec.lines, spec.global_discounts, gross=gross, shelf_total=spec.shelf_total)
    if tipo.is_boleta and totals.total < 1:
        raise DocumentInvalid("El monto mínimo de una boleta es $1.")
    stamped_at = signed_at if signed_at is not None else spec.issued_at
    issued = spec.issued_at.astimezone(CHILE_TZ)

    doc_id = document_id(tipo, spec.folio)
    dte = etree.Element(sii("DTE"), nsmap={None: SII_NS}, version="1.0")  # type: ignore[dict-item]
    documento = etree.SubElement(dte, sii("Documento"), ID=doc_id)
    encabezado = etree.SubElement(documento, sii("Encabezado"))
    _id_doc(encabezado, spec, gross=gross, issued=issued)
    if tipo.is_boleta:
        _boleta_emisor(encabezado, spec.issuer)
        _boleta_receptor(encabezado, spec.buyer)
    else:
        _emisor(encabezado, spec.issuer)
        _receptor(encabezado, spec.buyer)
    _totales(encabezado, tipo, totals)
    for number, (line, amount) in enumerate(zip(spec.lines, totals.line_amounts, strict=True), start=1):
        _detalle(documento, tipo, number, line, amount, gross=gross)
    for number, discount in enumerate(spec.global_discounts, start=1):
        movement = etree.SubElement(documento, sii("DscRcgGlobal"))
        _add(movement, "NroLinDR", number)
        _add(movement, "TpoMov", "D")
        _add(movement, "GlosaDR", clean(discount.description, 45))
        _add(movement, "TpoValor", "%" if discount.percent else "$")
        _add(movement, "ValorDR", _decimal_text(Decimal(discount.value)))
        if discount.applies_to_exempt:
            _add(movement, "IndExeDR", 1)
    for number, reference in enumerate(spec.references, start=1):
        referencia = etree.SubElement(documento, sii("Referencia"))
        _add(referencia, "NroLinRef", number)
        _add(referencia, "TpoDocRef", clean(str(reference.tipo_doc), 3))
        _add(referencia, "FolioRef", clean(str(reference.folio), 18))
        if not tipo.is_boleta:  # BOLETADefType's Referencia has no FchRef
            _add(referencia, "FchRef", reference.fecha.isoformat())
        if reference.cod_ref is not None:
            _add(referencia, "CodRef", int(reference.cod_ref))
        _add(referencia, "RazonRef", clean(reference.razon, 90))

    ted = build_ted(
        TimbreData(
            rut_emisor=spec.issuer.rut,
            tipo_dte=int(tipo),
            folio=spec.folio,
            fecha_emision=issued.date(),
            rut_receptor=spec.buyer.rut,
            razon_social_receptor=spec.buyer.razon_social,
            monto_total=totals.total,
            primer_item=spec.lines[0].name,
            timestamp=stamped_at,
        ),
        caf,
    )
    documento.append(ted)
    _add(documento, "TmstFirma", chile_timestamp(stamped_at))
    return BuiltDocument(dte=dte, ted=ted, totals=totals, document_id=doc_id)


def _check_spec(spec: DocumentSpec, caf: Caf) -> None:
    tipo = spec.tipo
    if spec.issued_at.tzinfo is None or spec.issued_at.utcoffset() is None:
        raise ValueError("issued_at must be timezone-aware")
    if caf.tipo_dte != tipo:
        raise CafInvalid(f"El CAF es para documentos tipo {caf.tipo_dte}, no para {tipo.nombre.lower()} ({int(tipo)}).")
    if caf.rut_emisor != spec.issuer.rut:
        raise CafInvalid(f"El CAF es del RUT {caf.rut_emisor.formatted}, no del emisor {spec.issuer.rut.formatted}.")
    if not caf.covers(spec.folio):
        raise CafInvalid(
            f"El folio {spec.folio} no está autorizado por el CAF (folios {caf.folio_desde} a {caf.folio_hasta})."
        )
    if not clean(spec.issuer.razon_social, 100) or not clean(spec.issuer.giro, 80):
        raise DocumentInvalid("Faltan la razón social o el giro del emisor.")
    if not tipo.is_boleta:
        if not spec.issuer.acteco:
            raise DocumentInvalid("Falta el código de actividad económica (Acteco) del emisor.")
        if len(spec.issuer.acteco) > 4:
            raise DocumentInvalid("El SII admite hasta 4 códigos de actividad económica por documento.")
        if not clean(spec.issuer.direccion, 70) or not clean(spec.issuer.comuna, 20):
            raise DocumentInvalid("Faltan la dirección o la comuna del emisor.")
        _check_buyer(tipo, spec.buyer)
    if tipo.is_nota and not any(reference.cod_ref is not None for reference in spec.references):
        raise DocumentInvalid(
            f"Una {tipo.nombre.lower()} debe indicar el documento que corrige (una referencia con su código: "
            "anula, corrige texto o corrige montos)."
        )
    for discount in spec.global_discounts:
        if discount.percent and _decimal_places(Decimal(discount.value)) > _PERCENT_DECIMALS:
            raise DocumentInvalid("El porcentaje de descuento global admite hasta 2 decimales.")


def _check_buyer(tipo: TipoDTE, buyer: Buyer) -> None:
    if not clean(buyer.razon_social, 100):
        raise DocumentInvalid("Falta la razón social del receptor.")
    if buyer.is_anonymous:
        if tipo.is_nota:
            return  # a nota that corrects a boleta keeps the boleta's anonymous buyer
        raise DocumentInvalid(f"Una {tipo.nombre.lower()} necesita el RUT del cliente, no el RUT anónimo 66.666.666-6.")
    if not clean(buyer.giro, 40) or not clean(buyer.direccion, 70) or not clean(buyer.comuna, 20):
        raise DocumentInvalid("Faltan el giro, la dirección o la comuna del cliente.")


def _id_doc(encabezado: etree._Element, spec: DocumentSpec, *, gross: bool, issued: datetime) -> None:
    id_doc = etree.SubElement(encabezado, sii("IdDoc"))
    _add(id_doc, "TipoDTE", int(spec.tipo))
    _add(id_doc, "Folio", spec.folio)
    _add(id_doc, "FchEmis", issued.date().isoformat())
    if spec.tipo.is_boleta:
        _add(id_doc, "IndServicio", BOLETA_INDSERVICIO)
        if not gross:
            _add(id_doc, "IndMntNeto", 2)  # lines in net amounts, the exception on a boleta
    else:
        if gross:
            _add(id_doc, "MntBruto", 1)  # lines in gross amounts, e.g. a nota correcting a boleta
        if spec.payment_form is not None:
            _add(id_doc, "FmaPago", spec.payment_form)


def _boleta_emisor(encabezado: etree._Element, issuer: Issuer) -> None:
    emisor = etree.SubElement(encabezado, sii("Emisor"))
    _add(emisor, "RUTEmisor", issuer.rut.compact)
    _add(emisor, "RznSocEmisor", clean(issuer.razon_social, 100))
    _add(emisor, "GiroEmisor", clean(issuer.giro, 80))
    _add(emisor, "CdgSIISucur", issuer.sucursal_sii)
    _add(emisor, "DirOrigen", clean(issuer.direccion, 70))
    _add(emisor, "CmnaOrigen", clean(issuer.comuna, 20))
    _add(emisor, "CiudadOrigen", clean(issuer.ciudad, 20))


def _boleta_receptor(encabezado: etree._Element, buyer: Buyer) -> None:
    receptor = etree.SubElement(encabezado, sii("Receptor"))
    _add(receptor, "RUTRecep", buyer.rut.compact)
    _add(receptor, "RznSocRecep", clean(buyer.razon_social, 100))
    _add(receptor, "Contacto", clean(buyer.contacto, 80))
    _add(receptor, "CorreoRecep", clean(buyer.correo, 80))
    _add(receptor, "DirRecep", clean(buyer.direccion, 70))
    _add(receptor, "CmnaRecep", clean(buyer.comuna, 20))
    _add(receptor, "CiudadRecep", clean(buyer.ciudad, 20))


def _emisor(encabezado: etree._Element, issuer: Issuer) -> None:
    emisor = etree.SubElement(encabezado, sii("Emisor"))
    _add(emisor, "RUTEmisor", issuer.rut.compact)
    _add(emisor, "RznSoc", clean(issuer.razon_social, 100))
    _add(emisor, "GiroEmis", clean(issuer.giro, 80))
    _add(emisor, "Telefono", clean(issuer.telefono, 20))
    _add(emisor, "CorreoEmisor", clean(issuer.correo, 80))
    for code in issuer.acteco:
        _add(emisor, "Acteco", code)
    _add(emisor, "CdgSIISucur", issuer.sucursal_sii)
    _add(emisor, "DirOrigen", clean(issuer.direccion, 70))
    _add(emisor, "CmnaOrigen", clean(issuer.comuna, 20))
    _add(emisor, "CiudadOrigen", clean(issuer.ciudad, 20))


def _receptor(encabezado: etree._Element, buyer: Buyer) -> None:
    receptor = etree.SubElement(encabezado, sii("Receptor"))
    _add(receptor, "RUTRecep", buyer.rut.compact)
    _add(receptor, "RznSocRecep", clean(buyer.razon_social, 100))
    _add(receptor, "GiroRecep", clean(buyer.giro, 40))
    _add(receptor, "Contacto", clean(buyer.contacto, 80))
    _add(receptor, "CorreoRecep", clean(buyer.correo, 80))
    _add(receptor, "DirRecep", clean(buyer.direccion, 70))
    _add(receptor, "CmnaRecep", clean(buyer.comuna, 20))
    _add(receptor, "CiudadRecep", clean(buyer.ciudad, 20))


def _totales(encabezado: etree._Element, tipo: TipoDTE, totals: Totals) -> None:
    totales = etree.SubElement(encabezado, sii("Totales"))
    afecto = totals.has_afecto and not tipo.is_exenta
    if afecto:
        _add(totales, "MntNeto", totals.neto)
    if totals.exento or tipo.is_exenta:
        _add(totales, "MntExe", totals.exento)
    if afecto:
        if not tipo.is_boleta:
            _add(totales, "TasaIVA", _decimal_text(totals.iva_rate * 100))
        _add(totales, "IVA", totals.iva)
    for tax in totals.taxes:
        impuesto = etree.SubElement(totales, sii("ImptoReten"))
        _add(impuesto, "TipoImp", tax.code)
        _add(impuesto, "TasaImp", _decimal_text(tax.rate))
        _add(impuesto, "MontoImp", tax.amount)
    if totals.deposito:
        _add(totales, "GrntDep", totals.deposito)
    _add(totales, "MntTotal", totals.total)


def _detalle(documento: etree._Element, tipo: TipoDTE, number: int, line: Line, amount: int, *, gross: bool) -> None:
    detalle = etree.SubElement(documento, sii("Detalle"))
    _add(detalle, "NroLinDet", number)
    code = clean(line.code, 35)
    if code:
        cdg_item = etree.SubElement(detalle, sii("CdgItem"))
        _add(cdg_item, "TpoCodigo", clean(line.code_type, 10) or "INT1")
        _add(cdg_item, "VlrCodigo", code)
    _add(detalle, "IndExe", indicator(tipo, line))
    name = clean(line.name, 80)
    if not name:
        raise DocumentInvalid(f"La línea {number} no tiene nombre.")
    _add(detalle, "NmbItem", name)
    _add(detalle, "DscItem", clean(line.description, 1000))
    _add(detalle, "QtyItem", _decimal_text(quantity_decimal(line.quantity_milli)))
    _add(detalle, "UnmdItem", "KG" if line.weighed else clean(line.unit, 4))
    price = Decimal(line.unit_price)
    if price > 0:  # PrcItem must be positive; a zero line (a nota correcting text) carries MontoItem only
        _add(detalle, "PrcItem", _decimal_text(price))
    if line.discount:
        _add(detalle, "DescuentoMonto", line.discount)
    if not tipo.is_boleta and not gross and line.ila_code is not None and line.kind is LineKind.AFECTO:
        _add(detalle, "CodImpAdic", line.ila_code)
    _add(detalle, "MontoItem", amount)


def _add(parent: etree._Element, tag: str, value: str | int | None) -> None:
    """Appends <tag>value</tag> unless value is None or "" (optional elements are left out, never left empty)."""
    if value is None or value == "":
        return
    etree.SubElement(parent, sii(tag)).text = str(value)


def _decimal_text(value: Decimal) -> str:
    """A decimal as the schemas want it: plain digits, no exponent, no trailing zeros ("19", "1.25", "20.5")."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return str(normalized.quantize(Decimal(1)))
    return format(normalized, "f")


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0
