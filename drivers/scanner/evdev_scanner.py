"""`EvdevScanner`: a USB HID keyboard-wedge scanner read through evdev, grabbed so scans never type into a console.

Open it by its stable /dev/input/by-id/usb-…-event-kbd path: when the scanner is unplugged the read fails with ENODEV,
the device is released, and the same path is retried every `reopen_interval` until udev re-creates it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import evdev

from drivers.scale.health import Health
from drivers.scanner.base import Emit, PumpedScanner
from drivers.scanner.keyboard import KeyDecoder
from drivers.scanner.keymaps import Keymap


class InputDeviceLike(Protocol):
    """The part of `evdev.InputDevice` the scanner uses (tests pass a fake that raises ENODEV on cue)."""

    name: str

    def grab(self) -> None: ...

    def ungrab(self) -> None: ...

    def close(self) -> None: ...

    def async_read_loop(self) -> AsyncIterator[evdev.InputEvent]: ...


Opener = Callable[[str], InputDeviceLike]


class EvdevScanner(PumpedScanner):
    def __init__(
        self, path: str, layout: Keymap | str = "us", *, reopen_interval: float = 1.0, opener: Opener | None = None
    ) -> None:
        super().__init__()
        self.path = path
        self.layout = layout
        self.reopen_interval = reopen_interval
        self._opener: Opener = opener or evdev.InputDevice
        self._health = Health.offline(f"{path}: not opened yet")

    def __repr__(self) -> str:
        return f"EvdevScanner({self.path!r})"

    async def _pump(self, emit: Emit) -> None:
        decoder = KeyDecoder(self.layout)
        while True:
            device = await self._open()
            decoder.reset()  # a scan cut by the unplug is dropped, not glued to the next one
            try:
                async for event in device.async_read_loop():
                    if (code := decoder.feed(event)) is not None:
                        emit(code)
                self._health = Health.offline(f"{self.path}: device stopped sending")
            except OSError as error:  # ENODEV when unplugged
                self._health = Health.offline(f"{self.path}: {error.strerror or error}")
            finally:
                _release(device)
            await asyncio.sleep(self.reopen_interval)

    async def _open(self) -> InputDeviceLike:
        while True:
            try:
                device = self._opener(self.path)
            except PermissionError:
                self._health = Health.error(
                    f"{self.path}: permission denied (needs a udev rule giving the service user this device)"
                )
            except OSError as error:
                self._health = Health.offline(f"{self.path}: waiting for the scanner ({error.strerror or error})")
            else:
                try:
                    device.grab()  # exclusive: scans must not reach the console or another program
                except OSError as error:
                    device.close()
                    busy = error.errno == errno.EBUSY
                    self._health = Health.error(
                        f"{self.path}: another program has grabbed the scanner" if busy else f"{self.path}: {error}"
                    )
                else:
                    self._health = Health.healthy(f"{device.name} on {self.path}")
                    return device
            await asyncio.sleep(self.reopen_interval)


def _release(device: InputDeviceLike) -> None:
    with contextlib.suppress(OSError):  # gone already: ENODEV on ungrab is expected
        device.ungrab()
    with contextlib.suppress(OSError):
        device.close()
