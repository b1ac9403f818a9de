"""The company's signing certificate (a .pfx/.p12 from a Chilean certification authority) and where it is kept.

The certificate and its password live in the secrets directory (mode 0600), never in the database: the database is
replicated off-site, and whoever holds the .pfx and its password signs tax documents in the company's name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from appliance.core.clock import CHILE_TZ
from appliance.core.rut import InvalidRut, Rut
from appliance.sii.errors import CertificateInvalid

# Where Chilean certification authorities put the holder's RUT: an otherName in the subject alternative name (E-Cert,
# E-Sign, Acepta…: 1.3.6.1.4.1.8321.1; the SII's own test certificates: 1.3.6.1.4.1.8658.1), or the subject's
# serialNumber.
RUT_OTHER_NAME_OIDS = (x509.ObjectIdentifier("1.3.6.1.4.1.8321.1"), x509.ObjectIdentifier("1.3.6.1.4.1.8658.1"))

PFX_FILE = "sii-certificado.pfx"
PASSWORD_FILE = "sii-certificado.clave"

# DER tags of the string types a RUT may be encoded with inside an otherName.
_STRING_TAGS = {0x0C, 0x13, 0x16}


@dataclass(frozen=True)
class Certificate:
    """A usable signing certificate: the X.509 certificate, its RSA private key, and what the SII needs from it."""

    certificate: x509.Certificate = field(repr=False)
    private_key: rsa.RSAPrivateKey = field(repr=False, compare=False)
    rut: Rut
    name: str
    not_before: datetime
    not_after: datetime

    @classmethod
    def from_parts(cls, certificate: x509.Certificate, private_key: rsa.RSAPrivateKey) -> Certificate:
        rut = holder_rut(certificate)
        if rut is None:
            raise CertificateInvalid(
                "El certificado no indica el RUT de su titular; el SII solo acepta certificados de personas con RUT."
            )
        if private_key.public_key().public_numbers() != _rsa_public_key(certificate).public_numbers():
            raise CertificateInvalid("La llave privada no corresponde al certificado.")
        return cls(
            certificate=certificate,
            private_key=private_key,
            rut=rut,
            name=holder_name(certificate),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
        )

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def days_to_expiry(self, now: datetime) -> int:
        """Whole days left until the certificate expires (negative once expired), counted in Chile's calendar."""
        return (self.not_after.astimezone(CHILE_TZ).date() - _aware(now).astimezone(CHILE_TZ).date()).days

    def is_valid_at(self, now: datetime) -> bool:
        return self.not_before <= _aware(now) <= self.not_after

    def ensure_valid_at(self, now: datetime) -> None:
        """Raises `CertificateInvalid` unless the certificate may sign at `now`."""
        moment = _aware(now)
        if moment > self.not_after:
            raise CertificateInvalid(
                f"El certificado de {self.name} venció el {self.not_after.astimezone(CHILE_TZ):%d-%m-%Y}: "
                "no se pueden firmar documentos. Renuévelo con su proveedor y cárguelo de nuevo."
            )
        if moment < self.not_before:
            raise CertificateInvalid(
                f"El certificado de {self.name} es válido recién desde el "
                f"{self.not_before.astimezone(CHILE_TZ):%d-%m-%Y %H:%M}. Revise la fecha y hora del equipo."
            )


def load_pkcs12(data: bytes, password: str, *, now: datetime) -> Certificate:
    """Opens a .pfx/.p12 and checks it can sign now. Raises `CertificateInvalid` with the reason in Spanish."""
    if "\x00" in password:
        # OpenSSL takes the password as a C string: cryptography's Rust layer panics (a BaseException) on a NUL.
        raise CertificateInvalid("La contraseña del certificado no puede contener caracteres de control.")
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(data, password.encode("utf-8"))
    except ValueError as error:
        raise CertificateInvalid(
            "No se pudo abrir el certificado: la contraseña no es correcta o el archivo no es un certificado .pfx/.p12."
        ) from error
    if certificate is None or key is None:
        raise CertificateInvalid("El archivo no contiene un certificado con su llave privada.")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateInvalid("La llave del certificado no es RSA; el SII solo acepta firmas RSA.")
    loaded = Certificate.from_parts(certificate, key)
    loaded.ensure_valid_at(now)
    return loaded


