"""One contract, every scanner: the simulated twin, the evdev wedge (synthetic key events) and the serial scanner
(pty) deliver scans, report health, survive unplug/replug and stop at close() the same way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.scanner import EvdevScanner, HealthState, Scanner, SerialScanner, SimulatedScanner
from tests.drivers.evdev_keys import type_text
from tests.drivers.fake_evdev import FakeEvdevBus
from tests.drivers.pty_peer import PtyPeer
from tests.drivers.waiting import eventually


@dataclass
class Rig:
    scanner: Scanner
    send: Callable[[str], None]
    unplug: Callable[[], None]
    replug: Callable[[], None]
    attached: Callable[[], Awaitable[None]]  # until the driver holds the device again


@pytest.fixture(params=["simulated", "evdev-us", "evdev-latam", "evdev-es", "serial"])
async def scanner_rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    kind = request.param
    if kind == "simulated":
        simulated = SimulatedScanner()
        rig = Rig(
            simulated,
            simulated.feed,
            lambda: simulated.set_online(False),
            lambda: simulated.set_online(True),
            lambda: eventually(lambda: True),
        )
    elif kind.startswith("evdev"):
        layout = kind.split("-")[1]
        bus = FakeEvdevBus()
        evdev_scanner = EvdevScanner("/dev/input/by-id/usb-X-event-kbd", layout, reopen_interval=0.01, opener=bus.open)
        rig = Rig(
            evdev_scanner,
            lambda code: bus.send(type_text(code, layout)),
            bus.unplug,
            bus.replug,
            lambda: eventually(lambda: bool(bus.devices) and bus.current.grabbed and not bus.current.gone),
        )
    else:
        peer = PtyPeer(tmp_path)
        serial_scanner = SerialScanner(peer.path, reopen_interval=0.01)
        rig = Rig(
            serial_scanner,
            lambda code: peer.write(code.encode() + b"\r"),
            peer.unplug,
            peer.replug,
            lambda: eventually(lambda: serial_scanner.health().ok),
        )
        request.addfinalizer(peer.close)
    yield rig
    await rig.scanner.close()


async def test_scans_arrive_in_order(scanner_rig: Rig) -> None:
    scans = scanner_rig.scanner.scans()
    first = asyncio.ensure_future(anext(scans))
    await scanner_rig.attached()
    assert scanner_rig.scanner.health().state is HealthState.OK
    for code in ("7802800716234", "ABC-123/9", "2000123004506"):
        scanner_rig.send(code)
    got = [await asyncio.wait_for(first, 2)] + [await asyncio.wait_for(anext(scans), 2) for _ in range(2)]
    assert got == ["7802800716234", "ABC-123/9", "2000123004506"]


async def test_survives_unplug(scanner_rig: Rig) -> None:
    scans = scanner_rig.scanner.scans()
    reading = asyncio.ensure_future(anext(scans))
    await scanner_rig.attached()
    scanner_rig.unplug()
    await eventually(lambda: scanner_rig.scanner.health().state is HealthState.OFFLINE)
    scanner_rig.replug()
    await scanner_rig.attached()
    scanner_rig.send("7790040613607")
    assert await asyncio.wait_for(reading, 2) == "7790040613607"


async def test_close_ends_scans(scanner_rig: Rig) -> None:
    async def collect() -> list[str]:
        return [code async for code in scanner_rig.scanner.scans()]

    collecting = asyncio.ensure_future(collect())
    await scanner_rig.attached()
    scanner_rig.send("1")
    await asyncio.sleep(0.05)
    await scanner_rig.scanner.close()
    assert await asyncio.wait_for(collecting, 2) == ["1"]
