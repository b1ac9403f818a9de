"""Which driver serves which lane, kept in step with the lanes table; scans into carts; device health; the status LED.

One `DeviceManager` per app process (`create_app(settings, devices=DeviceManager(settings))`). At start it opens the
GPIO board once and the devices of every active lane; every `health_interval` it checks printers and scales, notices
lanes created or changed elsewhere, and feeds the status LED. The settings page calls `reload()` after a change so the
new devices take over at once. Absent hardware is never an error here: it shows in health.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from appliance.db.engine import Database
from appliance.db.models import Lane
from appliance.devices import scans
from appliance.devices.config import GpioConfig, gpio_config
from appliance.devices.health import DeviceHealth, banner, driver_health
from appliance.devices.lane import LaneDevices, LaneSettings, LastScan
from appliance.jobs.print_store import OutboxJobStore
from appliance.pos.events import LaneHub
from appliance.settings import Settings
from drivers.gpio import GpioBoard, Health, LedState, Pattern, open_gpio
from drivers.printing import Backoff, QueueSnapshot
from drivers.scale import ScaleError, SerialScale

log = logging.getLogger(__name__)

DEFAULT_BACKOFF = Backoff(initial=1.0, factor=2.0, maximum=30.0)


@dataclass(frozen=True)
class LaneStatus:
    """One lane's devices as the settings page shows them."""

    settings: LaneSettings
    health: dict[str, DeviceHealth]
    waiting: int
    last_scan: LastScan | None
    banner: str | None


