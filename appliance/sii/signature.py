"""XMLDSig signatures in the SII's profile (NOTES §5), made here and checked with signxml.

The profile: inclusive C14N 1.0, rsa-sha1, sha1, one Reference with at most one Transform, and a KeyInfo with
KeyValue/RSAKeyValue followed by X509Data/X509Certificate; no Id, no Object. signxml cannot produce it (SHA-256,
C14N 1.1, two Transforms), so signatures are assembled here as bytes and inserted into the document's own bytes:
what was signed is never re-serialised. Every signature is checked before it leaves this module: envelopes and seeds
with signxml, a sale's DTE with `check_own_signature` (the same checks on the final bytes, at a fifth of the cost).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree
from signxml import (  # type: ignore[attr-defined]
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLVerifier,
)
from signxml.exceptions import InvalidInput

from appliance.core.text import is_digits
from appliance.sii.canonical import DSIG_NS, c14n_in_context, dsig, parse, parse_latin1, serialize, sii
from appliance.sii.certificate import Certificate
from appliance.sii.errors import SignatureInvalid

C14N_1_0 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

_EMPTY_VALUE = b"<SignatureValue></SignatureValue>"


@dataclass(frozen=True)
class VerifiedSignature:
    """A signature that verified: what it covers and the certificate it carries."""

    reference_uri: str  # "#F1T39", "#SetDoc", or "" for a whole-document signature
    certificate: x509.Certificate | None
    signed_element: etree._Element


def sign_document(dte: etree._Element | bytes, cert: Certificate, *, now: datetime | None = None) -> bytes:
    """Signs a `<DTE>` on its own and returns its ISO-8859-1 bytes (no XML declaration), to embed verbatim later.

    The signature references `#<Documento ID>` and becomes the last child of DTE.
    """
    return sign_and_parse_document(dte, cert, now=now)[0]


def sign_and_parse_document(
    dte: etree._Element | bytes, cert: Certificate, *, now: datetime | None = None
) -> tuple[bytes, etree._Element]:
    """`sign_document`, and the signed document as parsed back from those bytes (for the schema and the timbre)."""
    moment = _moment(now)
    cert.ensure_valid_at(moment)
    root = parse_latin1(dte) if isinstance(dte, bytes) else dte
    if root.tag != sii("DTE"):
        raise ValueError("sign_document needs a <DTE> element in the SII namespace")
    if root.find(dsig("Signature")) is not None:
        raise ValueError("the DTE is already signed")
    documento = next((child for child in root if isinstance(child.tag, str)), None)
    reference_id = documento.get("ID") if documento is not None else None
    if not reference_id:
        raise ValueError("the DTE has no Documento with an ID")
    body = dte if isinstance(dte, bytes) else serialize(root)
    signed = _insert_signature(body, f"#{reference_id}", C14N_1_0, cert, parse_latin1)
    return signed, check_own_signature(signed, cert)


def check_own_signature(
    signed: bytes, cert: Certificate, *, parse_document: Callable[[bytes], etree._Element] = parse_latin1
) -> etree._Element:
    """Checks a DTE (or an envelope, with `parse`) signed a moment ago by `cert`, from its final bytes; returns the
    parsed document.

    Every sale signs a document while the counter waits, and the SII queue signs envelopes beside it, so this is the
    part of `verify_signature` that can catch a mistake here, at a fraction of signxml's cost: the bytes parsed
    again, the referenced element canonicalised in place and digested, SignatureValue checked over the canonical
    SignedInfo with the certificate's key. The profile and the certificate were ours a moment ago; tests check what
    this makes with signxml and xmlsec1.
    """
    root = parse_document(signed)
    signature = root.find(dsig("Signature"))
    signed_info = signature.find(dsig("SignedInfo")) if signature is not None else None
    reference = signed_info.find(dsig("Reference")) if signed_info is not None else None
    if signature is None or signed_info is None or reference is None:
        raise SignatureInvalid("La firma recién hecha quedó incompleta.")
    targets = root.xpath("//*[@ID=$id]", id=reference.get("URI", "")[1:])
    if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], etree._Element):
        raise SignatureInvalid("La firma recién hecha no apunta a un elemento del documento.")
    digest = base64.b64encode(hashlib.sha1(c14n_in_context(targets[0])).digest()).decode("ascii")
    if digest != reference.findtext(f"{dsig('DigestValue')}"):
        raise SignatureInvalid("La firma no es válida: el contenido firmado fue modificado después de firmar.")
    try:
        value = base64.b64decode(signature.findtext(dsig("SignatureValue")) or "", validate=True)
        cert.public_key.verify(value, c14n_in_context(signed_info), padding.PKCS1v15(), hashes.SHA1())
    except (ValueError, InvalidSignature) as error:
        raise SignatureInvalid(
            "La firma no es válida: el valor de la firma no corresponde a los datos ni a la llave."
        ) from error
    return root


def sign_envelope(unsigned: bytes, cert: Certificate, *, now: datetime | None = None) -> bytes:
    """Signs the `SetDTE ID="SetDoc"` of a complete EnvioDTE/EnvioBOLETA document, in its final place.

    Inclusive C14N carries the root's xmlns:xsi into both the SetDTE digest and SignedInfo, which is why the
    envelope must be signed where it stands and never moved afterwards.
    """
    moment = _moment(now)
    cert.ensure_valid_at(moment)
    signed = _insert_signature(unsigned, "#SetDoc", C14N_1_0, cert, parse)
    check_own_signature(signed, cert, parse_document=parse)
    return signed


def sign_seed(semilla: str, cert: Certificate, *, now: datetime | None = None) -> bytes:
    """The signed `<getToken><item><Semilla>…</Semilla></item></getToken>` that buys an SII token (NOTES §2).

    As in the SII's example (Autenticación automática, 4.1.5): Reference URI="" with the enveloped-signature
    transform.
    """
    if not semilla.isascii() or not is_digits(semilla):
        raise ValueError(f"an SII seed is a number, not {semilla!r}")
    moment = _moment(now)
    cert.ensure_valid_at(moment)
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<getToken><item><Semilla>'
        + semilla.encode("ascii")
        + b"</Semilla></item></getToken>"
    )
    signed = _insert_signature(document, "", ENVELOPED, cert, parse)
    verify_signature(signed, certificate=cert.certificate, at=moment)
    return signed


def verify_signature(
    document: bytes,
    *,
    certificate: x509.Certificate | None = None,
    at: datetime | None = None,
    trust_key_value: bool = False,
    parse_document: Callable[[bytes], etree._Element] = parse,
) -> VerifiedSignature:
    """Verifies the signature that is a child of the document's root (a DTE's, or an envelope's), with signxml.

    `certificate` defaults to the one in the signature (integrity, not identity: compare its RUT yourself). The
    KeyValue must be the certificate's key, unless `trust_key_value`, which checks with the KeyValue alone (the
    SII's own sample carries a certificate that does not match its KeyValue). `at` is the moment the certificate
    must have been valid (default: now). Raises `SignatureInvalid` with the reason.
    """
    root = parse_document(document)
    signature = root.find(dsig("Signature"))
    if signature is None:
        raise SignatureInvalid("El documento no está firmado: no tiene el elemento <Signature>.")
    _check_profile(signature)
    embedded = _embedded_certificate(signature)
    config = SignatureConfiguration(
        location="./",
        signature_methods=frozenset({SignatureMethod.RSA_SHA1}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA1}),
        verification_time=_moment(at),
        default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    verifier = XMLVerifier()
    # Real SII documents need it (NOTES §5): lxml leaves xmlns="" on the signed subtree otherwise.
    verifier.excise_empty_xmlns_declarations = True
    try:
        if trust_key_value:
            stripped = etree.fromstring(etree.tostring(root))
            for x509_data in stripped.findall(f"{dsig('Signature')}/{dsig('KeyInfo')}/{dsig('X509Data')}"):
                parent = x509_data.getparent()
                if parent is not None:
                    parent.remove(x509_data)
            result = verifier.verify(stripped, id_attribute="ID", expect_config=replace(config, require_x509=False))
        else:
            trusted = certificate if certificate is not None else embedded
            if trusted is None:
                raise SignatureInvalid("La firma no trae el certificado de quien firmó (X509Certificate).")
            _check_key_value(signature, trusted)
            result = verifier.verify(root, x509_cert=trusted, id_attribute="ID", expect_config=config)
    except InvalidInput as error:
        if "KeyValue" in str(error):
            raise SignatureInvalid(
                "La firma no es válida: la llave pública (KeyValue) no corresponde al certificado."
            ) from error
        raise SignatureInvalid(f"La firma no es válida: {error}") from error
    except InvalidSignature as error:  # signxml's own exceptions derive from cryptography's
        raise SignatureInvalid(_reason(error)) from error
    reference = signature.find(f"{dsig('SignedInfo')}/{dsig('Reference')}")
    uri = reference.get("URI", "") if reference is not None else ""
    signed_xml = result.signed_xml  # type: ignore[union-attr]
    if signed_xml is None:  # pragma: no cover - signxml always parses what it verified here
        raise SignatureInvalid("La firma no cubre un elemento XML.")
    return VerifiedSignature(reference_uri=uri, certificate=embedded, signed_element=signed_xml)


def _insert_signature(
    document: bytes,
    uri: str,
    transform: str,
    cert: Certificate,
    parse_document: Callable[[bytes], etree._Element],
) -> bytes:
    root = parse_document(document)
    if uri:
        targets = root.xpath("//*[@ID=$id]", id=uri[1:])
        if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], etree._Element):
            raise ValueError(f"exactly one element must have ID={uri[1:]!r}")
        digest_input = c14n_in_context(targets[0])
    else:
        # URI="" with enveloped-signature: the whole document before the signature is added.
        digest_input = etree.tostring(root, method="c14n", exclusive=False, with_comments=False)
    digest = base64.b64encode(hashlib.sha1(digest_input).digest()).decode("ascii")
    signed_info = (
        "<SignedInfo>"
        f'<CanonicalizationMethod Algorithm="{C14N_1_0}"/>'
        f'<SignatureMethod Algorithm="{RSA_SHA1}"/>'
        f'<Reference URI="{uri}">'
        f'<Transforms><Transform Algorithm="{transform}"/></Transforms>'
        f'<DigestMethod Algorithm="{SHA1}"/>'
        f"<DigestValue>{digest}</DigestValue>"
        "</Reference>"
        "</SignedInfo>"
    ).encode("ascii")
    head = f'<Signature xmlns="{DSIG_NS}">'.encode("ascii") + signed_info
    tail = _key_info(cert) + b"</Signature>"

    closing = f"</{etree.QName(root).localname}>".encode("ascii")
    position = document.rfind(closing)
    if position < 0:  # pragma: no cover - a parsed document always closes its root
        raise ValueError("cannot find where the root element closes")
    before, after = document[:position], document[position:]

    # SignedInfo is canonicalised where it will stand, so inherited namespaces (xmlns:xsi) are taken into account.
    draft = parse_document(before + head + _EMPTY_VALUE + tail + after)
    placed = draft.findall(dsig("Signature"))[-1].find(dsig("SignedInfo"))
    if placed is None:  # pragma: no cover - inserted just above
        raise ValueError("SignedInfo went missing")
    value = cert.private_key.sign(c14n_in_context(placed), padding.PKCS1v15(), hashes.SHA1())
    signature_value = b"<SignatureValue>" + base64.b64encode(value) + b"</SignatureValue>"
    return before + head + signature_value + tail + after


@functools.lru_cache(maxsize=4)
def _key_info(cert: Certificate) -> bytes:
    numbers = cert.public_key.public_numbers()
    modulus = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    exponent = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    certificate = "\n".join(textwrap.wrap(base64.b64encode(cert.der()).decode("ascii"), 76))
    return (
        "<KeyInfo><KeyValue><RSAKeyValue>"
        f"<Modulus>{base64.b64encode(modulus).decode('ascii')}</Modulus>"
        f"<Exponent>{base64.b64encode(exponent).decode('ascii')}</Exponent>"
        "</RSAKeyValue></KeyValue>"
        f"<X509Data><X509Certificate>{certificate}</X509Certificate></X509Data>"
        "</KeyInfo>"
    ).encode("ascii")


def _check_profile(signature: etree._Element) -> None:
    """The SII's xmldsignature_v10.xsd constraints that signxml does not check."""
    signed_info = signature.find(dsig("SignedInfo"))
    if signed_info is None:
        raise SignatureInvalid("La firma no es válida: le falta SignedInfo.")
    method = signed_info.find(dsig("CanonicalizationMethod"))
    if method is None or method.get("Algorithm") != C14N_1_0:
        raise SignatureInvalid("La firma no usa la canonicalización C14N 1.0 inclusiva que exige el SII.")
    references = signed_info.findall(dsig("Reference"))
    if len(references) != 1:
        raise SignatureInvalid(f"La firma debe tener exactamente una referencia y tiene {len(references)}.")
    transforms = references[0].findall(f"{dsig('Transforms')}/{dsig('Transform')}")
    if len(transforms) > 1:
        raise SignatureInvalid("La firma tiene más de una transformación; el esquema del SII admite una.")


