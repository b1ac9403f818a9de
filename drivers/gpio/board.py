"""`open_gpio()`: the box's GPIO devices from a `GpioPins`, degrading to no-ops when there is no GPIO.

Absent hardware is normal (a laptop running the demo, a box without LED): start-up never raises. No pin factory at all
→ every device is a silent no-op and health says "no GPIO"; one pin failing (in use, invalid) → that device is a no-op
and health is an error naming it, while the others work.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from gpiozero import LED, Button, Buzzer, Device, DigitalOutputDevice
from gpiozero.exc import GPIOZeroError, PinFactoryFallback

from drivers.gpio.button import ShutdownButton
from drivers.gpio.outputs import Beeper, CashDrawer
from drivers.gpio.pins import GpioPins
from drivers.gpio.status_led import StatusLed
from drivers.scale.health import Health

# What building a device on a broken or foreign pin raises: gpiozero's own errors, and OS/driver errors underneath.
_PIN_ERRORS = (GPIOZeroError, OSError, RuntimeError, ValueError)


class GpioBoard:
    def __init__(
        self,
        led: StatusLed,
        buzzer: Beeper,
        shutdown: ShutdownButton,
        drawer: CashDrawer,
        health: Health,
    ) -> None:
        self.led = led
        self.buzzer = buzzer
        self.shutdown = shutdown
        self.drawer = drawer
        self._health = health

    def health(self) -> Health:
        return self._health

    def close(self) -> None:
        for part in (self.led, self.buzzer, self.shutdown, self.drawer):
            part.close()


def open_gpio(
    pins: GpioPins | None = None,
    *,
    on_shutdown: Callable[[], None] | None = None,
    pin_factory: Any | None = None,
    time_scale: float = 1.0,
) -> GpioBoard:
    """`pin_factory`: a gpiozero factory (tests pass MockFactory()); by default `Device.pin_factory` or gpiozero's
    default for this machine. `time_scale` shrinks LED and buzzer timings (tests)."""
    pins = pins or GpioPins()
    factory, reason = _factory(pin_factory)
    problems: list[str] = []

    def build(kind: str, pin: int | None, make: Callable[[int], Any]) -> Any | None:
        if factory is None or pin is None:
            return None
        try:
            return make(pin)
        except _PIN_ERRORS as error:
            problems.append(f"{kind} on GPIO{pin}: {error}")
            return None

    led = build("status LED", pins.status_led, lambda p: LED(p, active_high=pins.led_active_high, pin_factory=factory))
    buzzer = build("buzzer", pins.buzzer, lambda p: Buzzer(p, active_high=pins.buzzer_active_high, pin_factory=factory))
    button = build(
        "shutdown button",
        pins.shutdown_button,
        # bounce_time: a contact that chatters mid-hold would otherwise restart the 3 s count.
        lambda p: Button(p, pull_up=True, bounce_time=0.05, hold_time=pins.shutdown_hold_seconds, pin_factory=factory),
    )
    relay = build(
        "drawer relay",
        pins.drawer_relay,
        lambda p: DigitalOutputDevice(p, active_high=pins.relay_active_high, initial_value=False, pin_factory=factory),
    )

    if factory is None:
        health = Health.offline(f"no GPIO ({reason})")
    elif problems:
        health = Health.error("; ".join(problems))
    else:
        fitted = [
            f"{kind} GPIO{pin}"
            for kind, pin in (
                ("LED", pins.status_led),
                ("buzzer", pins.buzzer),
                ("button", pins.shutdown_button),
                ("drawer", pins.drawer_relay),
            )
            if pin is not None
        ]
        health = Health.healthy("GPIO: " + ", ".join(fitted) if fitted else "GPIO: nothing fitted")
    return GpioBoard(
        StatusLed(led, time_scale=time_scale),
        Beeper(buzzer, time_scale=time_scale),
        ShutdownButton(button, on_shutdown),
        CashDrawer(relay),
        health,
    )


def _factory(pin_factory: Any | None) -> tuple[Any | None, str]:
    if pin_factory is not None:
        return pin_factory, ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PinFactoryFallback)  # one warning per library tried: noise on a laptop
            Device.ensure_pin_factory()
    except Exception as error:  # BadPinFactory, or whatever a half-installed GPIO library raises on import
        return None, f"no pin factory: {error}"
    return Device.pin_factory, ""
