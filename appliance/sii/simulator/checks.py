"""What the simulated SII checks in an uploaded envelope, in the SII's order, with the SII's states.

1. The file is XML and follows its schema (EnvioDTE_v10 or EnvioBOLETA_v11)             → otherwise RSC
2. The envelope's signature (SetDTE) verifies and was made by RutEnvia's certificate      → otherwise RFR
3. The carátula: RutEmisor and RutEnvia are those of the upload form, RutReceptor is the SII,
   the SubTotDTE counts match the documents, every document is RutEmisor's                → otherwise RCT
4. Each document, taken out of the envelope: its signature, its timbre (TED) with its CAF's key, the CAF's FRMA with
   a trusted CAF-signing key (the SII's 100/300 or a local authority's), the CAF fits the document (company, type,
   folio range), the timbre's data match the document, the folio was not accepted before  → otherwise RCH
   plus reparos and rejections injected by folio                                        → RPR / RCH
The envelope is then EPR (processed) with per-type counts; EPR is not "all accepted".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import SII_RUT, InvalidRut, Rut
from appliance.core.text import is_digits
from appliance.sii.caf import verify_frma
from appliance.sii.canonical import localname, parse, serialize, without_namespaces
from appliance.sii.certificate import holder_rut
from appliance.sii.errors import CafInvalid, SignatureInvalid
from appliance.sii.schemas import SchemaKind, schema_errors
from appliance.sii.signature import verify_signature
from appliance.sii.ted import find_ted, verify_ted

DOK, RPR, RCH = "DOK", "RPR", "RCH"


@dataclass(frozen=True)
class DocumentRef:
    """A document as listed in an envelope, read leniently (even from an envelope that will be rejected)."""

    rut_emisor: str
    tipo: int
    folio: int

    @property
    def key(self) -> str:
        return f"{self.rut_emisor}/{self.tipo}/{self.folio}"


@dataclass(frozen=True)
class DocumentCheck:
    """The verdict on one document, and the data QueryEstDte compares."""

    ref: DocumentRef
    estado: str  # DOK, RPR, RCH
    errors: tuple[dict[str, object], ...] = ()
    fecha_emision: str = ""
    monto: int = 0
    rut_receptor: str = ""


@dataclass(frozen=True)
class EnvelopeCheck:
    """The verdict on an envelope: its final state, the SII's words, and each document's verdict when processed."""

    final_state: str  # EPR, RSC, RFR, RCT
    glosa: str
    errors: tuple[str, ...] = ()
    rut_emisor: str = ""
    rut_envia: str = ""
    documents: tuple[DocumentCheck, ...] = field(default_factory=tuple)

    @property
    def upload_status(self) -> int:
        """What DTEUpload answers when it checks at upload: 7 schema, 8 signature, else 0."""
        return {"RSC": 7, "RFR": 8}.get(self.final_state, 0)


@dataclass(frozen=True)
class Override:
    """A verdict forced on a folio (fault injection): RPR (reparo) or RCH, with the SII's text."""

    estado: str
    message: str


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def list_documents(data: bytes) -> tuple[DocumentRef, ...]:
    """Every DTE in an upload, as far as it can be read; nothing when it is not XML."""
    try:
        root = parse(data)
    except etree.XMLSyntaxError:
        return ()
    refs = []
    for node in root.iter():
        if isinstance(node.tag, str) and localname(node) == "DTE":
            tipo, folio, rut = _text(node, "TipoDTE"), _text(node, "Folio"), _text(node, "RUTEmisor")
            if is_digits(tipo) and is_digits(folio):
                refs.append(DocumentRef(rut_emisor=_rut_text(rut), tipo=int(tipo), folio=int(folio)))
    return tuple(refs)


