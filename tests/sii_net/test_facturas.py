"""Facturas and notas end to end over the SOAP channel: CrSeed/GetTokenFromSeed, DTEUpload, QueryEstUp, QueryEstDte."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from appliance.core.rut import Rut
from appliance.sii import Caf, Certificate, EnvelopeKind
from appliance.sii.clients import DocumentVerdict, SiiClient, SiiQueryFailed, SiiUploadRejected
from appliance.sii.simulator import SiiSimulator
from tests.sii_net.support import BUYER, COMPANY_RUT, envelope, factura, now, until_final

DTE = EnvelopeKind.ENVIO_DTE


async def test_factura_upload_trackid_polling_and_document_state(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    simulator.state.config.processing_delay = 0.8  # long enough to see REC first on a busy machine
    signed = factura(caf_for(33), cert, 101)
    uploaded = await sii.upload(DTE, envelope([signed], cert), rut_company=COMPANY_RUT)
    assert uploaded.track_id.isdigit() and uploaded.received_at

    status, seen = await until_final(lambda: sii.envelope_status(DTE, uploaded.track_id, rut_company=COMPANY_RUT))
    assert seen[0] == "REC" and seen[-1] == "EPR"
    assert [(c.tipo, c.informados, c.aceptados, c.rechazados, c.reparos) for c in status.counts] == [(33, 1, 1, 0, 0)]
    assert status.all_accepted and status.verdict(33, 101) is DocumentVerdict.DOK
    assert status.documents_complete is False  # QueryEstUp gives counts, not folios

    total = int(signed.split(b"<MntTotal>")[1].split(b"<")[0])
    state = await sii.dte.document_status(
        rut_company=COMPANY_RUT, tipo=33, folio=101, fecha_emision=now().date(), monto=total, rut_receptor=BUYER.rut
    )
    assert state.estado == "DOK" and state.received and state.matches
    wrong_amount = await sii.dte.document_status(
        rut_company=COMPANY_RUT, tipo=33, folio=101, fecha_emision=now().date(), monto=1, rut_receptor=BUYER.rut
    )
    assert wrong_amount.estado == "DNK" and wrong_amount.received and not wrong_amount.matches
    never_sent = await sii.dte.document_status(
        rut_company=COMPANY_RUT, tipo=33, folio=999, fecha_emision=now().date(), monto=1, rut_receptor=BUYER.rut
    )
    assert never_sent.estado == "FAU" and not never_sent.received
    assert sii.dte.tokens.fetches == 1
    assert simulator.upload_count(33, 101) == 1


async def test_reparo_and_rejection_show_in_counts_and_in_querestdte(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    simulator.reparo(33, 111, "Giro del receptor muy corto")
    simulator.reject(33, 112, "Receptor no es contribuyente")
    signed = [factura(caf_for(33), cert, folio) for folio in (110, 111, 112)]
    uploaded = await sii.upload(DTE, envelope(signed, cert), rut_company=COMPANY_RUT)
    status, _seen = await until_final(lambda: sii.envelope_status(DTE, uploaded.track_id, rut_company=COMPANY_RUT))
    assert status.state == "EPR" and not status.all_accepted
    assert (status.informados, status.aceptados, status.reparos, status.rechazados) == (3, 1, 1, 1)
    assert status.verdict(33, 110) is None  # which folio? QueryEstUp does not say: ask QueryEstDte
    assert "rechazados 1" in status.message

    async def estado(folio: int, amount: int) -> str:
        answer = await sii.dte.document_status(
            rut_company=COMPANY_RUT,
            tipo=33,
            folio=folio,
            fecha_emision=now().date(),
            monto=amount,
            rut_receptor=BUYER.rut,
        )
        return answer.estado

    totals = [int(dte.split(b"<MntTotal>")[1].split(b"<")[0]) for dte in signed]
    assert [await estado(folio, total) for folio, total in zip((110, 111, 112), totals, strict=True)] == [
        "DOK",
        "DOK",  # a reparo is accepted
        "FAU",  # a rejected document was never received
    ]


async def test_tampered_envelope_is_rejected_for_its_signature(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    signed = factura(caf_for(33), cert, 120)
    good = envelope([signed], cert)
    total = signed.split(b"<MntTotal>")[1].split(b"<")[0]
    tampered = good.replace(b"<MntTotal>" + total + b"<", b"<MntTotal>" + str(int(total) - 1000).encode() + b"<")
    assert tampered != good

    uploaded = await sii.upload(DTE, tampered, rut_company=COMPANY_RUT)
    status, _seen = await until_final(lambda: sii.envelope_status(DTE, uploaded.track_id, rut_company=COMPANY_RUT))
    assert status.state == "RFR" and status.is_rejected

    simulator.state.config.reject_at_upload = True  # the SII can also refuse it at once
    with pytest.raises(SiiUploadRejected) as refused:
        await sii.upload(DTE, tampered + b"\n", rut_company=COMPANY_RUT)
    assert refused.value.status == 8 and not refused.value.retryable
    assert "firma" in refused.value.message


async def test_schema_invalid_envelope_is_status_7_or_rsc(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    broken = envelope([factura(caf_for(33), cert, 130)], cert).replace(
        b"<NroResol>0</NroResol>", b"<NroResol>cero</NroResol>"
    )
    uploaded = await sii.upload(DTE, broken, rut_company=COMPANY_RUT)
    status, _seen = await until_final(lambda: sii.envelope_status(DTE, uploaded.track_id, rut_company=COMPANY_RUT))
    assert status.state == "RSC"
    assert status.description == "Rechazado por Error en Schema"

    simulator.state.config.reject_at_upload = True
    with pytest.raises(SiiUploadRejected) as refused:
        await sii.upload(DTE, broken + b"\n", rut_company=COMPANY_RUT)
    assert refused.value.status == 7
    assert "NroResol" in refused.value.detail  # the SII's DETAIL/ERROR lines are kept


async def test_the_same_file_twice_is_status_99(
    sii: SiiClient, simulator: SiiSimulator, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    data = envelope([factura(caf_for(33), cert, 140)], cert)
    await sii.upload(DTE, data, rut_company=COMPANY_RUT)
    with pytest.raises(SiiUploadRejected) as again:
        await sii.upload(DTE, data, rut_company=COMPANY_RUT)
    assert again.value.status == 99 and again.value.already_received
    assert simulator.upload_count(33, 140) == 2


async def test_caratula_must_match_the_upload_form(
    sii: SiiClient, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    other = Rut(77777777, "7")  # uploading the company's envelope as if it were another company's
    uploaded = await sii.upload(DTE, envelope([factura(caf_for(33), cert, 150)], cert), rut_company=other)
    status, _seen = await until_final(lambda: sii.envelope_status(DTE, uploaded.track_id, rut_company=other))
    assert status.state == "RCT" and status.is_rejected
    with pytest.raises(SiiQueryFailed) as not_ours:  # and the company itself does not own that TrackID
        await sii.envelope_status(DTE, uploaded.track_id, rut_company=COMPANY_RUT)
    assert not_ours.value.estado == "-11"
