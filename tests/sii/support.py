"""Constants and helpers shared by the SII tests: the reference files beside the repository, a fixed company and
certificate holder, and the external verifiers (Debian's xmlsec1, the reference copy of the schemas)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from datetime import datetime
from pathlib import Path

import pytest
import zxingcpp
from cryptography import x509
from lxml import etree
from PIL import Image
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import Rut
from appliance.sii.canonical import SII_NS
from appliance.sii.schemas import SchemaKind, schema_errors
from appliance.sii.spec import Buyer, Issuer

ROOT = Path(__file__).resolve().parents[2]
# The project's reference copy of the SII's files, beside the repository (see ../shared/sii/ORIGIN.md).
SHARED_SII = ROOT.parent / "shared" / "sii"
SHARED_SCHEMAS = SHARED_SII / "schemas"
OFFICIAL_SAMPLE = SHARED_SII / "samples" / "official" / "F60T33-ejemplo-oficial-SII.xml"
RECEIVED = SHARED_SII / "samples" / "received"
RECEIVED_CERTS = SHARED_SII / "samples" / "received-certs"

NOW = datetime(2026, 3, 10, 12, 30, 15, tzinfo=CHILE_TZ)
COMPANY_RUT = Rut(76123456, "0")
HOLDER_RUT = Rut(13185095, "6")
CERT_PASSWORD = "clave-de-prueba"

ISSUER = Issuer(
    rut=COMPANY_RUT,
    razon_social="Minimarket Doña Ñeli SpA",
    giro="Venta al por menor en almacenes de barrio",
    acteco=(472101,),
    direccion="Av. Irarrázaval 1234",
    comuna="Ñuñoa",
    ciudad="Santiago",
)
BUYER = Buyer(
    rut=Rut(77777777, "7"),
    razon_social="Restaurante El Buen Sabor Ltda.",
    giro="Restaurante",
    direccion="San Diego 2222",
    comuna="Santiago",
    ciudad="Santiago",
)


def shared_schema_errors(kind: SchemaKind, document: bytes | etree._Element) -> tuple[str, ...]:
    """What the project's reference copy of the SII schemas (not the bundled one) says about `document`."""
    return schema_errors(kind, document, SHARED_SCHEMAS)


def with_declaration(signed_dte: bytes) -> bytes:
    """A signed DTE as a file of its own (its bytes are ISO-8859-1 without a declaration)."""
    return b'<?xml version="1.0" encoding="ISO-8859-1"?>\n' + signed_dte


def run_xmlsec(document: bytes, directory: Path, *, envelope: bool = False) -> subprocess.CompletedProcess[str]:
    """Debian's xmlsec1 on `document`, with the flags of NOTES §5. A missing xmlsec1 fails the test."""
    executable = shutil.which("xmlsec1")
    if executable is None:
        pytest.fail("xmlsec1 is not installed: `apt-get install xmlsec1` (the independent signature verifier)")
    path = directory / f"xmlsec-{uuid.uuid4().hex}.xml"
    path.write_bytes(document)
    command = [
        executable,
        "--verify",
        "--id-attr:ID",
        f"{SII_NS}:Documento",
        "--id-attr:ID",
        f"{SII_NS}:SetDTE",
    ]
    if envelope:
        command += ["--node-xpath", "(//*[local-name()='Signature'])[last()]"]
    return subprocess.run([*command, str(path)], capture_output=True, text=True, timeout=120, check=False)


def assert_xmlsec_ok(document: bytes, directory: Path, *, envelope: bool = False) -> None:
    result = run_xmlsec(document, directory, envelope=envelope)
    assert result.returncode == 0, f"xmlsec1 rejected the signature:\n{result.stdout}\n{result.stderr}"


def signxml_verify(document: bytes, certificate: x509.Certificate) -> etree._Element:
    """signxml on its own (not through appliance.sii.signature): the signature that is a child of the root.

    Configured for the SII profile: SHA-1 allowed, C14N 1.0, and the excision of empty xmlns NOTES §5 calls for.
    """
    verifier = XMLVerifier()
    verifier.excise_empty_xmlns_declarations = True
    config = SignatureConfiguration(
        location="./",
        signature_methods=frozenset({SignatureMethod.RSA_SHA1}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA1}),
        verification_time=NOW,
    )
    root = etree.fromstring(document)
    result = verifier.verify(root, x509_cert=certificate, id_attribute="ID", expect_config=config)
    signed = result.signed_xml  # type: ignore[union-attr]
    assert signed is not None
    return signed


def decode_pdf417(image: Image.Image) -> bytes:
    """What a phone or the SII's reader gets from the printed timbre: zxing-cpp's raw bytes."""
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.PDF417)
    assert len(results) == 1, "exactly one PDF417 symbol expected"
    return bytes(results[0].bytes)