class DeviceManager:
    def __init__(
        self,
        settings: Settings,
        *,
        gpio: GpioConfig | None = None,
        pin_factory: Any | None = None,
        backoff: Backoff = DEFAULT_BACKOFF,
        health_interval: float = 15.0,
    ) -> None:
        """`pin_factory`: a gpiozero factory (tests: MockFactory); `backoff`: how print queues retry a printer."""
        self.settings = settings
        self.receipts_dir = settings.data_dir / "receipts"
        self._gpio_config = gpio or gpio_config(settings)
        self._pin_factory = pin_factory
        self._backoff = backoff
        self._health_interval = health_interval
        self._lanes: dict[int, LaneDevices] = {}
        self._banners: dict[int, str | None] = {}
        self._sync_lock = asyncio.Lock()
        self._led = LedState()
        self._db: Database | None = None
        self._hub: LaneHub | None = None
        self._store: OutboxJobStore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watch: asyncio.Task[None] | None = None
        self.board: GpioBoard | None = None
        self._starts = 0

    # --- lifecycle ---------------------------------------------------------------------------------------------------

    async def start(self, db: Database, hub: LaneHub) -> None:
        # An app's lifespan can be entered more than once (two test clients on one app): the devices open once.
        self._starts += 1
        if self._starts > 1:
            return
        self._db, self._hub, self._loop = db, hub, asyncio.get_running_loop()
        self._store = OutboxJobStore(db)
        self.board = await asyncio.to_thread(
            open_gpio, self._gpio_config.pins, on_shutdown=self._shutdown_pressed, pin_factory=self._pin_factory
        )
        log.info("GPIO: %s", self.board.health().detail)
        await self.sync()
        self._watch = asyncio.create_task(self._watch_loop(), name="device-health")

    async def stop(self) -> None:
        self._starts = max(0, self._starts - 1)
        if self._starts:
            return
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
            self._watch = None
        async with self._sync_lock:
            for lane in list(self._lanes.values()):
                await lane.close()
            self._lanes.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.board is not None:
            self.board.close()  # the LED goes dark: "the app is not running"
            self.board = None

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("the device manager is not started")
        return self._db

    # --- lanes -------------------------------------------------------------------------------------------------------

    async def sync(self) -> None:
        """Open the devices of lanes that are new or changed, close those of lanes gone or deactivated."""
        async with self._sync_lock:
            async with self.db.read() as session:
                rows = list(await session.scalars(select(Lane).where(Lane.active.is_(True))))
            wanted = {
                row.id: LaneSettings(row.id, row.code, row.name, row.printer, row.scanner, row.scale, row.drawer_pin)
                for row in rows
            }
            for lane_id, lane in list(self._lanes.items()):
                target = wanted.get(lane_id)
                if target is None or target.devices_differ(lane.settings) or target.code != lane.settings.code:
                    del self._lanes[lane_id]
                    await lane.close()
                elif target != lane.settings:
                    lane.settings = target  # only the name changed: keep the devices
            for lane_id, target in wanted.items():
                if lane_id not in self._lanes:
                    self._lanes[lane_id] = await self._open_lane(target)
        self._update_led()

    async def reload(self, lane_id: int) -> None:
        """The lane's settings changed: reopen its devices now (waiting receipts move to the new printer). The new
        printer is checked in the background: an unreachable one must not hold up the settings page."""
        await self.sync()

    async def _open_lane(self, target: LaneSettings) -> LaneDevices:
        assert self._store is not None
        lane = LaneDevices(target, self.receipts_dir)
        await lane.open(self._store, backoff=self._backoff, on_scan=self._scanned, on_queue_change=self._queue_changed)
        self._spawn(self._check(lane))
        log.info("lane %s: printer %r, scanner %r, scale %r", target.code, target.printer, target.scanner, target.scale)
        return lane

    def lane(self, lane_id: int) -> LaneDevices | None:
        return self._lanes.get(lane_id)

    def lanes(self) -> list[LaneDevices]:
        return sorted(self._lanes.values(), key=lambda lane: lane.settings.code)

    def status(self, lane_id: int) -> LaneStatus | None:
        lane = self._lanes.get(lane_id)
        if lane is None:
            return None
        health = lane.health()
        waiting = lane.waiting_tickets()
        return LaneStatus(lane.settings, health, waiting, lane.last_scan, banner(health["printer"], waiting))

    def banner(self, lane_id: int) -> str | None:
        status = self.status(lane_id)
        return status.banner if status else None

    def gpio_health(self) -> DeviceHealth:
        if self.board is None:
            return driver_health("gpio", Health.offline("device manager not started"))
        return driver_health("gpio", self.board.health())

    # --- scans -------------------------------------------------------------------------------------------------------

    async def _scanned(self, lane: LaneDevices, code: str) -> None:
        assert self._hub is not None
        added, message = await scans.box_scan(self.db, self._hub, lane.lane_id, code)
        lane.last_scan = LastScan(code, added, message, datetime.now(UTC))
        if self.board is not None:
            if added:
                self.board.buzzer.beep_scan()
            else:
                self.board.buzzer.beep_error()

    # --- health, LED, the tablet's printer notices ---------------------------------------------------------------

    def set_sii_pending(self, pending: bool) -> None:
        """For the SII outbox worker: documents are waiting to be sent (the LED blinks slowly)."""
        self._led = LedState(self._led.device_error, pending, self._led.backup_lagging)
        self._show_led()

    def set_backup_lagging(self, lagging: bool) -> None:
        """For the backup watcher: the off-site copy is behind (the LED double-blinks)."""
        self._led = LedState(self._led.device_error, self._led.sii_pending, lagging)
        self._show_led()

    @property
    def led(self) -> LedState:
        return self._led

    def led_pattern(self) -> Pattern | None:
        return self.board.led.pattern if self.board else None

    def _update_led(self) -> None:
        impaired = any(h.impaired for lane in self._lanes.values() for h in lane.health().values())
        self._led = LedState(impaired, self._led.sii_pending, self._led.backup_lagging)
        self._show_led()

    def _show_led(self) -> None:
        if self.board is not None:
            self.board.led.show(self._led)

    def _queue_changed(self, lane: LaneDevices, snapshot: QueueSnapshot) -> None:
        """Called by a print queue on every change (in the event loop): tell the tablet when receipts start or stop
        waiting for the printer, once per change rather than on every retry."""
        self._update_led()
        text = self.banner(lane.lane_id)
        previous = self._banners.get(lane.lane_id)
        self._banners[lane.lane_id] = text
        if text == previous or self._hub is None:
            return
        message = text or "Impresora lista: los tickets pendientes se imprimieron."
        # Version 0: a notice that changes no cart, so the tablet shows it without reloading the cart.
        self._spawn(self._hub.publish(lane.lane_id, 0, message, ok=text is None))

    async def _check(self, lane: LaneDevices) -> None:
        """Ask the printer and the scale how they are (a waiting queue retries at once if the printer is back)."""
        if lane.queue is not None:
            try:
                await lane.queue.check_printer()
            except Exception:
                log.exception("lane %s: printer status check failed", lane.settings.code)
        if isinstance(lane.scale, SerialScale):
            with contextlib.suppress(ScaleError):
                await lane.scale.read(stable=False)  # refreshes the scale's health; the weight is not used
        self._update_led()

    async def _watch_loop(self) -> None:
        while True:
            await asyncio.sleep(self._health_interval)
            try:
                await self.sync()
                await asyncio.gather(*(self._check(lane) for lane in list(self._lanes.values())))
            except Exception:
                log.exception("device health check failed")

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- the shutdown button -------------------------------------------------------------------------------------

    def _shutdown_pressed(self) -> None:
        """Runs in gpiozero's thread when the button is held: power off through systemd (polkit allows it)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._spawn, self._power_off())

    async def _power_off(self) -> None:
        command = self._gpio_config.shutdown_command
        log.warning("shutdown button held: running %s", " ".join(command))
        try:
            process = await asyncio.create_subprocess_exec(*command)
            await process.wait()
        except OSError:
            log.exception("shutdown command failed")
