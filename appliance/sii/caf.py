"""The CAF (Código de Autorización de Folios): the SII's authorisation of a folio range, and its key for timbres.

A CAF file is `<AUTORIZACION><CAF version="1.0"><DA>…</DA><FRMA>…</FRMA></CAF><RSASK>PEM</RSASK>
<RSAPUBK>PEM</RSAPUBK></AUTORIZACION>`. `parse_caf` reads it; `verify_caf` decides whether the box may use it
(NOTES §6). The `<CAF>` element is copied verbatim into every timbre stamped with it.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from appliance.core.rut import InvalidRut, Rut
from appliance.core.text import is_digits
from appliance.sii.canonical import flatten, localname, parse, parse_latin1, serialize
from appliance.sii.doctypes import EXPIRING_CAF_TYPES, nombre_tipo
from appliance.sii.errors import CafInvalid

KEY_DIR = Path(__file__).resolve().parent / "keys"

# The SII keys that sign CAFs, by IDK: 100 in certificación (maullin), 300 in producción (palena).
IDK_CERTIFICACION = 100
IDK_PRODUCCION = 300

Ambiente = Literal["certificacion", "produccion"]

_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_DECLARED_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_CAF_ELEMENT = re.compile(rb"<CAF[\s>].*?</CAF\s*>", re.DOTALL)


@dataclass(frozen=True)
class Caf:
    """A parsed CAF. `caf_xml` is the `<CAF>…</CAF>` element exactly as in the file (ISO-8859-1)."""

    rut_emisor: Rut
    razon_social: str
    tipo_dte: int
    folio_desde: int
    folio_hasta: int
    fecha_autorizacion: date
    modulus: int
    exponent: int
    idk: int
    frma: bytes = field(repr=False)
    caf_xml: bytes = field(repr=False)
    private_key: rsa.RSAPrivateKey = field(repr=False, compare=False)

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        """RSAPK: the key that verifies every timbre stamped with this CAF."""
        return rsa.RSAPublicNumbers(self.exponent, self.modulus).public_key()

    @property
    def expires_on(self) -> date | None:
        """The last day the CAF may be used, or None for types whose CAFs never expire (boletas)."""
        if self.tipo_dte not in EXPIRING_CAF_TYPES:
            return None
        return add_months(self.fecha_autorizacion, 6)

    def covers(self, folio: int) -> bool:
        return self.folio_desde <= folio <= self.folio_hasta

    def da_element(self) -> etree._Element:
        caf = parse_latin1(self.caf_xml)
        da = _child(caf, "DA")
        return da


def add_months(day: date, months: int) -> date:
    """`day` moved `months` calendar months ahead, clamped to the end of a shorter month (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_caf(data: bytes) -> Caf:
    """Reads a CAF file as the SII delivers it. Raises `CafInvalid` (in Spanish) when it is not one."""
    declaration = _DECLARATION.match(data)
    encoding = _DECLARED_ENCODING.search(declaration.group(0)) if declaration else None
    # The SII's CAF files are ISO-8859-1 and often say so nowhere; XML would default to UTF-8 and choke on "Ñ".
    body = data[declaration.end() :] if declaration else data
    try:
        root = parse(data) if encoding is not None else parse_latin1(body)
    except etree.XMLSyntaxError as error:
        raise CafInvalid(f"El archivo no es un CAF válido: no es XML ({error}).") from error

    if localname(root) != "AUTORIZACION":
        raise CafInvalid("El archivo no es un CAF: debe empezar con <AUTORIZACION>, como lo entrega el SII.")
    caf_element = _child(root, "CAF")
    da = _child(caf_element, "DA")
    try:
        rut = Rut.parse(_text(da, "RE"))
    except InvalidRut as error:
        raise CafInvalid(f"El RUT del CAF no es válido: {error.message}") from error
    rng = _child(da, "RNG")
    rsapk = da.find("RSAPK")
    if rsapk is None:
        raise CafInvalid("El CAF no trae una llave RSA (RSAPK); el sistema solo acepta CAF con llave RSA.")

    frma = _b64(_text(caf_element, "FRMA"), "FRMA")
    modulus = int.from_bytes(_b64(_text(rsapk, "M"), "RSAPK/M"), "big")
    exponent = int.from_bytes(_b64(_text(rsapk, "E"), "RSAPK/E"), "big")
    try:
        private_key = serialization.load_pem_private_key(_text(root, "RSASK").strip().encode("ascii"), None)
    except (ValueError, TypeError, UnicodeEncodeError) as error:
        raise CafInvalid("La llave privada del CAF (RSASK) no se puede leer: el archivo está dañado.") from error
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise CafInvalid("La llave privada del CAF (RSASK) no es una llave RSA.")

    return Caf(
        rut_emisor=rut,
        razon_social=_text(da, "RS"),
        tipo_dte=_int(da, "TD"),
        folio_desde=_int(rng, "D"),
        folio_hasta=_int(rng, "H"),
        fecha_autorizacion=_date(da, "FA"),
        modulus=modulus,
        exponent=exponent,
        idk=_int(da, "IDK"),
        frma=frma,
        caf_xml=_caf_bytes(data, caf_element, latin1=encoding is None or _is_latin1(encoding.group(1))),
        private_key=private_key,
    )


def verify_caf(
    caf: Caf,
    signer_keys: Mapping[int, rsa.RSAPublicKey],
    *,
    tipo_dte: int,
    rut_emisor: Rut,
    today: date,
) -> None:
    """Checks a CAF before the box accepts it (NOTES §6); raises `CafInvalid` saying what is wrong.

    `signer_keys` are the keys the box trusts to sign CAFs, by IDK: `sii_signer_keys("produccion")` in a real shop,
    a `LocalCafAuthority`'s keys in the demo and the tests.
    """
    verify_frma(caf.caf_xml, signer_keys)
    if caf.private_key.public_key().public_numbers() != rsa.RSAPublicNumbers(caf.exponent, caf.modulus):
        raise CafInvalid(
            "La llave privada del CAF (RSASK) no corresponde a su llave pública (RSAPK): el archivo fue alterado."
        )
    if caf.tipo_dte != tipo_dte:
        raise CafInvalid(
            f"El CAF es para {nombre_tipo(caf.tipo_dte)} (tipo {caf.tipo_dte}), "
            f"no para {nombre_tipo(tipo_dte)} (tipo {tipo_dte})."
        )
    if caf.rut_emisor != rut_emisor:
        raise CafInvalid(
            f"El CAF es de la empresa RUT {caf.rut_emisor.formatted}, no de esta empresa (RUT {rut_emisor.formatted})."
        )
    if not 1 <= caf.folio_desde <= caf.folio_hasta:
        raise CafInvalid(f"El rango de folios del CAF ({caf.folio_desde} a {caf.folio_hasta}) no es válido.")
    expires_on = caf.expires_on
    if expires_on is not None and today > expires_on:
        raise CafInvalid(
            f"El CAF venció el {expires_on:%d-%m-%Y}: los folios de {nombre_tipo(caf.tipo_dte)} vencen 6 meses "
            f"después de autorizados (el {caf.fecha_autorizacion:%d-%m-%Y}). Solicite un CAF nuevo en el SII."
        )


def verify_frma(caf_xml: bytes, signer_keys: Mapping[int, rsa.RSAPublicKey]) -> None:
    """Checks the SII's signature (FRMA) on a `<CAF>` element: SHA1withRSA over the flattened DA by the key of its IDK.

    Works on the CAF as found in a CAF file or inside any timbre. Raises `CafInvalid`.
    """
    try:
        caf = parse_latin1(caf_xml)
    except etree.XMLSyntaxError as error:
        raise CafInvalid(f"El CAF no es XML válido ({error}).") from error
    da = _child(caf, "DA")
    idk = _int(da, "IDK")
    signer = signer_keys.get(idk)
    if signer is None:
        trusted = ", ".join(str(key_id) for key_id in sorted(signer_keys)) or "ninguna"
        raise CafInvalid(
            f"El CAF fue firmado con la llave {idk} del SII, que no corresponde a este ambiente "
            f"(se aceptan: {trusted}). ¿Es un CAF de certificación usado en producción, o al revés?"
        )
    try:
        signer.verify(_b64(_text(caf, "FRMA"), "FRMA"), flatten(da), padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature as error:
        raise CafInvalid("La firma del SII en el CAF no es válida: el archivo fue alterado.") from error


@cache
def _bundled_key(idk: int) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key((KEY_DIR / f"{idk}.pubkey.pem").read_bytes())
    if not isinstance(key, rsa.RSAPublicKey):  # pragma: no cover - the bundled files are RSA keys
        raise TypeError(f"{idk}.pubkey.pem is not an RSA key")
    return key


def sii_signer_keys(ambiente: Ambiente) -> dict[int, rsa.RSAPublicKey]:
    """The SII's CAF-signing key for an environment: the only one a box in that environment should trust."""
    idk = IDK_PRODUCCION if ambiente == "produccion" else IDK_CERTIFICACION
    return {idk: _bundled_key(idk)}


def _child(parent: etree._Element, name: str) -> etree._Element:
    child = parent.find(name)
    if child is None:
        raise CafInvalid(f"El CAF no es válido: le falta <{name}>.")
    return child


def _text(parent: etree._Element, name: str) -> str:
    text = _child(parent, name).text
    if text is None or not text.strip():
        raise CafInvalid(f"El CAF no es válido: <{name}> está vacío.")
    return text.strip()


def _int(parent: etree._Element, name: str) -> int:
    text = _text(parent, name)
    if not is_digits(text):
        raise CafInvalid(f"El CAF no es válido: <{name}> debería ser un número y dice «{text}».")
    return int(text)


def _date(parent: etree._Element, name: str) -> date:
    text = _text(parent, name)
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CafInvalid(f"El CAF no es válido: <{name}> debería ser una fecha y dice «{text}».") from error


def _b64(text: str, name: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error as error:
        raise CafInvalid(f"El CAF no es válido: <{name}> no está en base64.") from error


def _is_latin1(encoding: bytes) -> bool:
    return encoding.decode("ascii").lower().replace("_", "-") in {"iso-8859-1", "latin-1", "latin1", "iso8859-1"}


def _caf_bytes(data: bytes, caf_element: etree._Element, *, latin1: bool) -> bytes:
    # Cut from the file itself so that the timbre carries exactly what the SII signed, whitespace and all.
    match = _CAF_ELEMENT.search(data)
    if latin1 and match is not None:
        return match.group(0)
    return serialize(caf_element)
