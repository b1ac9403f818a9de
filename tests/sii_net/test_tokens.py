"""The token flow on both channels, the simulator's refusals, and renewal when the SII drops a token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest

from appliance.sii import Caf, Certificate, CertificateInvalid, EnvelopeKind, create_test_certificate, sign_seed
from appliance.sii.certificate import load_pkcs12
from appliance.sii.clients import SiiAuthFailed, SiiClient, SiiHosts
from appliance.sii.clients.respuesta import Respuesta, parse_respuesta, soap_request, soap_return
from appliance.sii.simulator import SiiSimulator, SimulatorServer
from tests.sii_net.support import COMPANY_RUT, HOLDER_RUT, boleta, envelope, factura, now, until_final


async def test_seed_and_token_on_both_channels(sii: SiiClient, server: SimulatorServer) -> None:
    seed = await sii.dte.get_seed()
    assert seed.isdigit() and len(seed) == 12
    dte_token = await sii.dte.tokens.get()
    boleta_token = await sii.boleta.tokens.get()
    assert dte_token and boleta_token and dte_token != boleta_token
    assert await sii.dte.tokens.get() == dte_token  # cached
    assert (sii.dte.tokens.fetches, sii.boleta.tokens.fetches) == (1, 1)


async def _get_token(http: httpx.AsyncClient, url: str, signed: bytes) -> tuple[str, str]:
    """GetTokenFromSeed by hand: (ESTADO, GLOSA)."""
    service = f"{url}/DTEWS/GetTokenFromSeed.jws"
    answer = await http.post(service, content=soap_request(service, "getToken", [("pszXml", signed.decode())]))
    respuesta = soap_return(answer.content, "getToken")
    assert isinstance(respuesta, Respuesta)
    return respuesta.estado or "", respuesta.glosa


async def test_the_simulator_refuses_bad_seeds_as_the_sii_does(
    sii: SiiClient, server: SimulatorServer, cert: Certificate
) -> None:
    seed = await sii.dte.get_seed()
    signed = sign_seed(seed, cert)
    assert (await _get_token(sii.http, server.url, signed))[0] == "00"
    assert await _get_token(sii.http, server.url, signed) == ("08", "NO Existe SEED")  # a seed is good once

    tampered = sign_seed(await sii.dte.get_seed(), cert).replace(b"<Semilla>", b"<Semilla>1")
    assert (await _get_token(sii.http, server.url, tampered))[0] == "05"  # firma inválida
    unsigned = b"<getToken><item><Semilla>" + (await sii.dte.get_seed()).encode() + b"</Semilla></item></getToken>"
    assert (await _get_token(sii.http, server.url, unsigned))[0] == "04"  # no Signature
    assert (await _get_token(sii.http, server.url, b"not xml"))[0] == "02"

    # The boleta API answers the same RESPUESTA, unwrapped.
    answer = await sii.http.post(
        f"{server.url}/recursos/v1/boleta.electronica.token",
        content=tampered,
        headers={"Content-Type": "application/xml"},
    )
    assert parse_respuesta(answer.content).estado == "05"


async def test_an_expired_seed_is_refused(simulator: SiiSimulator, server: SimulatorServer, cert: Certificate) -> None:
    simulator.state.config.seed_ttl = 0.0
    async with SiiClient(SiiHosts.local(server.url), cert) as sii:
        with pytest.raises(SiiAuthFailed) as refused:
            await sii.boleta.tokens.get()
    assert refused.value.estado == "08" and "TIME-OUT" in refused.value.message


async def test_an_expired_certificate_cannot_even_sign_the_seed(server: SimulatorServer) -> None:
    old = load_pkcs12(
        create_test_certificate(HOLDER_RUT, "Vencido", password="x", now=now() - timedelta(days=3), days=1),
        "x",
        now=now() - timedelta(days=2, hours=12),
    )
    async with SiiClient(SiiHosts.local(server.url), old) as sii:
        with pytest.raises(CertificateInvalid):
            await sii.dte.tokens.get()


async def test_expired_tokens_are_renewed_once_on_both_channels(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    facturas = await sii.upload(
        EnvelopeKind.ENVIO_DTE, envelope([factura(caf_for(33), cert, 300)], cert), rut_company=COMPANY_RUT
    )
    boletas = await sii.upload(
        EnvelopeKind.ENVIO_BOLETA, envelope([boleta(caf_for(39), cert, 300)], cert), rut_company=COMPANY_RUT
    )
    assert (sii.dte.tokens.fetches, sii.boleta.tokens.fetches) == (1, 1)

    simulator.expire_tokens()  # QueryEstUp now answers ESTADO 002, the boleta API HTTP 401
    dte_status, _ = await until_final(
        lambda: sii.envelope_status(EnvelopeKind.ENVIO_DTE, facturas.track_id, rut_company=COMPANY_RUT)
    )
    boleta_status, _ = await until_final(
        lambda: sii.envelope_status(EnvelopeKind.ENVIO_BOLETA, boletas.track_id, rut_company=COMPANY_RUT)
    )
    assert dte_status.state == boleta_status.state == "EPR"
    assert (sii.dte.tokens.fetches, sii.boleta.tokens.fetches) == (2, 2)

    simulator.expire_tokens()  # DTEUpload now answers STATUS 5: renewed, retried, received once
    await sii.upload(EnvelopeKind.ENVIO_DTE, envelope([factura(caf_for(33), cert, 301)], cert), rut_company=COMPANY_RUT)
    assert sii.dte.tokens.fetches == 3
    assert simulator.upload_count(33, 301) == 1


async def test_a_token_refused_twice_is_an_auth_failure(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    simulator.state.config.token_ttl = 0.0  # every token is born expired
    with pytest.raises(SiiAuthFailed) as refused:
        await sii.upload(
            EnvelopeKind.ENVIO_BOLETA, envelope([boleta(caf_for(39), cert, 310)], cert), rut_company=COMPANY_RUT
        )
    assert not refused.value.retryable
    assert "ni con un token recién obtenido" in refused.value.message
    assert sii.boleta.tokens.fetches == 2
    assert simulator.upload_count(39, 310) == 0
