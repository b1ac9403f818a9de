"""`python -m appliance.sii.simulator` as its own process, trusting a local CAF authority given as a PEM file."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from appliance.sii import Caf, Certificate, EnvelopeKind, LocalCafAuthority
from appliance.sii.clients import DocumentVerdict, SiiClient, SiiHosts, SiiUnreachable
from tests.sii_net.support import COMPANY_RUT, boleta, envelope, until_final

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_command_line_simulator(
    tmp_path: Path, authority: LocalCafAuthority, caf_for: Callable[[int], Caf], cert: Certificate
) -> None:
    pem = tmp_path / "autoridad-local.pem"
    pem.write_bytes(authority.to_pem())
    port = _free_port()
    command = [sys.executable, "-m", "appliance.sii.simulator", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--state-dir", str(tmp_path / "state"), "--trust-caf-key", str(pem), "--processing-delay", "0.2"]
    log = tmp_path / "simulator.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, stdout=output, stderr=output)
    try:
        async with SiiClient(SiiHosts.local(f"http://127.0.0.1:{port}"), cert, timeout=httpx.Timeout(5.0)) as sii:
            for _ in range(200):  # until it listens
                with contextlib.suppress(SiiUnreachable):
                    await sii.boleta.get_seed()
                    break
                assert process.returncode is None, log.read_text()
                await asyncio.sleep(0.05)
            data = envelope([boleta(caf_for(39), cert, 700)], cert)
            uploaded = await sii.upload(EnvelopeKind.ENVIO_BOLETA, data, rut_company=COMPANY_RUT)
            status, _ = await until_final(
                lambda: sii.envelope_status(EnvelopeKind.ENVIO_BOLETA, uploaded.track_id, rut_company=COMPANY_RUT)
            )
            assert status.verdict(39, 700) is DocumentVerdict.DOK  # the CAF's FRMA verified with the given key
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
    assert (tmp_path / "state" / "state.json").is_file()
