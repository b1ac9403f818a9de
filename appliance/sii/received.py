"""Reading a supplier's DTE (a factura or nota received by the shop) and checking that it is genuine.

Suppliers' files differ (NOTES §8): some were signed with the SII namespace and are delivered without it (the SII's
free portal strips it), others were signed without any. So each Documento's signature is tried as delivered and
with the namespace toggled (restored when missing, removed when present); it is genuine if either verifies. The
timbre (TED) is checked with the CAF key it carries, and the CAF itself with the SII's keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import InvalidRut, Rut
from appliance.core.text import is_digits
from appliance.sii.caf import sii_signer_keys, verify_frma
from appliance.sii.canonical import SII_NS, localname, parse, serialize, without_namespaces
from appliance.sii.certificate import holder_rut
from appliance.sii.errors import CafInvalid, DocumentInvalid, SignatureInvalid
from appliance.sii.signature import verify_signature
from appliance.sii.ted import find_ted, verify_ted

AS_DELIVERED = "tal como llegó"
NAMESPACE_RESTORED = "con el namespace del SII restituido"
NAMESPACE_REMOVED = "sin el namespace del SII"

_SII_XMLNS = f' xmlns="{SII_NS}"'.encode("ascii")
_DTE_START = re.compile(rb"<DTE(?=[\s>/])")
_SII_XMLNS_ATTRIBUTE = re.compile(rb'\s+xmlns\s*=\s*["\']' + re.escape(SII_NS.encode("ascii")) + rb'["\']')


@dataclass(frozen=True)
class ReceivedLine:
    number: int
    name: str
    quantity: Decimal | None
    unit: str
    unit_price: Decimal | None
    amount: int
    exempt: bool


@dataclass(frozen=True)
class ReceivedDocument:
    """One received document and the verdict on it. `reason` (Spanish) says why it is not valid."""

    document_id: str
    tipo: int
    folio: int
    fecha_emision: date
    emisor_rut: Rut
    emisor_razon_social: str
    receptor_rut: Rut | None
    neto: int
    exento: int
    iva: int
    total: int
    lines: tuple[ReceivedLine, ...]
    signature_valid: bool
    signature_form: str | None  # which form verified: AS_DELIVERED, NAMESPACE_RESTORED or NAMESPACE_REMOVED
    signer_rut: Rut | None  # the RUT in the signing certificate
    ted_valid: bool
    caf_signed_by_sii: bool  # the CAF in the timbre carries a valid FRMA by the SII (IDK 100 or 300)
    reason: str | None
    xml: bytes  # the DTE on its own, as delivered

    @property
    def valid(self) -> bool:
        return self.signature_valid and self.ted_valid


def read_received(data: bytes) -> tuple[ReceivedDocument, ...]:
    """Every DTE in a received file (a lone `<DTE>` or an `<EnvioDTE>`), each checked. Raises if it is neither."""
    try:
        root = parse(data)
    except etree.XMLSyntaxError as error:
        raise DocumentInvalid(f"El archivo recibido no es XML válido: {error}") from error
    name = localname(root)
    if name == "DTE":
        return (_read_dte(data, root),)
    if name == "EnvioDTE":
        documents = []
        for dte in root.iter():
            if isinstance(dte.tag, str) and localname(dte) == "DTE":
                standalone = etree.fromstring(etree.tostring(dte, with_tail=False))
                # The envelope's xmlns:xsi is inherited by each DTE but was not there when the DTE was signed.
                etree.cleanup_namespaces(standalone)
                own = etree.tostring(standalone, encoding="ISO-8859-1", xml_declaration=True)
                assert isinstance(own, bytes)  # an explicit encoding always gives bytes
                documents.append(_read_dte(own, parse(own)))
        if not documents:
            raise DocumentInvalid("El EnvioDTE recibido no contiene documentos.")
        return tuple(documents)
    raise DocumentInvalid(f"El archivo recibido no es un DTE ni un EnvioDTE (empieza con <{name}>).")


def _read_dte(data: bytes, root: etree._Element) -> ReceivedDocument:
    documento = _child(root, "Documento")
    encabezado = _child(documento, "Encabezado")
    id_doc = _child(encabezado, "IdDoc")
    emisor = _child(encabezado, "Emisor")
    receptor = _find(encabezado, "Receptor")
    totales = _child(encabezado, "Totales")
    signed_at = _signing_moment(documento, id_doc)

    signature_valid, form, signer, reason = _verify_both_ways(data, documento.get("ID", ""), signed_at)
    ted_valid, caf_ok, ted_reason = _check_ted(documento)
    return ReceivedDocument(
        document_id=documento.get("ID", ""),
        tipo=_int(id_doc, "TipoDTE"),
        folio=_int(id_doc, "Folio"),
        fecha_emision=_date(id_doc, "FchEmis"),
        emisor_rut=_rut(emisor, "RUTEmisor"),
        emisor_razon_social=_text(emisor, "RznSoc") or _text(emisor, "RznSocEmisor"),
        receptor_rut=_rut(receptor, "RUTRecep") if receptor is not None else None,
        neto=_amount(totales, "MntNeto"),
        exento=_amount(totales, "MntExe"),
        iva=_amount(totales, "IVA"),
        total=_amount(totales, "MntTotal"),
        lines=tuple(_line(detalle) for detalle in documento if _is(detalle, "Detalle")),
        signature_valid=signature_valid,
        signature_form=form,
        signer_rut=signer,
        ted_valid=ted_valid,
        caf_signed_by_sii=caf_ok,
        reason=reason or ted_reason,
        xml=data,
    )


def _verify_both_ways(
    data: bytes, document_id: str, signed_at: datetime
) -> tuple[bool, str | None, Rut | None, str | None]:
    if _SII_XMLNS_ATTRIBUTE.search(data):
        variants = ((AS_DELIVERED, data), (NAMESPACE_REMOVED, _SII_XMLNS_ATTRIBUTE.sub(b"", data)))
    else:
        variants = ((AS_DELIVERED, data), (NAMESPACE_RESTORED, _DTE_START.sub(b"<DTE" + _SII_XMLNS, data, count=1)))
    first_reason: str | None = None
    for form, variant in variants:
        try:
            verified = verify_signature(variant, at=signed_at)
        except SignatureInvalid as error:
            first_reason = first_reason or error.message
            continue
        except etree.XMLSyntaxError:  # pragma: no cover - the variants differ from a parsed file by one attribute
            continue
        if verified.reference_uri != f"#{document_id}":
            first_reason = first_reason or "La firma no corresponde a este documento (firma otro elemento)."
            continue
        signer = holder_rut(verified.certificate) if verified.certificate is not None else None
        return True, form, signer, None
    return False, None, None, first_reason


def _check_ted(documento: etree._Element) -> tuple[bool, bool, str | None]:
    try:
        ted = find_ted(documento)
        verify_ted(ted)
    except SignatureInvalid as error:
        return False, False, error.message
    return True, _caf_signed_by_sii(ted), None


def _caf_signed_by_sii(ted: etree._Element) -> bool:
    caf = next((node for node in ted.iter() if isinstance(node.tag, str) and localname(node) == "CAF"), None)
    if caf is None:
        return False
    sii_keys = {**sii_signer_keys("certificacion"), **sii_signer_keys("produccion")}
    try:
        verify_frma(serialize(without_namespaces(caf)), sii_keys)
    except CafInvalid:
        return False
    return True


def _signing_moment(documento: etree._Element, id_doc: etree._Element) -> datetime:
    # The signer's certificate must have been valid when it signed, not today: received files are kept for years.
    stamp = _text(documento, "TmstFirma")
    try:
        return datetime.fromisoformat(stamp).replace(tzinfo=CHILE_TZ)
    except ValueError:
        return datetime.combine(_date(id_doc, "FchEmis"), datetime.min.time().replace(hour=12), tzinfo=CHILE_TZ)


def _line(detalle: etree._Element) -> ReceivedLine:
    return ReceivedLine(
        number=_int(detalle, "NroLinDet"),
        name=_text(detalle, "NmbItem"),
        quantity=_decimal(detalle, "QtyItem"),
        unit=_text(detalle, "UnmdItem"),
        unit_price=_decimal(detalle, "PrcItem"),
        amount=_amount(detalle, "MontoItem"),
        exempt=_text(detalle, "IndExe") in {"1", "3"},
    )


def _is(element: etree._Element, name: str) -> bool:
    return isinstance(element.tag, str) and localname(element) == name


def _find(parent: etree._Element, name: str) -> etree._Element | None:
    return next((child for child in parent if _is(child, name)), None)


def _child(parent: etree._Element, name: str) -> etree._Element:
    child = _find(parent, name)
    if child is None:
        raise DocumentInvalid(f"El documento recibido no es un DTE válido: le falta <{name}>.")
    return child


def _text(parent: etree._Element, name: str) -> str:
    child = _find(parent, name)
    return (child.text or "").strip() if child is not None else ""


def _int(parent: etree._Element, name: str) -> int:
    text = _text(parent, name)
    if not is_digits(text):
        raise DocumentInvalid(f"El documento recibido no es un DTE válido: <{name}> debería ser un número.")
    return int(text)


def _amount(parent: etree._Element, name: str) -> int:
    text = _text(parent, name)
    try:
        return int(Decimal(text)) if text else 0
    except InvalidOperation as error:
        raise DocumentInvalid(f"El documento recibido tiene un monto inválido en <{name}>: «{text}».") from error


def _decimal(parent: etree._Element, name: str) -> Decimal | None:
    text = _text(parent, name)
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _date(parent: etree._Element, name: str) -> date:
    text = _text(parent, name)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise DocumentInvalid(f"El documento recibido tiene una fecha inválida en <{name}>: «{text}».") from error


def _rut(parent: etree._Element, name: str) -> Rut:
    text = _text(parent, name)
    try:
        return Rut.parse(text)
    except InvalidRut as error:
        raise DocumentInvalid(f"El documento recibido tiene un RUT inválido en <{name}>: «{text}».") from error
