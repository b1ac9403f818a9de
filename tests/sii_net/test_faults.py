"""Each injected fault makes the client raise the right error, and none of them counts as an upload that worked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from appliance.sii import Caf, Certificate, EnvelopeKind
from appliance.sii.clients import SiiBadAnswer, SiiBusy, SiiClient, SiiHosts, SiiUnreachable
from appliance.sii.simulator import Endpoint, SiiSimulator, SimulatorServer
from tests.sii_net.support import COMPANY_RUT, boleta, envelope, factura, until_final

BOLETA, DTE = EnvelopeKind.ENVIO_BOLETA, EnvelopeKind.ENVIO_DTE
UPLOAD = [Endpoint.UPLOAD]


async def test_timeout_is_unreachable_and_an_answer_lost_after_receipt_says_so(
    server: SimulatorServer, simulator: SiiSimulator, cert: Certificate, caf_for: Callable[[int], Caf]
) -> None:
    data = envelope([boleta(caf_for(39), cert, 200)], cert)
    timeout = httpx.Timeout(0.3, connect=1.0)
    async with SiiClient(SiiHosts.local(server.url), cert, timeout=timeout) as sii:
        await sii.boleta.tokens.get()
        simulator.hang(0.8, endpoints=UPLOAD)
        with pytest.raises(SiiUnreachable) as lost:
            await sii.upload(BOLETA, data, rut_company=COMPANY_RUT)
        assert lost.value.maybe_received and lost.value.retryable  # the client cannot tell the two cases apart
        await asyncio.sleep(0.6)  # the stalled request ends without reaching the simulated SII
        assert simulator.upload_count(39, 200) == 0

        simulator.hang(0.8, endpoints=UPLOAD, after=True)  # the SII takes the file, the answer never arrives
        with pytest.raises(SiiUnreachable) as after:
            await sii.upload(BOLETA, data, rut_company=COMPANY_RUT)
        assert after.value.maybe_received
        for _ in range(100):  # the simulated SII has it (or will have it in a moment)
            if simulator.upload_count(39, 200):
                break
            await asyncio.sleep(0.02)
        assert simulator.upload_count(39, 200) == 1  # so blindly uploading again would send it twice


async def test_connection_refused_is_unreachable_and_never_received(
    server: SimulatorServer, sii: SiiClient, cert: Certificate, caf_for: Callable[[int], Caf]
) -> None:
    server.stop()
    data = envelope([factura(caf_for(33), cert, 210)], cert)
    with pytest.raises(SiiUnreachable) as refused:
        await sii.upload(DTE, data, rut_company=COMPANY_RUT)
    assert not refused.value.maybe_received
    assert "No se pudo conectar con el SII" in refused.value.message
    server.start()  # back on the same port: the same client carries on
    uploaded = await sii.upload(DTE, data, rut_company=COMPANY_RUT)
    assert uploaded.track_id


@pytest.mark.parametrize("kind", [BOLETA, DTE])
async def test_error_500_and_html_pages_are_failures_never_success(
    kind: EnvelopeKind, sii: SiiClient, simulator: SiiSimulator, cert: Certificate, caf_for: Callable[[int], Caf]
) -> None:
    document = boleta(caf_for(39), cert, 220) if kind is BOLETA else factura(caf_for(33), cert, 220)
    tipo = 39 if kind is BOLETA else 33
    data = envelope([document], cert)
    await sii.channel(kind).tokens.get()

    simulator.fail_500(endpoints=UPLOAD)
    with pytest.raises(SiiBadAnswer) as error_500:
        await sii.upload(kind, data, rut_company=COMPANY_RUT)
    assert error_500.value.http_status == 500 and error_500.value.retryable
    assert "error interno" in error_500.value.message

    simulator.answer_html(endpoints=UPLOAD)
    with pytest.raises(SiiBadAnswer) as html:
        await sii.upload(kind, data, rut_company=COMPANY_RUT)
    assert html.value.http_status == 200
    assert "página web" in html.value.message
    assert simulator.upload_count(tipo, 220) == 0

    uploaded = await sii.upload(kind, data, rut_company=COMPANY_RUT)  # the outbox's next attempt
    assert simulator.upload_count(tipo, 220) == 1

    simulator.answer_html(endpoints=[Endpoint.STATUS])
    with pytest.raises(SiiBadAnswer):
        await sii.envelope_status(kind, uploaded.track_id, rut_company=COMPANY_RUT)
    simulator.fail_500(endpoints=[Endpoint.AUTH])
    sii.channel(kind).tokens.invalidate()
    with pytest.raises(SiiBadAnswer):
        await sii.envelope_status(kind, uploaded.track_id, rut_company=COMPANY_RUT)


@pytest.mark.parametrize("kind", [BOLETA, DTE])
async def test_429_and_503_are_busy_with_retry_after(
    kind: EnvelopeKind, sii: SiiClient, simulator: SiiSimulator, cert: Certificate, caf_for: Callable[[int], Caf]
) -> None:
    document = boleta(caf_for(39), cert, 230) if kind is BOLETA else factura(caf_for(33), cert, 230)
    data = envelope([document], cert)
    simulator.busy(status=429, retry_after=7, endpoints=UPLOAD)
    with pytest.raises(SiiBusy) as busy:
        await sii.upload(kind, data, rut_company=COMPANY_RUT)
    assert busy.value.retry_after == 7 and busy.value.http_status == 429
    simulator.busy(status=503, retry_after=None, endpoints=[Endpoint.AUTH])
    sii.channel(kind).tokens.invalidate()
    with pytest.raises(SiiBusy) as unavailable:
        await sii.upload(kind, data, rut_company=COMPANY_RUT)
    assert unavailable.value.retry_after is None and unavailable.value.http_status == 503
    assert simulator.upload_count(39 if kind is BOLETA else 33, 230) == 0


async def test_faults_can_be_set_over_http(
    server: SimulatorServer, sii: SiiClient, cert: Certificate, caf_for: Callable[[int], Caf]
) -> None:
    control = httpx.AsyncClient(base_url=server.url)
    busy_fault = {"mode": "busy", "status": 429, "retry_after": 3, "times": 1}
    (await control.post("/_sim/faults", json=busy_fault)).raise_for_status()
    await control.post("/_sim/faults", json={"mode": "reject", "tipo": 39, "folio": 241, "message": "Folio anulado"})
    assert len((await control.get("/_sim/faults")).json()["faults"]) == 1
    with pytest.raises(SiiBusy) as busy:
        await sii.boleta.get_seed()
    assert busy.value.retry_after == 3

    data = envelope([boleta(caf_for(39), cert, folio) for folio in (240, 241)], cert)
    uploaded = await sii.upload(BOLETA, data, rut_company=COMPANY_RUT)
    status, _ = await until_final(lambda: sii.envelope_status(BOLETA, uploaded.track_id, rut_company=COMPANY_RUT))
    rejected = status.result(39, 241)
    assert rejected is not None and "Folio anulado" in rejected.message
    detail = (await control.get(f"/_sim/tracks/{uploaded.track_id}")).json()
    assert detail["state"] == "EPR" and detail["counts"][0]["rechazados"] == 1
    (await control.delete("/_sim/faults")).raise_for_status()
    assert (await control.get("/_sim/faults")).json() == {"faults": [], "documents": []}
    await control.aclose()


def test_stopping_a_hanging_server_is_quick(server: SimulatorServer, simulator: SiiSimulator) -> None:
    simulator.hang(30, endpoints=[Endpoint.AUTH])
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{server.url}/recursos/v1/boleta.electronica.semilla", timeout=0.2)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 5
