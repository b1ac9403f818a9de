"""The device manager on its own event loop: a scan on the lane's (simulated) scanner reaches the cart and the tablet's
event stream with a beep on the GPIO buzzer; health feeds the status LED; lanes follow their settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory
from sqlalchemy import select

from appliance.db.engine import Database
from appliance.db.models import Lane
from appliance.devices.config import gpio_config
from appliance.devices.manager import DeviceManager
from appliance.pos.events import LaneHub
from appliance.sales import cart
from appliance.settings import Settings
from drivers.gpio import FAST_BLINK, SLOW_BLINK, SOLID, GpioPins
from drivers.printing import PrinterState, SimulatedPrinter
from drivers.scanner import SimulatedScanner
from tests.devices.counter import FAST_BACKOFF, MILK, seed_counter
from tests.drivers.printer_doubles import eventually

PINS = GpioPins(status_led=17, buzzer=27, shutdown_button=3, drawer_relay=22)


@asynccontextmanager
async def started(settings: Settings, factory: MockFactory) -> AsyncIterator[tuple[DeviceManager, Database, LaneHub]]:
    db, hub = Database(settings.database_path), LaneHub()
    devices = DeviceManager(settings, pin_factory=factory, backoff=FAST_BACKOFF, health_interval=0.2)
    await devices.start(db, hub)
    try:
        yield devices, db, hub
    finally:
        await devices.stop()
        await db.dispose()
        factory.reset()


@pytest.fixture
def shop(tmp_path: Path) -> Settings:
    """Built outside the test's event loop (seeding runs its own)."""
    return seed_counter(tmp_path / "shop")


@pytest.fixture
def wired_shop(shop: Settings) -> Settings:
    """A box whose settings file lists its GPIO wiring."""
    (shop.data_dir / "minimarket.toml").write_text(
        "[gpio]\nstatus_led = 17\nbuzzer = 27\nshutdown_button = 3\ndrawer_relay = 22\n", encoding="utf-8"
    )
    return shop


async def test_a_scan_on_the_box_reaches_the_cart_and_the_tablet_with_a_beep(wired_shop: Settings) -> None:
    settings = wired_shop
    assert gpio_config(settings).pins == PINS
    factory = MockFactory()
    async with started(settings, factory) as (devices, db, hub):
        lane = devices.lane(1)
        assert lane is not None and isinstance(lane.scanner, SimulatedScanner)
        buzzer = factory.pin(27)
        lane.scanner.feed(MILK)
        await eventually(lambda: lane.last_scan is not None, what="the scan being handled")
        assert lane.last_scan is not None and lane.last_scan.added
        async with db.read() as session:
            view = await cart.view(session, 1)
        assert [line.description for line in view.lines] == ["Leche Entera Colun 1 L"]
        notice = await hub.wait(1, 0, keepalive=1)
        assert notice is not None and notice.ok and notice.message == "Leche Entera Colun 1 L agregado"
        await eventually(lambda: any(state.state for state in buzzer.states), what="the buzzer chirping")

        chirps = len(buzzer.states)
        lane.scanner.feed("7800000000017")  # not in the catalog
        await eventually(lambda: lane.last_scan is not None and not lane.last_scan.added, what="the unknown scan")
        assert lane.last_scan is not None and "no está en el catálogo" in lane.last_scan.message
        await eventually(lambda: len(buzzer.states) > chirps, what="the error beep")
        assert (await hub.wait(1, 1, keepalive=1)).ok is False  # type: ignore[union-attr]


async def test_device_health_drives_the_status_led(wired_shop: Settings) -> None:
    settings = wired_shop
    async with started(settings, MockFactory()) as (devices, _db, _hub):
        await eventually(lambda: devices.led_pattern() == SOLID, what="a solid LED with everything fine")
        lane = devices.lane(1)
        assert lane is not None and isinstance(lane.simulated_printer, SimulatedPrinter)
        lane.simulated_printer.set_state(PrinterState.OFFLINE)
        await eventually(lambda: devices.led_pattern() == FAST_BLINK, what="the LED blinking fast")
        status = devices.status(1)
        assert status is not None and status.health["printer"].text.startswith("Sin conexión")
        devices.set_sii_pending(True)
        assert devices.led_pattern() == FAST_BLINK  # a device error outranks the SII
        lane.simulated_printer.set_state(PrinterState.OK)
        await eventually(lambda: devices.led_pattern() == SLOW_BLINK, what="the SII's slow blink")
        devices.set_sii_pending(False)
        assert devices.led_pattern() == SOLID
        assert devices.gpio_health().ok


async def test_lanes_follow_their_settings(shop: Settings) -> None:
    settings = shop
    async with started(settings, MockFactory()) as (devices, db, _hub):
        first = devices.lane(1)
        assert first is not None and first.printer is not None and first.printer.profile.name == "80mm"
        async with db.write() as session:
            lane = await session.scalar(select(Lane).where(Lane.id == 1))
            assert lane is not None
            lane.printer, lane.scale, lane.scanner = "simulated?paper=58mm", "", "serial:/dev/serial/by-id/nada"
            session.add(Lane(code="caja-2", name="Caja 2", printer="tcp:bad host"))
        await devices.reload(1)
        reopened = devices.lane(1)
        assert reopened is not None and reopened is not first
        assert reopened.printer is not None and reopened.printer.profile.name == "58mm"
        assert reopened.scale is None and reopened.health()["scale"].text == "Sin balanza"
        # Absent hardware is no error: the scanner waits for its port and says so.
        await eventually(lambda: reopened.health()["scanner"].state.value == "offline", what="scanner offline")
        second = devices.lane(2)
        assert second is not None and second.printer is None
        assert second.health()["printer"].text == "Configuración no válida"
        async with db.write() as session:
            lane = await session.get(Lane, 2)
            assert lane is not None
            lane.active = False
        await asyncio.sleep(0.5)  # the periodic sync closes deactivated lanes on its own
        assert devices.lane(2) is None


async def test_a_box_without_gpio_still_runs(shop: Settings) -> None:
    settings = shop
    db, hub = Database(settings.database_path), LaneHub()
    devices = DeviceManager(settings, health_interval=0.2)  # gpiozero's own factory: none on this machine
    await devices.start(db, hub)
    try:
        assert devices.lane(1) is not None
        health = devices.gpio_health()
        assert health.state.value in ("offline", "ok")  # "Sin GPIO en este equipo" off a Pi
        devices.set_backup_lagging(True)  # no LED: a silent no-op
    finally:
        await devices.stop()
        await db.dispose()
