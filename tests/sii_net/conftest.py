"""Fixtures for the SII network tests: keys and CAFs made once per session, and a fresh simulated SII per test,
served over real HTTP on 127.0.0.1 from a background thread that stops at the end of the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from appliance.sii import Caf, Certificate, LocalCafAuthority, create_test_certificate, parse_caf
from appliance.sii.caf_issuer import generate_folio_key
from appliance.sii.certificate import load_pkcs12
from appliance.sii.clients import SiiClient, SiiHosts
from appliance.sii.simulator import SiiSimulator, SimulatorConfig, SimulatorServer
from tests.sii_net.support import CERT_PASSWORD, COMPANY_RUT, HOLDER_RUT, ISSUER, now

PROCESSING_DELAY = 0.2
CLIENT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)


@pytest.fixture(scope="session")
def authority() -> LocalCafAuthority:
    return LocalCafAuthority.generate()


@pytest.fixture(scope="session")
def rogue_authority() -> LocalCafAuthority:
    """An authority nobody trusts: its CAFs look right but their FRMA is not by a trusted key."""
    return LocalCafAuthority.generate()


@pytest.fixture(scope="session")
def folio_key() -> rsa.RSAPrivateKey:
    return generate_folio_key()


@pytest.fixture(scope="session")
def cert() -> Certificate:
    pfx = create_test_certificate(HOLDER_RUT, "Ñeli Pérez Soto", password=CERT_PASSWORD, now=now())
    return load_pkcs12(pfx, CERT_PASSWORD, now=now())


def _caf(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey, tipo: int) -> Caf:
    return parse_caf(
        authority.issue(
            rut_emisor=COMPANY_RUT,
            razon_social=ISSUER.razon_social,
            tipo_dte=tipo,
            folio_desde=1,
            folio_hasta=5000,
            fecha_autorizacion=(now() - timedelta(days=10)).date(),
            folio_key=folio_key,
        )
    )


@pytest.fixture(scope="session")
def caf_for(authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey) -> Callable[[int], Caf]:
    cache: dict[int, Caf] = {}

    def make(tipo: int) -> Caf:
        if tipo not in cache:
            cache[tipo] = _caf(authority, folio_key, tipo)
        return cache[tipo]

    return make


@pytest.fixture(scope="session")
def rogue_caf(rogue_authority: LocalCafAuthority, folio_key: rsa.RSAPrivateKey) -> Caf:
    return _caf(rogue_authority, folio_key, 39)


@pytest.fixture
def simulator(tmp_path: Path, authority: LocalCafAuthority) -> SiiSimulator:
    config = SimulatorConfig(
        state_dir=tmp_path / "sii-state",
        trusted_caf_keys=((authority.idk, authority.public_key),),
        processing_delay=PROCESSING_DELAY,
    )
    return SiiSimulator(config)


@pytest.fixture
def server(simulator: SiiSimulator) -> Iterator[SimulatorServer]:
    with SimulatorServer(simulator) as running:
        yield running


@pytest.fixture
async def sii(server: SimulatorServer, cert: Certificate) -> AsyncIterator[SiiClient]:
    async with SiiClient(SiiHosts.local(server.url), cert, timeout=CLIENT_TIMEOUT) as client:
        yield client
