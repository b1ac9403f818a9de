"""SerialScanner over a pty: terminators, bursts, split writes, and unplug/replug of the same by-id path."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from drivers.scanner import HealthState, SerialScanner
from drivers.scanner.serial_scanner import split_scans
from tests.drivers.pty_peer import PtyPeer
from tests.drivers.waiting import eventually


@pytest.fixture
def scanner_peer(tmp_path: Path) -> Iterator[PtyPeer]:
    peer = PtyPeer(tmp_path, "usb-Scanner_CDC-if00")
    yield peer
    peer.close()


async def next_scan(scans: AsyncIterator[str]) -> str:
    return await asyncio.wait_for(anext(scans), 2.0)


async def opened(scanner: SerialScanner) -> None:
    await eventually(lambda: scanner.health().ok)


@pytest.fixture
async def scanner_serial(request: pytest.FixtureRequest, scanner_peer: PtyPeer) -> AsyncIterator[SerialScanner]:
    terminator = getattr(request, "param", "cr")
    scanner = SerialScanner(scanner_peer.path, terminator=terminator, idle_timeout=0.08, reopen_interval=0.01)
    yield scanner
    await scanner.close()


@pytest.mark.parametrize(
    ("scanner_serial", "wire"),
    [("cr", b"7802800716234\r"), ("crlf", b"7802800716234\r\n"), ("lf", b"7802800716234\n")],
    indirect=["scanner_serial"],
)
async def test_terminators(scanner_serial: SerialScanner, scanner_peer: PtyPeer, wire: bytes) -> None:
    scans = scanner_serial.scans()
    reading = asyncio.ensure_future(next_scan(scans))
    await opened(scanner_serial)
    scanner_peer.write(wire)
    assert await reading == "7802800716234"


async def test_burst_of_two_scans_in_one_read(scanner_serial: SerialScanner, scanner_peer: PtyPeer) -> None:
    scans = scanner_serial.scans()
    reading = asyncio.ensure_future(next_scan(scans))
    await opened(scanner_serial)
    scanner_peer.write(b"ABC-123\r7790040613607\r")
    assert [await reading, await next_scan(scans)] == ["ABC-123", "7790040613607"]


async def test_scan_split_across_writes(scanner_serial: SerialScanner, scanner_peer: PtyPeer) -> None:
    scans = scanner_serial.scans()
    reading = asyncio.ensure_future(next_scan(scans))
    await opened(scanner_serial)
    scanner_peer.write(b"78028")
    await asyncio.sleep(0.08)
    scanner_peer.write(b"00716234\r")
    assert await reading == "7802800716234"


@pytest.mark.parametrize("scanner_serial", ["none"], indirect=True)
async def test_no_terminator_ends_on_silence(scanner_serial: SerialScanner, scanner_peer: PtyPeer) -> None:
    scans = scanner_serial.scans()
    reading = asyncio.ensure_future(next_scan(scans))
    await opened(scanner_serial)
    for chunk in (b"0012", b"3456"):  # gaps shorter than the idle timeout: one scan
        scanner_peer.write(chunk)
        await asyncio.sleep(0.02)
    started = time.monotonic()
    assert await reading == "00123456"
    assert time.monotonic() - started >= 0.04
    scanner_peer.write(b"99")
    assert await next_scan(scans) == "99"


async def test_unplug_and_replug_same_path(scanner_serial: SerialScanner, scanner_peer: PtyPeer) -> None:
    scans = scanner_serial.scans()
    reading = asyncio.ensure_future(next_scan(scans))
    await opened(scanner_serial)
    scanner_peer.write(b"111\r")
    assert await reading == "111"
    reading = asyncio.ensure_future(next_scan(scans))
    scanner_peer.write(b"22")  # half a scan, then the cable goes
    await asyncio.sleep(0.05)
    scanner_peer.unplug()
    await eventually(lambda: scanner_serial.health().state is HealthState.OFFLINE)
    await asyncio.sleep(0.05)  # a few reopen attempts on the missing path
    scanner_peer.replug()
    await opened(scanner_serial)
    scanner_peer.write(b"333\r")
    assert await reading == "333"


async def test_missing_port_at_start(tmp_path: Path) -> None:
    scanner = SerialScanner(str(tmp_path / "nothing"), reopen_interval=0.01)
    iteration = asyncio.ensure_future(anext(scanner.scans()))
    await asyncio.sleep(0.05)
    assert scanner.health().state is HealthState.OFFLINE
    await scanner.close()
    with pytest.raises(StopAsyncIteration):
        await iteration


def test_split_scans_keeps_the_tail() -> None:
    buffer = bytearray(b"\nA1\r\rB2\rC")
    assert split_scans(buffer, b"\r") == ["A1", "B2"]  # a stray LF and an empty scan are dropped
    assert buffer == bytearray(b"C")
    gs1 = bytearray(b"01078028007162341\x1d10LOTE\r")
    assert split_scans(gs1, b"\r") == ["01078028007162341\x1d10LOTE"]  # GS1 separator kept
