"""XMLDSig in the SII profile: the SII's own sample verifies with this code, and what it signs passes xmlsec1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from appliance.sii.caf import Caf
from appliance.sii.canonical import dsig, parse, parse_latin1, sii
from appliance.sii.certificate import Certificate
from appliance.sii.doctypes import TipoDTE
from appliance.sii.documents import build_dte
from appliance.sii.errors import SignatureInvalid
from appliance.sii.signature import (
    C14N_1_0,
    ENVELOPED,
    check_own_signature,
    sign_document,
    sign_seed,
    verify_signature,
)
from appliance.sii.spec import DocumentSpec, Line
from tests.sii.support import (
    ISSUER,
    NOW,
    OFFICIAL_SAMPLE,
    assert_xmlsec_ok,
    run_xmlsec,
    signxml_verify,
    with_declaration,
)


def signed_boleta(caf_for: Callable[[int], Caf], cert: Certificate, folio: int = 5) -> bytes:
    spec = DocumentSpec(
        tipo=TipoDTE.BOLETA,
        folio=folio,
        issued_at=NOW,
        issuer=ISSUER,
        lines=(Line(name="Marraqueta", quantity_milli=500, unit_price=2400, weighed=True),),
    )
    return sign_document(build_dte(spec, caf_for(39)).dte, cert, now=NOW)


def test_official_envelope_signature_verifies_with_this_code(tmp_path: Path) -> None:
    sample = OFFICIAL_SAMPLE.read_bytes()
    verified = verify_signature(sample, trust_key_value=True, at=NOW)
    assert verified.reference_uri == "#SetDoc"
    assert verified.signed_element.get("ID") == "SetDoc"
    assert_xmlsec_ok(sample, tmp_path, envelope=True)


def test_official_sample_certificate_does_not_match_its_key_value() -> None:
    # A quirk of the SII's example (its X509Certificate is someone else's): refused unless told to use KeyValue.
    with pytest.raises(SignatureInvalid, match="KeyValue"):
        verify_signature(OFFICIAL_SAMPLE.read_bytes(), at=NOW)


def test_signature_follows_the_sii_profile(caf_for: Callable[[int], Caf], cert: Certificate) -> None:
    root = parse_latin1(signed_boleta(caf_for, cert))
    signature = root[-1]
    assert signature.tag == dsig("Signature")
    signed_info = signature.find(dsig("SignedInfo"))
    assert signed_info is not None
    method = signed_info.find(dsig("CanonicalizationMethod"))
    assert method is not None and method.get("Algorithm") == C14N_1_0
    references = signed_info.findall(dsig("Reference"))
    assert [reference.get("URI") for reference in references] == ["#F5T39"]
    transforms = references[0].findall(f"{dsig('Transforms')}/{dsig('Transform')}")
    assert [transform.get("Algorithm") for transform in transforms] == [C14N_1_0]
    key_info = signature.find(dsig("KeyInfo"))
    assert key_info is not None
    assert [etree.QName(child).localname for child in key_info] == ["KeyValue", "X509Data"]
    assert not any(node.get("Id") for node in signature.iter())
    assert signature.find(dsig("Object")) is None


def test_signed_document_verifies_with_xmlsec1_and_signxml(
    caf_for: Callable[[int], Caf], cert: Certificate, tmp_path: Path
) -> None:
    document = with_declaration(signed_boleta(caf_for, cert))
    assert_xmlsec_ok(document, tmp_path)
    assert signxml_verify(document, cert.certificate).tag == sii("Documento")
    verified = verify_signature(document, at=NOW)
    assert verified.certificate == cert.certificate


def test_tampered_document_is_refused_by_everyone(
    caf_for: Callable[[int], Caf], cert: Certificate, tmp_path: Path
) -> None:
    document = with_declaration(signed_boleta(caf_for, cert))
    tampered = document.replace(b"<MntTotal>1200</MntTotal>", b"<MntTotal>1100</MntTotal>")
    assert tampered != document
    assert run_xmlsec(tampered, tmp_path).returncode != 0
    with pytest.raises(SignatureInvalid, match="modificado después de firmar"):
        verify_signature(tampered, at=NOW)


def test_awkward_names_sign_into_documents_signxml_and_xmlsec1_accept(
    caf_for: Callable[[int], Caf], cert: Certificate, tmp_path: Path
) -> None:
    # What the check made at sale time relies on: escaping, Latin-1 letters, characters outside Latin-1 and runs of
    # spaces come out of the final bytes canonicalised the same way every verifier reads them.
    names = ('Pisco "Mistral" 35° & <Reserva>', "Ñandú  ñoño  ÁÉÍÓÚ ü", "Café ☕ Ω 😀", "Té\tverde\r")
    lines = tuple(Line(name=name, quantity_milli=1000, unit_price=990) for name in names)
    spec = DocumentSpec(tipo=TipoDTE.BOLETA, folio=11, issued_at=NOW, issuer=ISSUER, lines=lines)
    signed = sign_document(build_dte(spec, caf_for(39)).dte, cert, now=NOW)
    check_own_signature(signed, cert)
    document = with_declaration(signed)
    assert_xmlsec_ok(document, tmp_path)
    assert verify_signature(document, at=NOW).certificate == cert.certificate


def test_the_sale_time_check_refuses_what_verify_signature_refuses(
    caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    signed = signed_boleta(caf_for, cert)
    assert check_own_signature(signed, cert).tag == sii("DTE")
    changed = signed.replace(b"<MntTotal>1200</MntTotal>", b"<MntTotal>1100</MntTotal>")
    assert changed != signed
    with pytest.raises(SignatureInvalid, match="modificado después de firmar"):
        check_own_signature(changed, cert)
    start = signed.index(b"<SignatureValue>") + len(b"<SignatureValue>")
    flipped = b"A" if signed[start : start + 1] != b"A" else b"B"
    forged = signed[:start] + flipped + signed[start + 1 :]
    with pytest.raises(SignatureInvalid, match="valor de la firma"):
        check_own_signature(forged, cert)
    with pytest.raises(SignatureInvalid, match="valor de la firma"):
        verify_signature(with_declaration(forged), at=NOW)


def test_sign_document_accepts_bytes_and_refuses_to_sign_twice(
    caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    spec = DocumentSpec(tipo=TipoDTE.BOLETA, folio=9, issued_at=NOW, issuer=ISSUER, lines=(Line("Té", 1000, 990),))
    unsigned = etree.tostring(build_dte(spec, caf_for(39)).dte, encoding="ISO-8859-1", xml_declaration=False)
    signed = sign_document(unsigned, cert, now=NOW)
    assert signed.startswith(unsigned[: unsigned.index(b"</Documento>")])  # the document itself is untouched
    with pytest.raises(ValueError, match="already signed"):
        sign_document(parse_latin1(signed), cert, now=NOW)


def test_seed_signature_for_the_token_request(cert: Certificate, tmp_path: Path) -> None:
    signed = sign_seed("000012345678", cert, now=NOW)
    root = parse(signed)
    assert root.tag == "getToken"
    assert root.findtext("item/Semilla") == "000012345678"
    reference = root.find(f"{dsig('Signature')}/{dsig('SignedInfo')}/{dsig('Reference')}")
    assert reference is not None and reference.get("URI") == ""
    transforms = reference.findall(f"{dsig('Transforms')}/{dsig('Transform')}")
    assert [transform.get("Algorithm") for transform in transforms] == [ENVELOPED]
    assert_xmlsec_ok(signed, tmp_path)
    assert signxml_verify(signed, cert.certificate).tag == "getToken"
    tampered = signed.replace(b"000012345678", b"000012345679")
    assert run_xmlsec(tampered, tmp_path).returncode != 0


def test_seed_must_be_a_number(cert: Certificate) -> None:
    with pytest.raises(ValueError, match="seed"):
        sign_seed("12<x/>", cert, now=NOW)


def test_unsigned_document_is_not_verified() -> None:
    with pytest.raises(SignatureInvalid, match="no está firmado"):
        verify_signature(b"<DTE xmlns='http://www.sii.cl/SiiDte'><Documento ID='a'/></DTE>")
