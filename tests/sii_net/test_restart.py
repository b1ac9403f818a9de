"""The simulator keeps its tracks and counts across its own restart; the client survives it (new token)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from appliance.sii import Caf, Certificate, EnvelopeKind, LocalCafAuthority
from appliance.sii.clients import DocumentVerdict, SiiClient, SiiHosts
from appliance.sii.simulator import SiiSimulator, SimulatorConfig, SimulatorServer
from tests.sii_net.support import COMPANY_RUT, boleta, envelope, factura, until_final


async def test_state_survives_a_restart(
    tmp_path: Path, authority: LocalCafAuthority, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    config = SimulatorConfig(
        state_dir=tmp_path / "sii", trusted_caf_keys=((authority.idk, authority.public_key),), processing_delay=0.2
    )
    first = SiiSimulator(config)
    server = SimulatorServer(first)
    server.start()
    async with SiiClient(SiiHosts.local(server.url), cert) as sii:
        boletas = await sii.upload(
            EnvelopeKind.ENVIO_BOLETA,
            envelope([boleta(caf_for(39), cert, folio) for folio in (500, 501)], cert),
            rut_company=COMPANY_RUT,
        )
        facturas = await sii.upload(
            EnvelopeKind.ENVIO_DTE, envelope([factura(caf_for(33), cert, 500)], cert), rut_company=COMPANY_RUT
        )
        server.stop()

        # A new process on the same state directory and port.
        second = SiiSimulator(config)
        assert second.upload_count(39, 500) == second.upload_count(33, 500) == 1
        restarted = SimulatorServer(second, port=server.port)
        restarted.start()
        try:
            status, _ = await until_final(
                lambda: sii.envelope_status(EnvelopeKind.ENVIO_BOLETA, boletas.track_id, rut_company=COMPANY_RUT)
            )
            assert status.state == "EPR" and status.verdict(39, 501) is DocumentVerdict.DOK
            status, _ = await until_final(
                lambda: sii.envelope_status(EnvelopeKind.ENVIO_DTE, facturas.track_id, rut_company=COMPANY_RUT)
            )
            assert status.all_accepted
            # Tokens do not survive a restart of the SII: both channels renewed theirs once, transparently.
            assert (sii.dte.tokens.fetches, sii.boleta.tokens.fetches) == (2, 2)

            # TrackIDs keep counting, and an accepted folio stays accepted: sending it again is a "DTE Repetido".
            again = await sii.upload(
                EnvelopeKind.ENVIO_BOLETA, envelope([boleta(caf_for(39), cert, 500)], cert), rut_company=COMPANY_RUT
            )
            assert int(again.track_id) > int(facturas.track_id)
            status, _ = await until_final(
                lambda: sii.envelope_status(EnvelopeKind.ENVIO_BOLETA, again.track_id, rut_company=COMPANY_RUT)
            )
            assert status.verdict(39, 500) is DocumentVerdict.RCH
            repeated = status.result(39, 500)
            assert repeated is not None and "Repetido" in repeated.message
            assert second.upload_count(39, 500) == 2
        finally:
            restarted.stop()
    assert (tmp_path / "sii" / "state.json").is_file()
    assert (tmp_path / "sii" / "envelopes" / f"{boletas.track_id}.xml").read_bytes().startswith(b"<?xml")
