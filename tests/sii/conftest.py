"""Session fixtures for the SII tests: one local CAF authority, one certificate, one CAF per document type.
RSA keys are generated once per session to keep the suite quick."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from appliance.sii.caf import Caf, parse_caf
from appliance.sii.caf_issuer import LocalCafAuthority, generate_folio_key
from appliance.sii.certificate import Certificate, create_test_certificate, load_pkcs12
from tests.sii.support import CERT_PASSWORD, COMPANY_RUT, HOLDER_RUT, ISSUER, NOW


@pytest.fixture(scope="session")
def authority() -> LocalCafAuthority:
    return LocalCafAuthority.generate()


@pytest.fixture(scope="session")
def folio_key() -> rsa.RSAPrivateKey:
    return generate_folio_key()


@pytest.fixture(scope="session")
def pfx() -> bytes:
    return create_test_certificate(HOLDER_RUT, "Ñeli Pérez Soto", password=CERT_PASSWORD, now=NOW)


@pytest.fixture(scope="session")
def cert(pfx: bytes) -> Certificate:
    return load_pkcs12(pfx, CERT_PASSWORD, now=NOW)


@pytest.fixture(scope="session")
def caf_for(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey) -> Callable[[int], Caf]:
    """A CAF of the company for folios 1..1000 of a type, authorised two months before NOW (cached per type)."""
    cache: dict[int, Caf] = {}

    def make(tipo: int) -> Caf:
        if tipo not in cache:
            cache[tipo] = parse_caf(
                authority.issue(
                    rut_emisor=COMPANY_RUT,
                    razon_social=ISSUER.razon_social,
                    tipo_dte=tipo,
                    folio_desde=1,
                    folio_hasta=1000,
                    fecha_autorizacion=date(2026, 1, 5),
                    folio_key=folio_key,
                )
            )
        return cache[tipo]

    return make
