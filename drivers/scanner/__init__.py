"""Barcode scanners: the `Scanner` protocol, `EvdevScanner` (USB keyboard wedge), `SerialScanner` (USB CDC / RS-232)
and `SimulatedScanner`, plus the keyboard layouts wedge scanners are decoded with."""

from drivers.scale.health import Health, HealthState
from drivers.scanner.base import Scanner
from drivers.scanner.evdev_scanner import EvdevScanner, InputDeviceLike
from drivers.scanner.keyboard import KeyDecoder
from drivers.scanner.keymaps import ES, LATAM, LAYOUTS, US, Keymap, layout_named
from drivers.scanner.serial_scanner import TERMINATORS, SerialScanner
from drivers.scanner.simulated import SimulatedScanner

__all__ = [
    "ES",
    "LATAM",
    "LAYOUTS",
    "TERMINATORS",
    "US",
    "EvdevScanner",
    "Health",
    "HealthState",
    "InputDeviceLike",
    "KeyDecoder",
    "Keymap",
    "Scanner",
    "SerialScanner",
    "SimulatedScanner",
    "layout_named",
]
