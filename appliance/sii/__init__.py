"""The SII document core: CAF, certificate, amounts, DTE builders, timbre, signatures, envelopes, received DTEs.

Pure domain code (no database, no web framework, no network). The sales code calls one function:

    from appliance.sii import DocumentSpec, issue_document
    issued = issue_document(spec, caf, cert, now)   # → IssuedDocument(tipo, folio, signed_xml, ted_pdf417, totals…)

and the outbox later wraps stored `signed_xml`s with `build_envelope(...)` (EnvioBOLETA or EnvioDTE, signed and
schema-validated). CAF uploads go through `parse_caf` + `verify_caf`; the certificate through `CertificateStore`;
the SII token request through `sign_seed`; suppliers' files through `read_received`. See each module's docstring.
"""

from appliance.sii.amounts import ILA_RATES, TaxAmount, Totals, compute_totals, line_amount
from appliance.sii.caf import Caf, parse_caf, sii_signer_keys, verify_caf
from appliance.sii.caf_issuer import LOCAL_IDK, LocalCafAuthority
from appliance.sii.certificate import Certificate, CertificateStore, create_test_certificate, load_pkcs12
from appliance.sii.doctypes import TipoDTE
from appliance.sii.documents import BuiltDocument, build_dte
from appliance.sii.envelope import EnvelopeKind, build_envelope, build_envio_boleta, build_envio_dte, envelope_kind
from appliance.sii.errors import (
    CafInvalid,
    CertificateInvalid,
    DocumentInvalid,
    SchemaInvalid,
    SignatureInvalid,
    SiiError,
)
from appliance.sii.pdf417 import render_pdf417, render_pdf417_png, render_pdf417_svg
from appliance.sii.received import ReceivedDocument, ReceivedLine, read_received
from appliance.sii.schemas import SchemaKind, validate
from appliance.sii.service import IssuedDocument, issue_document
from appliance.sii.signature import sign_document, sign_envelope, sign_seed, verify_signature
from appliance.sii.spec import (
    ANONYMOUS_BUYER,
    Buyer,
    CodRef,
    DocumentSpec,
    GlobalDiscount,
    Issuer,
    Line,
    LineKind,
    Reference,
)
from appliance.sii.ted import ted_for_pdf417, verify_ted

__all__ = [
    "ANONYMOUS_BUYER",
    "ILA_RATES",
    "LOCAL_IDK",
    "BuiltDocument",
    "Buyer",
    "Caf",
    "CafInvalid",
    "Certificate",
    "CertificateInvalid",
    "CertificateStore",
    "CodRef",
    "DocumentInvalid",
    "DocumentSpec",
    "EnvelopeKind",
    "GlobalDiscount",
    "IssuedDocument",
    "Issuer",
    "Line",
    "LineKind",
    "LocalCafAuthority",
    "ReceivedDocument",
    "ReceivedLine",
    "Reference",
    "SchemaInvalid",
    "SchemaKind",
    "SignatureInvalid",
    "SiiError",
    "TaxAmount",
    "TipoDTE",
    "Totals",
    "build_dte",
    "build_envelope",
    "build_envio_boleta",
    "build_envio_dte",
    "compute_totals",
    "create_test_certificate",
    "envelope_kind",
    "issue_document",
    "line_amount",
    "load_pkcs12",
    "parse_caf",
    "read_received",
    "render_pdf417",
    "render_pdf417_png",
    "render_pdf417_svg",
    "sign_document",
    "sign_envelope",
    "sign_seed",
    "sii_signer_keys",
    "ted_for_pdf417",
    "validate",
    "verify_caf",
    "verify_signature",
    "verify_ted",
]