def examine(
    data: bytes,
    *,
    boleta: bool,
    rut_sender: str,
    rut_company: str,
    trusted_caf_keys: Sequence[tuple[int, rsa.RSAPublicKey]],
    accepted_before: Callable[[DocumentRef], bool],
    overrides: Mapping[tuple[int, int], Override],
    now: datetime,
) -> EnvelopeCheck:
    kind = SchemaKind.ENVIO_BOLETA if boleta else SchemaKind.ENVIO_DTE
    expected_root = "EnvioBOLETA" if boleta else "EnvioDTE"
    try:
        root = parse(data)
    except etree.XMLSyntaxError as error:
        return EnvelopeCheck("RSC", "Rechazado por Error en Schema", (f"El archivo no es XML: {error}",))
    if localname(root) != expected_root:
        return EnvelopeCheck(
            "RSC", "Rechazado por Error en Schema", (f"Se esperaba <{expected_root}> y llegó <{localname(root)}>.",)
        )
    errors = schema_errors(kind, root)
    if errors:
        return EnvelopeCheck("RSC", "Rechazado por Error en Schema", errors[:20])

    caratula = _find(root, "SetDTE", "Caratula")
    rut_emisor = _rut_text(_text(caratula, "RutEmisor"))
    rut_envia = _rut_text(_text(caratula, "RutEnvia"))

    def rejected(state: str, glosa: str, reason: str) -> EnvelopeCheck:
        return EnvelopeCheck(state, glosa, (reason,), rut_emisor=rut_emisor, rut_envia=rut_envia)

    signed_at = _moment(_text(caratula, "TmstFirmaEnv"), now)
    try:
        verified = verify_signature(data, at=signed_at)
    except SignatureInvalid as error:
        return rejected("RFR", "Rechazado por Error en Firma", error.message)
    set_dte = _find(root, "SetDTE")
    if verified.reference_uri != f"#{set_dte.get('ID', '')}":
        return rejected("RFR", "Rechazado por Error en Firma", "La firma no cubre el SetDTE.")
    signer = holder_rut(verified.certificate) if verified.certificate is not None else None
    if signer is None or signer.compact != rut_envia:
        return rejected(
            "RFR", "Rechazado por Error en Firma", f"El certificado de la firma no es de RutEnvia {rut_envia}."
        )

    caratula_errors = _caratula_errors(root, caratula, rut_sender=rut_sender, rut_company=rut_company)
    if caratula_errors:
        return EnvelopeCheck(
            "RCT", "Rechazado por Error en Caratula", caratula_errors, rut_emisor=rut_emisor, rut_envia=rut_envia
        )

    documents = []
    seen: set[tuple[int, int]] = set()
    for dte in (child for child in set_dte if isinstance(child.tag, str) and localname(child) == "DTE"):
        check = _check_document(dte, rut_emisor, trusted_caf_keys, now)
        ref = check.ref
        if check.estado == DOK and ((ref.tipo, ref.folio) in seen or accepted_before(ref)):
            check = _rejected(check, "DTE", 2, "DTE Repetido: el folio ya fue recibido por el SII")
        seen.add((ref.tipo, ref.folio))
        override = overrides.get((ref.tipo, ref.folio))
        if override is not None and check.estado == DOK:
            level = 1 if override.estado == RPR else 3
            forced = {"seccion": "DET", "linea": 0, "nivel": level, "codigo": 900, "descripcion": override.message}
            check = DocumentCheck(
                ref=ref,
                estado=override.estado,
                errors=(forced,),
                fecha_emision=check.fecha_emision,
                monto=check.monto,
                rut_receptor=check.rut_receptor,
            )
        documents.append(check)
    return EnvelopeCheck(
        "EPR", "Envio Procesado", (), rut_emisor=rut_emisor, rut_envia=rut_envia, documents=tuple(documents)
    )


def _caratula_errors(
    root: etree._Element, caratula: etree._Element, *, rut_sender: str, rut_company: str
) -> tuple[str, ...]:
    errors = []
    rut_emisor = _rut_text(_text(caratula, "RutEmisor"))
    if _rut_text(_text(caratula, "RutEnvia")) != rut_sender:
        errors.append(f"RUT envia diferente al Upload ({_text(caratula, 'RutEnvia')} <> {rut_sender})")
    if rut_emisor != rut_company:
        errors.append(f"RUT emisor diferente al Upload ({_text(caratula, 'RutEmisor')} <> {rut_company})")
    if _rut_text(_text(caratula, "RutReceptor")) != SII_RUT.compact:
        errors.append(f"RUT receptor debe ser el SII ({SII_RUT.compact})")
    declared: dict[int, int] = {}
    for subtotal in (child for child in caratula if isinstance(child.tag, str) and localname(child) == "SubTotDTE"):
        declared[int(_text(subtotal, "TpoDTE") or 0)] = int(_text(subtotal, "NroDTE") or 0)
    actual: dict[int, int] = {}
    for node in root.iter():
        if isinstance(node.tag, str) and localname(node) == "DTE":
            tipo = int(_text(node, "TipoDTE") or 0)
            actual[tipo] = actual.get(tipo, 0) + 1
            if _rut_text(_text(node, "RUTEmisor")) != rut_emisor:
                errors.append(f"DTE tipo {tipo} folio {_text(node, 'Folio')} no es del RutEmisor de la carátula")
    if declared != actual:
        errors.append("Cantidad de documentos informados en la carátula (SubTotDTE) no coincide con el envío")
    return tuple(errors)


