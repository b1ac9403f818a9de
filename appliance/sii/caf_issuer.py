"""A local stand-in for the SII's folio authority, for the demo shop, the SII simulator and the tests.

It signs CAFs exactly as the SII does (FRMA = SHA1withRSA over the flattened DA, a fresh 512-bit RSA key with
exponent 3 as RSASK), only with its own key and IDK. `verify_caf` then accepts its CAFs when given
`authority.signer_keys()`, and refuses them when given the SII's real keys: a demo CAF can never pass as a real one.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from lxml import etree

from appliance.core.rut import Rut
from appliance.core.text import to_latin1_safe, truncate
from appliance.sii.canonical import flatten, serialize

# Far from the SII's 100 (certificación) and 300 (producción).
LOCAL_IDK = 999

_SMALL_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97)


@dataclass(frozen=True)
class LocalCafAuthority:
    """Issues CAFs signed by `private_key` under `idk`. Keep its PEM (`to_pem`) to trust the same CAFs later."""

    private_key: rsa.RSAPrivateKey
    idk: int = LOCAL_IDK

    @classmethod
    def generate(cls, idk: int = LOCAL_IDK) -> LocalCafAuthority:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=1024), idk)

    @classmethod
    def from_pem(cls, pem: bytes, idk: int = LOCAL_IDK) -> LocalCafAuthority:
        key = serialization.load_pem_private_key(pem, None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the local CAF authority needs an RSA key")
        return cls(key, idk)

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def signer_keys(self) -> dict[int, rsa.RSAPublicKey]:
        """What to pass to `verify_caf` so that it trusts this authority."""
        return {self.idk: self.public_key}

    def issue(
        self,
        *,
        rut_emisor: Rut,
        razon_social: str,
        tipo_dte: int,
        folio_desde: int,
        folio_hasta: int,
        fecha_autorizacion: date,
        folio_key: rsa.RSAPrivateKey | None = None,
    ) -> bytes:
        """A CAF file (ISO-8859-1 bytes, as the SII delivers it) for folios `folio_desde`..`folio_hasta`.

        `folio_key` lets tests reuse one RSASK; by default each CAF gets a fresh one, as at the SII.
        """
        if not 1 <= folio_desde <= folio_hasta:
            raise ValueError(f"invalid folio range {folio_desde}..{folio_hasta}")
        key = folio_key if folio_key is not None else generate_folio_key()
        numbers = key.public_key().public_numbers()

        autorizacion = etree.Element("AUTORIZACION")
        caf = etree.SubElement(autorizacion, "CAF", version="1.0")
        da = etree.SubElement(caf, "DA")
        _sub(da, "RE", rut_emisor.compact)
        _sub(da, "RS", truncate(to_latin1_safe(razon_social).strip(), 40))
        _sub(da, "TD", str(tipo_dte))
        rng = etree.SubElement(da, "RNG")
        _sub(rng, "D", str(folio_desde))
        _sub(rng, "H", str(folio_hasta))
        _sub(da, "FA", fecha_autorizacion.isoformat())
        rsapk = etree.SubElement(da, "RSAPK")
        _sub(rsapk, "M", _b64_int(numbers.n))
        _sub(rsapk, "E", _b64_int(numbers.e))
        _sub(da, "IDK", str(self.idk))
        frma = self.private_key.sign(flatten(da), padding.PKCS1v15(), hashes.SHA1())
        _sub(caf, "FRMA", base64.b64encode(frma).decode("ascii"), algoritmo="SHA1withRSA")
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _sub(autorizacion, "RSASK", private_pem.decode("ascii"))
        _sub(autorizacion, "RSAPUBK", public_pem.decode("ascii"))
        # Indented like the SII's files, so that the verbatim copy in each timbre is exercised with whitespace.
        etree.indent(autorizacion, space="")
        body = serialize(autorizacion)
        return b'<?xml version="1.0"?>\n' + body + b"\n"


def generate_folio_key() -> rsa.RSAPrivateKey:
    """A 512-bit RSA key with public exponent 3, the kind the SII puts in RSASK.

    `cryptography` refuses to generate keys under 1024 bits, so the primes are drawn here; it still loads and
    uses such keys.
    """
    while True:
        p, q = _prime(256), _prime(256)
        n = p * q
        if p == q or n.bit_length() != 512:
            continue
        d = pow(3, -1, (p - 1) * (q - 1))
        numbers = rsa.RSAPrivateNumbers(
            p=p,
            q=q,
            d=d,
            dmp1=d % (p - 1),
            dmq1=d % (q - 1),
            iqmp=pow(q, -1, p),
            public_numbers=rsa.RSAPublicNumbers(3, n),
        )
        return numbers.private_key()


def _prime(bits: int) -> int:
    while True:
        # Top two bits set so that the product of two such primes has exactly 2 × bits bits; p ≡ 2 (mod 3) so that
        # 3 is invertible modulo p − 1.
        candidate = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if candidate % 3 == 2 and _probably_prime(candidate):
            return candidate


def _probably_prime(n: int, rounds: int = 40) -> bool:
    for small in _SMALL_PRIMES:
        if n % small == 0:
            return n == small
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _b64_int(value: int) -> str:
    return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode("ascii")


def _sub(parent: etree._Element, tag: str, text: str, **attributes: str) -> etree._Element:
    child = etree.SubElement(parent, tag, attributes)
    child.text = text
    return child
