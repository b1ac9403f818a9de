"""GPIO on the box (gpiozero): status LED patterns, buzzer, shutdown button, optional drawer relay; no-ops without
GPIO."""

from drivers.gpio.board import GpioBoard, open_gpio
from drivers.gpio.button import ShutdownButton
from drivers.gpio.outputs import Beeper, CashDrawer
from drivers.gpio.patterns import DOUBLE_BLINK, FAST_BLINK, SLOW_BLINK, SOLID, LedState, Pattern, pattern_for
from drivers.gpio.pins import GpioPins
from drivers.gpio.status_led import StatusLed
from drivers.scale.health import Health, HealthState

__all__ = [
    "DOUBLE_BLINK",
    "FAST_BLINK",
    "SLOW_BLINK",
    "SOLID",
    "Beeper",
    "CashDrawer",
    "GpioBoard",
    "GpioPins",
    "Health",
    "HealthState",
    "LedState",
    "Pattern",
    "ShutdownButton",
    "StatusLed",
    "open_gpio",
    "pattern_for",
]