def _check_document(
    dte: etree._Element, rut_emisor: str, trusted: Sequence[tuple[int, rsa.RSAPublicKey]], now: datetime
) -> DocumentCheck:
    tipo, folio = int(_text(dte, "TipoDTE") or 0), int(_text(dte, "Folio") or 0)
    total_text = _text(dte, "MntTotal")
    check = DocumentCheck(
        ref=DocumentRef(rut_emisor=rut_emisor, tipo=tipo, folio=folio),
        estado=DOK,
        fecha_emision=_text(dte, "FchEmis"),
        monto=int(total_text) if is_digits(total_text) else 0,
        rut_receptor=_rut_text(_text(dte, "RUTRecep")),
    )
    documento = next((child for child in dte if isinstance(child.tag, str) and localname(child) == "Documento"), None)
    if documento is None:
        return _rejected(check, "DTE", 1, "DTE sin Documento")

    # Each DTE was signed on its own: verify it out of the envelope, without the envelope's xmlns:xsi (NOTES §5).
    standalone = etree.fromstring(etree.tostring(dte, with_tail=False))
    etree.cleanup_namespaces(standalone)
    own = etree.tostring(standalone, encoding="ISO-8859-1", xml_declaration=True)
    assert isinstance(own, bytes)  # an explicit encoding always gives bytes
    try:
        verified = verify_signature(own, at=_moment(_text(documento, "TmstFirma"), now))
    except SignatureInvalid as error:
        return _rejected(check, "FRM", 3, "Firma del DTE Incorrecta", error.message)
    if verified.reference_uri != f"#{documento.get('ID', '')}":
        return _rejected(check, "FRM", 3, "Firma del DTE Incorrecta", "la firma no cubre el Documento")

    try:
        ted = find_ted(documento)
        verify_ted(ted)
    except SignatureInvalid as error:
        return _rejected(check, "TED", 4, "Timbre Electronico (TED) Incorrecto", error.message)
    caf = next((node for node in ted.iter() if isinstance(node.tag, str) and localname(node) == "CAF"), None)
    if caf is None:
        return _rejected(check, "CAF", 5, "Timbre sin CAF")
    caf_xml = serialize(without_namespaces(caf))
    if not _caf_trusted(caf_xml, trusted):
        return _rejected(
            check, "CAF", 6, "CAF no Autorizado: la firma del SII en el CAF no es valida o su llave no es del SII"
        )
    da_rut = _rut_text(_text(caf, "RE"))
    da_tipo, low, high = _text(caf, "TD"), _text(caf, "D"), _text(caf, "H")
    if da_rut != rut_emisor or da_tipo != str(tipo):
        return _rejected(check, "CAF", 7, "CAF no corresponde al emisor o al tipo de documento")
    if not (is_digits(low) and is_digits(high) and int(low) <= folio <= int(high)):
        return _rejected(check, "CAF", 8, "Folio fuera del rango autorizado por el CAF", f"{folio} no en {low}-{high}")
    dd = next(node for node in ted if isinstance(node.tag, str) and localname(node) == "DD")
    if (
        _rut_text(_text(dd, "RE", direct=True)) != rut_emisor
        or _text(dd, "TD", direct=True) != str(tipo)
        or _text(dd, "F", direct=True) != str(folio)
        or _text(dd, "MNT", direct=True) != total_text
    ):
        return _rejected(check, "TED", 9, "Datos del Timbre no coinciden con el Documento")
    return check


def _caf_trusted(caf_xml: bytes, trusted: Sequence[tuple[int, rsa.RSAPublicKey]]) -> bool:
    # Several local authorities may share an IDK: try every key given for it.
    for idk, key in trusted:
        try:
            verify_frma(caf_xml, {idk: key})
        except CafInvalid:
            continue
        return True
    return False


def _rejected(check: DocumentCheck, seccion: str, codigo: int, descripcion: str, detalle: str = "") -> DocumentCheck:
    error: dict[str, object] = {"seccion": seccion, "linea": 0, "nivel": 3, "codigo": codigo}
    error["descripcion"] = descripcion
    error["detalle"] = detalle or None
    return DocumentCheck(
        ref=check.ref,
        estado=RCH,
        errors=(error,),
        fecha_emision=check.fecha_emision,
        monto=check.monto,
        rut_receptor=check.rut_receptor,
    )


def _find(parent: etree._Element, *path: str) -> etree._Element:
    node = parent
    for name in path:
        found = next((child for child in node if isinstance(child.tag, str) and localname(child) == name), None)
        if found is None:
            raise ValueError(f"<{name}> missing")  # the schema guarantees it
        node = found
    return node


def _text(parent: etree._Element, name: str, *, direct: bool = False) -> str:
    nodes = parent if direct else parent.iter()
    for node in nodes:
        if isinstance(node.tag, str) and localname(node) == name:
            return (node.text or "").strip()
    return ""


def _rut_text(text: str) -> str:
    try:
        return Rut.parse(text).compact
    except InvalidRut:
        return text.strip().upper()


def _moment(text: str, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=CHILE_TZ)
    except ValueError:
        return default
