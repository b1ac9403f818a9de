"""The buzzer and the cash-drawer relay: timed pulses on a digital output, in gpiozero's background thread."""

from __future__ import annotations

from typing import Any


class Beeper:
    SCAN = (0.06, 0.0, 1)  # (on s, off s, count): one short chirp per accepted scan
    ERROR = (0.35, 0.15, 2)  # two long beeps: unknown code, scale unstable, printer error

    def __init__(self, buzzer: Any | None, *, time_scale: float = 1.0) -> None:
        """`buzzer`: a gpiozero Buzzer, or None (no GPIO: beeps are silent no-ops)."""
        self._buzzer = buzzer
        self._time_scale = time_scale

    def beep_scan(self) -> None:
        self._beep(*self.SCAN)

    def beep_error(self) -> None:
        self._beep(*self.ERROR)

    def close(self) -> None:
        if self._buzzer is not None:
            self._buzzer.close()
            self._buzzer = None

    def _beep(self, on: float, off: float, count: int) -> None:
        if self._buzzer is not None:  # a new beep cuts the previous one short: the latest event is what matters
            self._buzzer.beep(on * self._time_scale, off * self._time_scale, n=count, background=True)


class CashDrawer:
    """A drawer whose solenoid is driven through a relay on a GPIO pin (when it is not on the printer's kick port)."""

    def __init__(self, relay: Any | None) -> None:
        self._relay = relay

    @property
    def fitted(self) -> bool:
        return self._relay is not None

    def pulse(self, ms: int = 200) -> None:
        """Energise the solenoid for `ms` milliseconds (long enough to release the latch, short enough not to
        overheat it); returns at once."""
        if self._relay is not None:
            self._relay.blink(on_time=ms / 1000, off_time=0, n=1, background=True)

    def close(self) -> None:
        if self._relay is not None:
            self._relay.close()
            self._relay = None
