"""The timbre electrónico (TED): the data that identifies a document, signed with its CAF's key (NOTES §6).

`<TED version="1.0"><DD>RE TD F FE RR RSR MNT IT1 <CAF/> TSTED</DD><FRMT algoritmo="SHA1withRSA">…</FRMT></TED>`.
FRMT is RSA PKCS#1 v1.5 with SHA-1 over the flattened DD (no namespace declarations, whitespace between tags
removed, ISO-8859-1), signed with the CAF's private key; whoever holds the printed boleta can check it with the
RSAPK inside the CAF.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import Rut
from appliance.core.text import to_latin1_safe, truncate
from appliance.sii.caf import Caf
from appliance.sii.canonical import SII_NS, flatten, localname, parse_latin1, sii
from appliance.sii.errors import SignatureInvalid

# RSR and IT1 are cut at 40 characters (NOTES §6), before any XML escaping.
TED_TEXT_LENGTH = 40
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class TimbreData:
    """What the DD says about the document."""

    rut_emisor: Rut
    tipo_dte: int
    folio: int
    fecha_emision: date
    rut_receptor: Rut
    razon_social_receptor: str
    monto_total: int
    primer_item: str
    timestamp: datetime  # TSTED, written in Chile local time


def chile_timestamp(moment: datetime) -> str:
    """AAAA-MM-DDTHH:MM:SS in Chile local time, as TSTED, TmstFirma and TmstFirmaEnv are written."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is needed")
    return moment.astimezone(CHILE_TZ).strftime(TIMESTAMP_FORMAT)


def ted_text(value: str) -> str:
    """RSR and IT1: Latin-1, one line, at most 40 characters."""
    return truncate(" ".join(to_latin1_safe(value).split()), TED_TEXT_LENGTH).rstrip()


def build_ted(data: TimbreData, caf: Caf) -> etree._Element:
    """The signed `<TED>` element, in the SII namespace, ready to go into a Documento after its Referencias."""
    ted = etree.Element(sii("TED"), nsmap={None: SII_NS}, version="1.0")  # type: ignore[dict-item]
    dd = etree.SubElement(ted, sii("DD"))
    for tag, text in (
        ("RE", data.rut_emisor.compact),
        ("TD", str(data.tipo_dte)),
        ("F", str(data.folio)),
        ("FE", data.fecha_emision.isoformat()),
        ("RR", data.rut_receptor.compact),
        ("RSR", ted_text(data.razon_social_receptor)),
        ("MNT", str(data.monto_total)),
        ("IT1", ted_text(data.primer_item)),
    ):
        etree.SubElement(dd, sii(tag)).text = text
    dd.append(caf_in_sii_namespace(caf))
    etree.SubElement(dd, sii("TSTED")).text = chile_timestamp(data.timestamp)
    signature = caf.private_key.sign(flatten(dd), padding.PKCS1v15(), hashes.SHA1())
    frmt = etree.SubElement(ted, sii("FRMT"), algoritmo="SHA1withRSA")
    frmt.text = base64.b64encode(signature).decode("ascii")
    return ted


def caf_in_sii_namespace(caf: Caf) -> etree._Element:
    """The CAF element as cut from its file (whitespace included), moved into the SII namespace."""
    element = parse_latin1(caf.caf_xml)
    for node in element.iter():
        if isinstance(node.tag, str):
            node.tag = sii(etree.QName(node).localname)
    return element


def ted_public_key(ted: etree._Element) -> rsa.RSAPublicKey:
    """The RSAPK of the CAF inside a timbre: the key its FRMT must verify with."""
    rsapk = _find(ted, "DD", "CAF", "DA", "RSAPK")
    modulus = int.from_bytes(_b64(_text(_find(rsapk, "M"))), "big")
    exponent = int.from_bytes(_b64(_text(_find(rsapk, "E"))), "big")
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def verify_ted(ted: etree._Element, public_key: rsa.RSAPublicKey | None = None) -> None:
    """Raises `SignatureInvalid` unless FRMT is a valid signature of the DD by `public_key` (default: the CAF's)."""
    key = public_key if public_key is not None else ted_public_key(ted)
    dd = _find(ted, "DD")
    frmt = _b64(_text(_find(ted, "FRMT")))
    try:
        key.verify(frmt, flatten(dd), padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature as error:
        raise SignatureInvalid(
            "El timbre electrónico (TED) no es válido: los datos del documento fueron alterados."
        ) from error


def ted_for_pdf417(ted: etree._Element) -> bytes:
    """What the PDF417 on the printed document encodes: the TED (never TmstFirma), flattened, ISO-8859-1."""
    if localname(ted) != "TED":
        raise ValueError("ted_for_pdf417 needs the <TED> element")
    return flatten(ted)


def find_ted(documento_or_dte: etree._Element) -> etree._Element:
    """The TED inside a DTE or Documento, whatever its namespace."""
    for node in documento_or_dte.iter():
        if isinstance(node.tag, str) and localname(node) == "TED":
            return node
    raise SignatureInvalid("El documento no tiene timbre electrónico (TED).")


def _find(parent: etree._Element, *path: str) -> etree._Element:
    node = parent
    for name in path:
        found = next((child for child in node if isinstance(child.tag, str) and localname(child) == name), None)
        if found is None:
            raise SignatureInvalid(f"El timbre electrónico (TED) está incompleto: le falta <{name}>.")
        node = found
    return node


def _text(element: etree._Element) -> str:
    return element.text or ""


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error as error:
        raise SignatureInvalid("El timbre electrónico (TED) está dañado: una firma no está en base64.") from error
