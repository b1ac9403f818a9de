"""Suppliers' DTEs: the real samples verify or fail exactly as ../shared/sii/samples/ORIGIN.md says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from cryptography import x509

from appliance.core.rut import Rut
from appliance.sii.caf import Caf
from appliance.sii.certificate import Certificate, holder_rut
from appliance.sii.doctypes import TipoDTE
from appliance.sii.envelope import build_envio_dte
from appliance.sii.errors import DocumentInvalid
from appliance.sii.received import AS_DELIVERED, NAMESPACE_REMOVED, NAMESPACE_RESTORED, read_received
from appliance.sii.service import issue_document
from appliance.sii.spec import DocumentSpec, Line
from tests.sii.support import BUYER, COMPANY_RUT, HOLDER_RUT, ISSUER, NOW, OFFICIAL_SAMPLE, RECEIVED, RECEIVED_CERTS

# Which form of each genuine file verifies: signed with the namespace and delivered without it (or the reverse for
# the "--cleaned" copies, to which the namespace was added).
GENUINE = {
    "DTE--60910000-1--33--2336600.xml": AS_DELIVERED,
    "DTE--60910000-1--33--2336600--cleaned.xml": NAMESPACE_REMOVED,
    "DTE--96670340-7--61--110616.xml": AS_DELIVERED,
    "DTE--96670340-7--61--110616--cleaned.xml": NAMESPACE_REMOVED,
    "DTE--76354771-K--33--170.xml": NAMESPACE_RESTORED,
    "DTE--76354771-K--33--170--cleaned.xml": AS_DELIVERED,
    "DTE--76399752-9--33--25568.xml": NAMESPACE_RESTORED,
    "DTE--76399752-9--33--25568--cleaned.xml": AS_DELIVERED,
}
TAMPERED = {
    "DTE--76354771-K--33--170--cleaned-mod-bad-cert-no-base64.xml": "certificado incluido en la firma está dañado",
    "DTE--76354771-K--33--170--cleaned-mod-bad-cert.xml": "certificado incluido en la firma está dañado",
    "DTE--76354771-K--33--170--cleaned-mod-changed-monto.xml": "modificado después de firmar",
    "DTE--76354771-K--33--170--cleaned-mod-empty-emails.xml": "modificado después de firmar",
    "DTE--76354771-K--33--170--cleaned-mod-removed-signature.xml": "no está firmado",
    "DTE--76354771-K--33--170--cleaned-mod-replaced-cert.xml": "no corresponde a los datos ni a la llave",
}
# Pieces of a DTE (a lone Signature, an unsigned Documento): not something a supplier sends.
FRAGMENTS = (
    "DTE--76354771-K--33--170--cleaned-signature_xml.xml",
    "DTE--76354771-K--33--170--cleaned-signed_data.xml",
    "DTE--76354771-K--33--170--cleaned-signed_xml.xml",
)


def test_every_sample_is_classified() -> None:
    assert sorted(path.name for path in RECEIVED.glob("*.xml")) == sorted([*GENUINE, *TAMPERED, *FRAGMENTS])


@pytest.mark.parametrize(("name", "form"), sorted(GENUINE.items()))
def test_genuine_documents_verify(name: str, form: str) -> None:
    (document,) = read_received((RECEIVED / name).read_bytes())
    assert document.valid, document.reason
    assert document.signature_form == form
    assert document.reason is None
    assert document.ted_valid
    assert document.caf_signed_by_sii  # their CAFs carry the SII's production signature (IDK 300)
    emisor = name.split("--")[1]
    assert document.emisor_rut == Rut.parse(emisor)
    assert str(document.tipo) == name.split("--")[2]
    assert str(document.folio) == name.split("--")[3].removesuffix(".xml")
    certificate = x509.load_pem_x509_certificate(
        (RECEIVED_CERTS / f"DTE--{emisor}--{document.tipo}--{document.folio}-cert.pem").read_bytes()
    )
    assert document.signer_rut == holder_rut(certificate)
    assert document.lines and all(line.name for line in document.lines)


def test_amounts_of_a_received_factura() -> None:
    (document,) = read_received((RECEIVED / "DTE--76354771-K--33--170.xml").read_bytes())
    assert (document.neto, document.iva, document.total) == (2517900, 478401, 2996301)
    assert document.fecha_emision == date(2019, 4, 1)
    assert document.receptor_rut == Rut.parse("96790240-3")


@pytest.mark.parametrize(("name", "reason"), sorted(TAMPERED.items()))
def test_tampered_documents_fail(name: str, reason: str) -> None:
    (document,) = read_received((RECEIVED / name).read_bytes())
    assert not document.valid
    assert not document.signature_valid
    assert document.reason is not None and reason in document.reason


def test_changed_amount_also_breaks_the_timbre() -> None:
    (document,) = read_received((RECEIVED / "DTE--76354771-K--33--170--cleaned-mod-changed-monto.xml").read_bytes())
    assert not document.ted_valid


@pytest.mark.parametrize("name", FRAGMENTS)
def test_fragments_are_not_documents(name: str) -> None:
    with pytest.raises(DocumentInvalid, match="no es un DTE ni un EnvioDTE"):
        read_received((RECEIVED / name).read_bytes())


def test_not_xml_is_refused() -> None:
    with pytest.raises(DocumentInvalid, match="no es XML"):
        read_received(b"%PDF-1.4")


def test_our_own_envio_dte_reads_back_as_valid(caf_for: Callable[[int], Caf], cert: Certificate) -> None:
    spec = DocumentSpec(
        tipo=TipoDTE.FACTURA,
        folio=300,
        issued_at=NOW,
        issuer=ISSUER,
        buyer=BUYER,
        lines=(Line(name="Harina 25 kg", quantity_milli=2000, unit_price=17990),),
    )
    issued = issue_document(spec, caf_for(33), cert, NOW)
    envelope = build_envio_dte(
        [issued.signed_xml],
        rut_emisor=COMPANY_RUT,
        fecha_resolucion=date(2026, 1, 2),
        numero_resolucion=0,
        cert=cert,
        now=NOW,
    )
    (document,) = read_received(envelope)
    assert document.valid, document.reason
    assert document.signature_form == AS_DELIVERED
    assert document.signer_rut == HOLDER_RUT
    assert document.total == issued.totals.total == 42816
    assert not document.caf_signed_by_sii  # a local CAF: never taken for the SII's


def test_official_sample_read_as_received() -> None:
    (document,) = read_received(OFFICIAL_SAMPLE.read_bytes())
    assert document.ted_valid and document.caf_signed_by_sii
    # The SII's example signs with a key that is not its certificate's: a receiver must not accept that.
    assert not document.signature_valid
    assert document.reason is not None and "KeyValue" in document.reason
