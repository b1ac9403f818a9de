"""Boletas end to end over the REST channel: token, upload, TrackID, polling to EPR, per-document verdicts."""

from __future__ import annotations

from collections.abc import Callable

from appliance.sii import Caf, Certificate, EnvelopeKind
from appliance.sii.clients import DocumentVerdict, SiiClient
from appliance.sii.simulator import SiiSimulator, SimulatorServer
from tests.sii_net.support import COMPANY_RUT, boleta, envelope, until_final

BOLETA = EnvelopeKind.ENVIO_BOLETA


async def test_boletas_are_accepted_one_by_one(
    sii: SiiClient,
    server: SimulatorServer,
    simulator: SiiSimulator,
    caf_for: Callable[[int], Caf],
    cert: Certificate,
) -> None:
    simulator.state.config.processing_delay = 0.8  # long enough to see REC first on a busy machine
    signed = [boleta(caf_for(39), cert, folio) for folio in (1, 2, 3)]
    uploaded = await sii.upload(BOLETA, envelope(signed, cert), rut_company=COMPANY_RUT)
    assert uploaded.track_id.isdigit()
    assert uploaded.state == "REC"

    status, seen = await until_final(lambda: sii.envelope_status(BOLETA, uploaded.track_id, rut_company=COMPANY_RUT))
    assert seen[0] == "REC" and seen[-1] == "EPR"
    assert status.is_processed and status.all_accepted
    assert [(c.tipo, c.informados, c.aceptados, c.rechazados, c.reparos) for c in status.counts] == [(39, 3, 3, 0, 0)]
    assert status.documents == ()
    assert all(status.verdict(39, folio) is DocumentVerdict.DOK for folio in (1, 2, 3))
    assert sii.boleta.tokens.fetches == 1  # one token served the upload and every query

    report = (await sii.http.get(f"{server.url}/_sim/uploads")).json()
    assert report["envelopes"] == 1
    assert [(d["tipo"], d["folio"], d["uploads"]) for d in report["documents"]] == [(39, 1, 1), (39, 2, 1), (39, 3, 1)]


async def test_epr_is_not_accepted_reparo_and_rejection_come_with_texts(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    simulator.reparo(39, 11, "Giro del receptor no informado")
    simulator.reject(39, 12, "Monto total no cuadra con el detalle")
    signed = [boleta(caf_for(39), cert, folio) for folio in (10, 11, 12)]
    uploaded = await sii.upload(BOLETA, envelope(signed, cert), rut_company=COMPANY_RUT)

    status, _seen = await until_final(lambda: sii.envelope_status(BOLETA, uploaded.track_id, rut_company=COMPANY_RUT))
    assert status.state == "EPR"
    assert not status.all_accepted
    assert (status.informados, status.aceptados, status.reparos, status.rechazados) == (3, 1, 1, 1)
    assert status.verdict(39, 10) is DocumentVerdict.DOK
    assert status.verdict(39, 11) is DocumentVerdict.RPR
    assert status.verdict(39, 12) is DocumentVerdict.RCH
    reparo, rejected = status.result(39, 11), status.result(39, 12)
    assert reparo is not None and rejected is not None
    assert reparo.estado.accepted and reparo.estado.with_objections
    assert "Giro del receptor no informado" in reparo.message
    assert not rejected.estado.accepted
    assert rejected.message == "DTE Rechazado: Monto total no cuadra con el detalle"


async def test_a_caf_not_signed_by_a_trusted_key_is_rejected(
    sii: SiiClient, caf_for: Callable[[int], Caf], rogue_caf: Caf, cert: Certificate
) -> None:
    signed = [boleta(caf_for(39), cert, 20), boleta(rogue_caf, cert, 21)]
    uploaded = await sii.upload(BOLETA, envelope(signed, cert), rut_company=COMPANY_RUT)
    status, _seen = await until_final(lambda: sii.envelope_status(BOLETA, uploaded.track_id, rut_company=COMPANY_RUT))
    assert status.state == "EPR"
    assert status.verdict(39, 20) is DocumentVerdict.DOK
    assert status.verdict(39, 21) is DocumentVerdict.RCH
    result = status.result(39, 21)
    assert result is not None and "CAF no Autorizado" in result.message


async def test_boleta_envelope_states_for_schema_and_signature_failures(
    sii: SiiClient, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    good = envelope([boleta(caf_for(39), cert, 30)], cert)
    tampered = good.replace(b"<NroResol>0</NroResol>", b"<NroResol>1</NroResol>")  # after signing
    broken = good.replace(b"<NroResol>0</NroResol>", b"<NroResol>cero</NroResol>")  # not an integer
    assert tampered != good and broken != good
    for data, expected in ((tampered, "RFR"), (broken, "RSC")):
        uploaded = await sii.upload(BOLETA, data, rut_company=COMPANY_RUT)
        status, _seen = await until_final(
            lambda track=uploaded.track_id: sii.envelope_status(BOLETA, track, rut_company=COMPANY_RUT)
        )
        assert status.state == expected
        assert status.is_rejected and status.verdict(39, 30) is None


async def test_the_same_file_twice_is_repeated_and_counted(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    data = envelope([boleta(caf_for(39), cert, 40)], cert)
    first = await sii.upload(BOLETA, data, rut_company=COMPANY_RUT)
    second = await sii.upload(BOLETA, data, rut_company=COMPANY_RUT)
    assert first.track_id != second.track_id
    status, _seen = await until_final(lambda: sii.envelope_status(BOLETA, second.track_id, rut_company=COMPANY_RUT))
    assert status.state == "RPT"
    assert simulator.upload_count(39, 40) == 2  # what the outbox must never let happen
