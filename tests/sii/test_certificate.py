"""The signing certificate: opening a .pfx, reading the holder's RUT, refusing bad ones, keeping it in secrets."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from appliance.core.rut import Rut
from appliance.sii.certificate import Certificate, CertificateStore, create_test_certificate, holder_rut, load_pkcs12
from appliance.sii.errors import CertificateInvalid
from tests.sii.support import CERT_PASSWORD, HOLDER_RUT, NOW, RECEIVED_CERTS


def test_loaded_certificate_knows_its_holder(cert: Certificate) -> None:
    assert cert.rut == HOLDER_RUT
    assert cert.name == "Ñeli Pérez Soto"
    assert cert.not_before <= NOW <= cert.not_after
    assert cert.days_to_expiry(NOW) == 365
    assert cert.days_to_expiry(NOW + timedelta(days=400)) == -35


def test_wrong_password_is_refused(pfx: bytes) -> None:
    with pytest.raises(CertificateInvalid, match="la contraseña no es correcta"):
        load_pkcs12(pfx, "otra clave", now=NOW)


def test_a_password_with_a_nul_byte_is_refused_not_a_rust_panic(pfx: bytes) -> None:
    # cryptography's Rust layer panics (a BaseException, past every `except Exception`) on a NUL in the password.
    with pytest.raises(CertificateInvalid, match="caracteres de control"):
        load_pkcs12(pfx, "otra\x00clave", now=NOW)


def test_garbage_is_refused() -> None:
    with pytest.raises(CertificateInvalid, match="no es un certificado"):
        load_pkcs12(b"not a pfx", "x", now=NOW)


def test_expired_and_not_yet_valid_certificates_are_refused(pfx: bytes) -> None:
    with pytest.raises(CertificateInvalid, match="venció el"):
        load_pkcs12(pfx, CERT_PASSWORD, now=NOW + timedelta(days=366))
    with pytest.raises(CertificateInvalid, match="Revise la fecha y hora del equipo"):
        load_pkcs12(pfx, CERT_PASSWORD, now=NOW - timedelta(days=1))


@pytest.mark.parametrize(
    ("name", "rut"),
    [
        ("DTE--76354771-K--33--170-cert.pem", "13185095-6"),  # SAN otherName 1.3.6.1.4.1.8321.1
        ("DTE--60910000-1--33--2336600-cert.pem", "8480437-1"),
        ("DTE--76399752-9--33--25568-cert.pem", "16477752-9"),  # also subject serialNumber
        ("prueba-sii-cert.pem", "7880442-4"),  # the SII's test certificate: otherName 1.3.6.1.4.1.8658.1
    ],
)
def test_rut_of_real_certificates(name: str, rut: str) -> None:
    certificate = x509.load_pem_x509_certificate((RECEIVED_CERTS / name).read_bytes())
    assert holder_rut(certificate) == Rut.parse(rut)


def test_certificate_without_rut_is_refused(cert: Certificate) -> None:
    anonymous = (
        x509.CertificateBuilder()
        .subject_name(cert.certificate.subject)
        .issuer_name(cert.certificate.subject)
        .public_key(cert.public_key)
        .serial_number(1)
        .not_valid_before(cert.not_before)
        .not_valid_after(cert.not_after)
        .sign(cert.private_key, hashes.SHA256())
    )
    assert holder_rut(anonymous) is None
    with pytest.raises(CertificateInvalid, match="no indica el RUT"):
        Certificate.from_parts(anonymous, cert.private_key)


def test_store_keeps_the_certificate_private(tmp_path: Path, pfx: bytes) -> None:
    store = CertificateStore(tmp_path / "secrets")
    assert not store.exists()
    with pytest.raises(CertificateInvalid, match="No hay un certificado"):
        store.load(now=NOW)
    saved = store.save(pfx, CERT_PASSWORD, now=NOW)
    assert saved.rut == HOLDER_RUT
    for path in (store.pfx_path, store.password_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert store.load(now=NOW).rut == HOLDER_RUT


def test_a_bad_upload_never_replaces_a_good_certificate(tmp_path: Path, pfx: bytes) -> None:
    store = CertificateStore(tmp_path)
    store.save(pfx, CERT_PASSWORD, now=NOW)
    with pytest.raises(CertificateInvalid):
        store.save(pfx, "clave equivocada", now=NOW)
    expired = create_test_certificate(HOLDER_RUT, "Vencido", password="v", now=NOW - timedelta(days=30), days=10)
    with pytest.raises(CertificateInvalid, match="venció"):
        store.save(expired, "v", now=NOW)
    assert store.load(now=NOW).name == "Ñeli Pérez Soto"
    assert store.pfx_path.read_bytes() == pfx