def _check_key_value(signature: etree._Element, certificate: x509.Certificate) -> None:
    """KeyValue and the certificate must be the same key, or which one signed would be ambiguous."""
    rsa_key = f"{dsig('KeyInfo')}/{dsig('KeyValue')}/{dsig('RSAKeyValue')}"
    modulus, exponent = (
        signature.findtext(f"{rsa_key}/{dsig('Modulus')}"),
        signature.findtext(f"{rsa_key}/{dsig('Exponent')}"),
    )
    if modulus is None or exponent is None:
        return
    key = certificate.public_key()
    try:
        matches = isinstance(key, rsa.RSAPublicKey) and key.public_numbers() == rsa.RSAPublicNumbers(
            _b64_int(exponent), _b64_int(modulus)
        )
    except ValueError:
        matches = False
    if not matches:
        raise SignatureInvalid("La firma no es válida: la llave pública (KeyValue) no corresponde al certificado.")


def _b64_int(text: str) -> int:
    return int.from_bytes(base64.b64decode("".join(text.split()), validate=True), "big")


def _embedded_certificate(signature: etree._Element) -> x509.Certificate | None:
    node = signature.find(f"{dsig('KeyInfo')}/{dsig('X509Data')}/{dsig('X509Certificate')}")
    if node is None or not (node.text or "").strip():
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join((node.text or "").split()), validate=True))
    except ValueError as error:
        raise SignatureInvalid("El certificado incluido en la firma está dañado y no se puede leer.") from error


def _reason(error: Exception) -> str:
    text = str(error)
    if "Digest mismatch" in text:
        return "La firma no es válida: el contenido firmado fue modificado después de firmar."
    if "valid" in text and "certificate" in text.lower():
        return f"La firma no es válida: el certificado no estaba vigente ({text})."
    return "La firma no es válida: el valor de la firma no corresponde a los datos ni a la llave."


def _moment(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is needed")
    return now
