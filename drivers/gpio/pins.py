"""Which BCM pin does what on the box. Every device is optional: `None` means not fitted."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GpioPins:
    status_led: int | None = 17
    buzzer: int | None = 27  # an active buzzer (sounds on DC); a passive piezo would need a tone generator
    # GPIO3 because shorting it to ground also wakes a halted Pi: the same button shuts down and starts the box.
    # It has a fixed pull-up on the board, so the button goes to ground.
    shutdown_button: int | None = 3
    drawer_relay: int | None = None  # most drawers open from the printer's kick port instead
    led_active_high: bool = True
    buzzer_active_high: bool = True
    relay_active_high: bool = True
    shutdown_hold_seconds: float = 3.0
