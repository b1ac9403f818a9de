"""The envelopes that carry signed documents to the SII: EnvioBOLETA v1.1 (boletas) and EnvioDTE v1.0 (the rest).

The signed DTEs go in byte for byte, exactly as `sign_document` returned them (NOTES §5): the envelope is assembled
as bytes around them, its SetDTE is signed in its final place, and the result is validated against the bundled
schema before it is returned. Files are ISO-8859-1 with the XML declaration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from lxml import etree

from appliance.core.rut import SII_RUT, InvalidRut, Rut
from appliance.core.text import is_digits
from appliance.sii.canonical import ENCODING, SII_NS, XSI_NS, localname, parse_latin1, sii
from appliance.sii.certificate import Certificate
from appliance.sii.errors import DocumentInvalid
from appliance.sii.schemas import SchemaKind, validate
from appliance.sii.signature import sign_envelope
from appliance.sii.ted import chile_timestamp

MAX_BOLETAS_PER_ENVELOPE = 500
MAX_DTES_PER_ENVELOPE = 2000
# SubTotDTE occurrences the schemas allow.
_MAX_SUBTOTALS = {SchemaKind.ENVIO_BOLETA: 2, SchemaKind.ENVIO_DTE: 20}

BOLETA_TYPES = frozenset({39, 41})
# DOCType in SiiTypes_v10: what an EnvioDTE may carry.
ENVIO_DTE_TYPES = frozenset({33, 34, 43, 46, 52, 56, 61, 110, 111, 112})


class EnvelopeKind(StrEnum):
    ENVIO_BOLETA = "EnvioBOLETA"
    ENVIO_DTE = "EnvioDTE"

    @property
    def schema(self) -> SchemaKind:
        return SchemaKind.ENVIO_BOLETA if self is EnvelopeKind.ENVIO_BOLETA else SchemaKind.ENVIO_DTE

    @property
    def schema_file(self) -> str:
        return self.schema.value

    @property
    def max_documents(self) -> int:
        return MAX_BOLETAS_PER_ENVELOPE if self is EnvelopeKind.ENVIO_BOLETA else MAX_DTES_PER_ENVELOPE


def envelope_kind(tipo_dte: int) -> EnvelopeKind:
    """Which envelope a document type travels in (NOTES §1)."""
    if tipo_dte in BOLETA_TYPES:
        return EnvelopeKind.ENVIO_BOLETA
    if tipo_dte in ENVIO_DTE_TYPES:
        return EnvelopeKind.ENVIO_DTE
    raise DocumentInvalid(f"El tipo de documento {tipo_dte} no se envía al SII en un EnvioBOLETA ni en un EnvioDTE.")


def build_envelope(
    signed_dtes: Sequence[bytes],
    *,
    rut_emisor: Rut,
    fecha_resolucion: date,
    numero_resolucion: int,
    cert: Certificate,
    now: datetime,
) -> bytes:
    """A signed EnvioBOLETA or EnvioDTE, chosen by the documents' types (which must all travel in the same one).

    `fecha_resolucion` and `numero_resolucion` are the SII resolution that authorised the company (FchResol,
    NroResol; in certificación the number is 0). RutEnvia is the certificate's holder; RutReceptor the SII.
    """
    if not signed_dtes:
        raise DocumentInvalid("No hay documentos para enviar.")
    infos = [_dte_info(dte) for dte in signed_dtes]
    kinds = {envelope_kind(tipo) for tipo, _rut in infos}
    if len(kinds) != 1:
        raise DocumentInvalid(
            "Las boletas se envían en un EnvioBOLETA y los demás documentos en un EnvioDTE: sepárelos."
        )
    kind = kinds.pop()
    if len(signed_dtes) > kind.max_documents:
        raise DocumentInvalid(
            f"Un {kind.value} admite hasta {kind.max_documents} documentos; se intentó enviar {len(signed_dtes)}."
        )
    for _tipo, rut in infos:
        if rut != rut_emisor:
            raise DocumentInvalid(f"Hay un documento del emisor {rut.formatted} en un envío de {rut_emisor.formatted}.")
    counts = Counter(tipo for tipo, _rut in infos)
    if len(counts) > _MAX_SUBTOTALS[kind.schema]:
        raise DocumentInvalid(f"Un {kind.value} admite hasta {_MAX_SUBTOTALS[kind.schema]} tipos de documento.")

    subtotals = "".join(
        f"<SubTotDTE><TpoDTE>{tipo}</TpoDTE><NroDTE>{counts[tipo]}</NroDTE></SubTotDTE>" for tipo in sorted(counts)
    )
    # Every value below is a RUT, a date or a number: nothing that needs escaping.
    head = (
        f'<?xml version="1.0" encoding="{ENCODING}"?>\n'
        f'<{kind.value} xmlns="{SII_NS}" xmlns:xsi="{XSI_NS}" '
        f'xsi:schemaLocation="{SII_NS} {kind.schema_file}" version="1.0">'
        '<SetDTE ID="SetDoc">'
        '<Caratula version="1.0">'
        f"<RutEmisor>{rut_emisor.compact}</RutEmisor>"
        f"<RutEnvia>{cert.rut.compact}</RutEnvia>"
        f"<RutReceptor>{SII_RUT.compact}</RutReceptor>"
        f"<FchResol>{fecha_resolucion.isoformat()}</FchResol>"
        f"<NroResol>{int(numero_resolucion)}</NroResol>"
        f"<TmstFirmaEnv>{chile_timestamp(now)}</TmstFirmaEnv>"
        f"{subtotals}"
        "</Caratula>\n"
    ).encode("ascii")
    tail = f"</SetDTE></{kind.value}>\n".encode("ascii")
    unsigned = head + b"\n".join(signed_dtes) + b"\n" + tail
    signed = sign_envelope(unsigned, cert, now=now)
    validate(kind.schema, signed)
    return signed


def build_envio_boleta(
    signed_dtes: Sequence[bytes],
    *,
    rut_emisor: Rut,
    fecha_resolucion: date,
    numero_resolucion: int,
    cert: Certificate,
    now: datetime,
) -> bytes:
    """A signed EnvioBOLETA v1.1 with up to 500 boletas (39/41)."""
    _require(signed_dtes, EnvelopeKind.ENVIO_BOLETA)
    return build_envelope(
        signed_dtes,
        rut_emisor=rut_emisor,
        fecha_resolucion=fecha_resolucion,
        numero_resolucion=numero_resolucion,
        cert=cert,
        now=now,
    )


def build_envio_dte(
    signed_dtes: Sequence[bytes],
    *,
    rut_emisor: Rut,
    fecha_resolucion: date,
    numero_resolucion: int,
    cert: Certificate,
    now: datetime,
) -> bytes:
    """A signed EnvioDTE v1.0 (facturas, notas…)."""
    _require(signed_dtes, EnvelopeKind.ENVIO_DTE)
    return build_envelope(
        signed_dtes,
        rut_emisor=rut_emisor,
        fecha_resolucion=fecha_resolucion,
        numero_resolucion=numero_resolucion,
        cert=cert,
        now=now,
    )


def _require(signed_dtes: Sequence[bytes], kind: EnvelopeKind) -> None:
    for dte in signed_dtes:
        tipo, _rut = _dte_info(dte)
        if envelope_kind(tipo) is not kind:
            raise DocumentInvalid(f"Un documento tipo {tipo} no va en un {kind.value}.")


def _dte_info(dte: bytes) -> tuple[int, Rut]:
    """TipoDTE and RUTEmisor of a signed DTE, which must be the bytes `sign_document` returned."""
    if dte.lstrip().startswith(b"<?xml"):
        raise ValueError("embed the signed DTE without its XML declaration, as sign_document returns it")
    try:
        root = parse_latin1(dte)
    except etree.XMLSyntaxError as error:
        raise DocumentInvalid(f"Un documento a enviar no es XML válido: {error}") from error
    signed = any(isinstance(child.tag, str) and localname(child) == "Signature" for child in root)
    if root.tag != sii("DTE") or not signed:
        raise DocumentInvalid("Solo se pueden enviar documentos firmados (<DTE> con su <Signature>).")
    tipo = root.findtext(f"{sii('Documento')}/{sii('Encabezado')}/{sii('IdDoc')}/{sii('TipoDTE')}")
    rut = root.findtext(f"{sii('Documento')}/{sii('Encabezado')}/{sii('Emisor')}/{sii('RUTEmisor')}")
    if tipo is None or not is_digits(tipo) or rut is None:
        raise DocumentInvalid("Un documento a enviar no indica su tipo o su emisor.")
    try:
        return int(tipo), Rut.parse(rut)
    except InvalidRut as error:
        raise DocumentInvalid(f"Un documento a enviar tiene un RUT de emisor inválido: {error.message}") from error
