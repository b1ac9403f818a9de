"""EnvioBOLETA and EnvioDTE: schema-valid, signed in place, with the signed DTEs inside byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from appliance.core.rut import Rut
from appliance.sii.caf import Caf
from appliance.sii.canonical import parse, sii
from appliance.sii.certificate import Certificate
from appliance.sii.doctypes import TipoDTE
from appliance.sii.envelope import build_envelope, build_envio_boleta, build_envio_dte
from appliance.sii.errors import DocumentInvalid, SignatureInvalid
from appliance.sii.schemas import SchemaKind
from appliance.sii.service import issue_document
from appliance.sii.signature import check_own_signature, verify_signature
from appliance.sii.spec import CodRef, DocumentSpec, Line, LineKind, Reference
from tests.sii.support import (
    BUYER,
    COMPANY_RUT,
    HOLDER_RUT,
    ISSUER,
    NOW,
    assert_xmlsec_ok,
    shared_schema_errors,
    signxml_verify,
    with_declaration,
)

RESOLUTION = {"fecha_resolucion": date(2026, 1, 2), "numero_resolucion": 0}


def boletas(caf_for: Callable[[int], Caf], cert: Certificate) -> list[bytes]:
    specs = [
        DocumentSpec(
            tipo=TipoDTE.BOLETA,
            folio=folio,
            issued_at=NOW,
            issuer=ISSUER,
            lines=(
                Line(name="Palta hass", quantity_milli=750 + folio, unit_price=4990, weighed=True),
                Line(name="Envase 1,25 L vidrio", quantity_milli=1000, unit_price=400, kind=LineKind.DEPOSITO),
            ),
        )
        for folio in (101, 102)
    ]
    specs.append(
        DocumentSpec(
            tipo=TipoDTE.BOLETA_EXENTA,
            folio=101,
            issued_at=NOW,
            issuer=ISSUER,
            lines=(Line(name="Recarga celular", quantity_milli=1000, unit_price=3000, kind=LineKind.EXENTO),),
        )
    )
    return [issue_document(spec, caf_for(int(spec.tipo)), cert, NOW).signed_xml for spec in specs]


def dtes(caf_for: Callable[[int], Caf], cert: Certificate) -> list[bytes]:
    reference = Reference(tipo_doc=33, folio=201, fecha=NOW.date(), cod_ref=CodRef.CORRIGE_MONTOS, razon="Descuento")
    specs = [
        DocumentSpec(
            tipo=TipoDTE.FACTURA,
            folio=201,
            issued_at=NOW,
            issuer=ISSUER,
            buyer=BUYER,
            lines=(Line(name="Cerveza lager 350 cc x 24", quantity_milli=3000, unit_price=14000, ila_code=26),),
        ),
        DocumentSpec(
            tipo=TipoDTE.NOTA_CREDITO,
            folio=201,
            issued_at=NOW,
            issuer=ISSUER,
            buyer=BUYER,
            lines=(Line(name="Descuento por volumen", quantity_milli=1000, unit_price=2000, ila_code=26),),
            references=(reference,),
        ),
        DocumentSpec(
            tipo=TipoDTE.NOTA_DEBITO,
            folio=201,
            issued_at=NOW,
            issuer=ISSUER,
            buyer=BUYER,
            lines=(Line(name="Despacho", quantity_milli=1000, unit_price=3000),),
            references=(reference,),
        ),
    ]
    return [issue_document(spec, caf_for(int(spec.tipo)), cert, NOW).signed_xml for spec in specs]


def test_envio_boleta(caf_for: Callable[[int], Caf], cert: Certificate, tmp_path: Path) -> None:
    signed = boletas(caf_for, cert)
    envelope = build_envio_boleta(signed, rut_emisor=COMPANY_RUT, cert=cert, now=NOW, **RESOLUTION)  # type: ignore[arg-type]
    assert envelope.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<EnvioBOLETA ')
    assert shared_schema_errors(SchemaKind.ENVIO_BOLETA, envelope) == ()
    assert_xmlsec_ok(envelope, tmp_path, envelope=True)
    assert signxml_verify(envelope, cert.certificate).get("ID") == "SetDoc"
    for dte in signed:
        assert dte in envelope  # byte for byte
        assert_xmlsec_ok(with_declaration(dte), tmp_path)  # and, taken out on its own, still verifies
    root = parse(envelope)
    assert root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == (
        "http://www.sii.cl/SiiDte EnvioBOLETA_v11.xsd"
    )
    caratula = root.find(f"{sii('SetDTE')}/{sii('Caratula')}")
    assert caratula is not None
    assert caratula.findtext(sii("RutEmisor")) == COMPANY_RUT.compact
    assert caratula.findtext(sii("RutEnvia")) == HOLDER_RUT.compact
    assert caratula.findtext(sii("RutReceptor")) == "60803000-K"
    assert caratula.findtext(sii("FchResol")) == "2026-01-02"
    assert caratula.findtext(sii("NroResol")) == "0"
    assert caratula.findtext(sii("TmstFirmaEnv")) == "2026-03-10T12:30:15"
    subtotals = [
        (sub.findtext(sii("TpoDTE")), sub.findtext(sii("NroDTE"))) for sub in caratula.findall(sii("SubTotDTE"))
    ]
    assert subtotals == [("39", "2"), ("41", "1")]


def test_envio_dte(caf_for: Callable[[int], Caf], cert: Certificate, tmp_path: Path) -> None:
    signed = dtes(caf_for, cert)
    envelope = build_envio_dte(signed, rut_emisor=COMPANY_RUT, cert=cert, now=NOW, **RESOLUTION)  # type: ignore[arg-type]
    assert shared_schema_errors(SchemaKind.ENVIO_DTE, envelope) == ()
    assert_xmlsec_ok(envelope, tmp_path, envelope=True)
    assert verify_signature(envelope, at=NOW).reference_uri == "#SetDoc"
    for dte in signed:
        assert dte in envelope
    caratula = parse(envelope).find(f"{sii('SetDTE')}/{sii('Caratula')}")
    assert caratula is not None
    assert [sub.findtext(sii("TpoDTE")) for sub in caratula.findall(sii("SubTotDTE"))] == ["33", "56", "61"]


def test_the_envelope_check_after_signing_refuses_what_signxml_refuses(
    caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    """Envelopes are checked with the fast check (the SII queue signs them beside the counter): it must refuse a
    changed carátula, a changed DTE inside and a forged value, as signxml does."""
    envelope = build_envio_boleta(boletas(caf_for, cert), rut_emisor=COMPANY_RUT, cert=cert, now=NOW, **RESOLUTION)  # type: ignore[arg-type]
    assert check_own_signature(envelope, cert, parse_document=parse).tag == sii("EnvioBOLETA")
    start = envelope.rindex(b"<SignatureValue>") + len(b"<SignatureValue>")  # the envelope's own, the last
    flipped = b"A" if envelope[start : start + 1] != b"A" else b"B"
    for changed, reason in (
        (envelope.replace(b"<NroDTE>2</NroDTE>", b"<NroDTE>3</NroDTE>"), "modificado después de firmar"),
        (envelope.replace(b"<MntTotal>", b"<MntTotal>1", 1), "modificado después de firmar"),
        (envelope[:start] + flipped + envelope[start + 1 :], "valor de la firma"),
    ):
        assert changed != envelope
        with pytest.raises(SignatureInvalid, match=reason):
            check_own_signature(changed, cert, parse_document=parse)
        with pytest.raises(SignatureInvalid):
            verify_signature(changed, certificate=cert.certificate, at=NOW)


def test_tampered_envelope_fails(caf_for: Callable[[int], Caf], cert: Certificate, tmp_path: Path) -> None:
    envelope = build_envelope(
        dtes(caf_for, cert)[:1],
        rut_emisor=COMPANY_RUT,
        cert=cert,
        now=NOW,
        **RESOLUTION,  # type: ignore[arg-type]
    )
    tampered = envelope.replace(b"<NroResol>0</NroResol>", b"<NroResol>1</NroResol>")
    with pytest.raises(SignatureInvalid, match="modificado"):
        verify_signature(tampered, at=NOW)


def test_envelope_rules(caf_for: Callable[[int], Caf], cert: Certificate) -> None:
    boleta = boletas(caf_for, cert)[0]
    factura = dtes(caf_for, cert)[0]
    arguments = {"rut_emisor": COMPANY_RUT, "cert": cert, "now": NOW, **RESOLUTION}
    with pytest.raises(DocumentInvalid, match="sepárelos"):
        build_envelope([boleta, factura], **arguments)  # type: ignore[arg-type]
    with pytest.raises(DocumentInvalid, match="no va en un EnvioDTE"):
        build_envio_dte([boleta], **arguments)  # type: ignore[arg-type]
    with pytest.raises(DocumentInvalid, match="hasta 500 documentos"):
        build_envio_boleta([boleta] * 501, **arguments)  # type: ignore[arg-type]
    with pytest.raises(DocumentInvalid, match="No hay documentos"):
        build_envelope([], **arguments)  # type: ignore[arg-type]
    with pytest.raises(DocumentInvalid, match=r"en un envío de 77\.777\.777-7"):
        build_envelope([boleta], **{**arguments, "rut_emisor": Rut(77777777, "7")})  # type: ignore[arg-type]
    unsigned = boleta[: boleta.index(b"<Signature")] + b"</DTE>"
    with pytest.raises(DocumentInvalid, match="firmados"):
        build_envelope([unsigned], **arguments)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="declaration"):
        build_envelope([with_declaration(boleta)], **arguments)  # type: ignore[arg-type]
