"""A fake evdev input device that can be unplugged (read raises ENODEV) and plugged back, behind an opener that the
`EvdevScanner` calls like `evdev.InputDevice(path)`."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator, Iterable

from evdev import InputEvent

from tests.drivers.waiting import eventually


class FakeInputDevice:
    def __init__(self, bus: FakeEvdevBus) -> None:
        self.name = "Fake Wedge Scanner"
        self._bus = bus
        self._events: asyncio.Queue[InputEvent | OSError] = asyncio.Queue()
        self.grabbed = False
        self.closed = False
        self.gone = False

    def grab(self) -> None:
        if self._bus.busy:
            raise OSError(errno.EBUSY, "Device or resource busy")
        self.grabbed = True

    def ungrab(self) -> None:
        if self.gone:
            raise OSError(errno.ENODEV, "No such device")
        self.grabbed = False

    def close(self) -> None:
        self.closed = True

    async def async_read_loop(self) -> AsyncIterator[InputEvent]:
        while True:
            item = await self._events.get()
            if isinstance(item, OSError):
                raise item
            yield item

    def push(self, item: InputEvent | OSError) -> None:
        self._events.put_nowait(item)


class FakeEvdevBus:
    """The USB port: `open` is the scanner's opener; `send`, `unplug`, `replug` are the test's hands."""

    def __init__(self) -> None:
        self.plugged = True
        self.denied = False
        self.busy = False
        self.devices: list[FakeInputDevice] = []
        self.paths: list[str] = []

    def open(self, path: str) -> FakeInputDevice:
        self.paths.append(path)
        if self.denied:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        if not self.plugged:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        device = FakeInputDevice(self)
        self.devices.append(device)
        return device

    @property
    def current(self) -> FakeInputDevice:
        return self.devices[-1]

    def send(self, events: Iterable[InputEvent]) -> None:
        for item in events:
            self.current.push(item)

    def unplug(self) -> None:
        self.plugged = False
        self.current.gone = True
        self.current.push(OSError(errno.ENODEV, "No such device"))

    def replug(self) -> None:
        self.plugged = True

    async def wait_for_device(self, count: int) -> FakeInputDevice:
        """Until the scanner has opened and grabbed its `count`-th device."""
        await eventually(lambda: len(self.devices) >= count and self.devices[count - 1].grabbed)
        return self.devices[count - 1]
