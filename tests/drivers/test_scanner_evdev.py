"""EvdevScanner over a fake input device: grabbing, layouts, and hot-plug (ENODEV mid-stream, then back)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from drivers.scanner import EvdevScanner, HealthState
from tests.drivers.evdev_keys import press, type_text
from tests.drivers.fake_evdev import FakeEvdevBus

PATH = "/dev/input/by-id/usb-Fake_Wedge_Scanner-event-kbd"


@pytest.fixture
async def scanner_bus() -> AsyncIterator[FakeEvdevBus]:
    yield FakeEvdevBus()


@pytest.fixture
async def scanner_evdev(scanner_bus: FakeEvdevBus) -> AsyncIterator[EvdevScanner]:
    scanner = EvdevScanner(PATH, "latam", reopen_interval=0.01, opener=scanner_bus.open)
    yield scanner
    await scanner.close()


async def next_scan(scans: AsyncIterator[str]) -> str:
    return await asyncio.wait_for(anext(scans), timeout=2.0)


async def test_scans_decoded_with_layout_and_grabbed(scanner_bus: FakeEvdevBus, scanner_evdev: EvdevScanner) -> None:
    scans = scanner_evdev.scans()
    reading = asyncio.ensure_future(next_scan(scans))
    device = await scanner_bus.wait_for_device(1)
    assert scanner_bus.paths == [PATH]
    assert device.grabbed  # exclusive: the console sees nothing
    assert scanner_evdev.health().state is HealthState.OK
    assert "Fake Wedge Scanner" in scanner_evdev.health().detail
    scanner_bus.send(type_text("LOTE-2024/07", "latam") + type_text("7802800716234", "latam"))
    assert await reading == "LOTE-2024/07"
    assert await next_scan(scans) == "7802800716234"
    await scans.aclose()
    assert device.closed and not device.grabbed  # released when nobody listens any more


async def test_unplug_mid_stream_then_back(scanner_bus: FakeEvdevBus, scanner_evdev: EvdevScanner) -> None:
    scans = scanner_evdev.scans()
    reading = asyncio.ensure_future(next_scan(scans))
    first = await scanner_bus.wait_for_device(1)
    scanner_bus.send(type_text("111", "latam"))
    assert await reading == "111"

    scanner_bus.send(press(30) + press(31))  # half a scan ("as")…
    reading = asyncio.ensure_future(next_scan(scans))
    scanner_bus.unplug()  # …then the cable is pulled: ENODEV
    await asyncio.sleep(0.05)
    assert first.closed
    assert scanner_evdev.health().state is HealthState.OFFLINE
    assert len(scanner_bus.paths) > 2  # it keeps retrying the same path

    scanner_bus.replug()
    second = await scanner_bus.wait_for_device(2)
    assert set(scanner_bus.paths) == {PATH}
    assert scanner_evdev.health().state is HealthState.OK
    scanner_bus.send(type_text("222", "latam"))
    assert await reading == "222"  # the half scan was dropped, not glued on
    assert second.grabbed


async def test_absent_at_start_is_offline_until_plugged(scanner_bus: FakeEvdevBus) -> None:
    scanner_bus.plugged = False
    scanner = EvdevScanner(PATH, "us", reopen_interval=0.01, opener=scanner_bus.open)
    scans = scanner.scans()
    reading = asyncio.ensure_future(next_scan(scans))
    await asyncio.sleep(0.05)
    assert scanner.health().state is HealthState.OFFLINE
    scanner_bus.replug()
    await scanner_bus.wait_for_device(1)
    scanner_bus.send(type_text("9", "us"))
    assert await reading == "9"
    await scanner.close()


@pytest.mark.parametrize(("denied", "busy", "detail"), [(True, False, "udev rule"), (False, True, "grabbed")])
async def test_permission_and_busy_are_errors(scanner_bus: FakeEvdevBus, denied: bool, busy: bool, detail: str) -> None:
    scanner_bus.denied, scanner_bus.busy = denied, busy
    scanner = EvdevScanner(PATH, "us", reopen_interval=0.01, opener=scanner_bus.open)
    iteration = asyncio.ensure_future(anext(scanner.scans()))
    await asyncio.sleep(0.05)
    assert scanner.health().state is HealthState.ERROR
    assert detail in scanner.health().detail
    assert all(device.closed for device in scanner_bus.devices)  # a device it could not grab is not kept open
    await scanner.close()
    with pytest.raises(StopAsyncIteration):
        await iteration


async def test_close_ends_the_iteration(scanner_bus: FakeEvdevBus, scanner_evdev: EvdevScanner) -> None:
    async def collect() -> list[str]:
        return [code async for code in scanner_evdev.scans()]

    collecting = asyncio.ensure_future(collect())
    await scanner_bus.wait_for_device(1)
    scanner_bus.send(type_text("1", "latam"))
    await asyncio.sleep(0.02)
    await scanner_evdev.close()
    assert await asyncio.wait_for(collecting, 1.0) == ["1"]
    assert scanner_bus.current.closed
    assert [code async for code in scanner_evdev.scans()] == []  # closed for good