def holder_rut(certificate: x509.Certificate) -> Rut | None:
    """The holder's RUT: the SAN otherName the Chilean CAs use, else a subject serialNumber that is a RUT."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    if san is not None:
        for other in san.get_values_for_type(x509.OtherName):
            if other.type_id in RUT_OTHER_NAME_OIDS:
                rut = _parse_rut(_der_string(other.value))
                if rut is not None:
                    return rut
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = attribute.value
        rut = _parse_rut(value if isinstance(value, str) else value.decode("latin-1"))
        if rut is not None:
            return rut
    return None


def holder_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if names:
        value = names[0].value
        return value if isinstance(value, str) else value.decode("latin-1")
    return certificate.subject.rfc4514_string()


def create_test_certificate(
    rut: Rut,
    name: str,
    *,
    password: str,
    now: datetime,
    days: int = 365,
    key: rsa.RSAPrivateKey | None = None,
) -> bytes:
    """A self-signed .pfx for the demo shop and the tests, with the RUT where Chilean CAs put it.

    The SII would not accept it (no recognised CA), but every local check, xmlsec1 and the simulator do.
    """
    private_key = key if key is not None else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Certificado de prueba (no válido ante el SII)"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    rut_bytes = rut.compact.encode("ascii")
    start = _aware(now).astimezone(UTC) - timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.OtherName(RUT_OTHER_NAME_OIDS[0], bytes([0x16, len(rut_bytes)]) + rut_bytes)]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"),
        private_key,
        certificate,
        None,
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )


class CertificateStore:
    """The certificate and its password as two files in the secrets directory, each readable only by the app."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def pfx_path(self) -> Path:
        return self.directory / PFX_FILE

    @property
    def password_path(self) -> Path:
        return self.directory / PASSWORD_FILE

    def exists(self) -> bool:
        return self.pfx_path.is_file() and self.password_path.is_file()

    def save(self, pfx: bytes, password: str, *, now: datetime) -> Certificate:
        """Checks the certificate opens and is valid, then stores it; a bad upload never replaces a good one."""
        certificate = load_pkcs12(pfx, password, now=now)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_private(self.pfx_path, pfx)
        _write_private(self.password_path, password.encode("utf-8"))
        return certificate

    def load(self, *, now: datetime) -> Certificate:
        if not self.exists():
            raise CertificateInvalid(
                "No hay un certificado digital cargado. Súbalo en Configuración › SII para emitir documentos."
            )
        password = self.password_path.read_bytes().decode("utf-8")
        return load_pkcs12(self.pfx_path.read_bytes(), password, now=now)


def _write_private(path: Path, content: bytes) -> None:
    # Created 0600 from the start (never world-readable, even for an instant) and swapped in atomically.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _rsa_public_key(certificate: x509.Certificate) -> rsa.RSAPublicKey:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CertificateInvalid("La llave del certificado no es RSA; el SII solo acepta firmas RSA.")
    return key


def _der_string(value: bytes) -> str:
    """The text of a DER-encoded string (IA5String, UTF8String or PrintableString), or "" if it is not one."""
    if len(value) < 2 or value[0] not in _STRING_TAGS:
        return ""
    length, offset = value[1], 2
    if length & 0x80:  # long form: never for a RUT, but read it rather than misread it
        size = length & 0x7F
        length, offset = int.from_bytes(value[2 : 2 + size], "big"), 2 + size
    return value[offset : offset + length].decode("latin-1")


def _parse_rut(text: str) -> Rut | None:
    try:
        return Rut.parse(text)
    except InvalidRut:
        return None


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is needed")
    return moment
