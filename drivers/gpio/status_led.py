"""`StatusLed`: plays a `Pattern` on an LED in a background thread; without an LED it only remembers the pattern."""

from __future__ import annotations

import threading
from typing import Any

from drivers.gpio.patterns import LedState, Pattern, pattern_for


class StatusLed:
    def __init__(self, led: Any | None, *, time_scale: float = 1.0) -> None:
        """`led`: a gpiozero LED, or None (no GPIO). `time_scale` shrinks the patterns' timing (tests)."""
        self._led = led
        self._time_scale = time_scale
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.pattern: Pattern | None = None  # what it shows (or would show, without an LED); None = off

    def show(self, state: LedState) -> Pattern:
        """Show the pattern for `state`. Calling it again with the same outcome keeps the blink's rhythm."""
        pattern = pattern_for(state)
        self.play(pattern)
        return pattern

    def play(self, pattern: Pattern | None) -> None:
        with self._lock:
            if pattern == self.pattern:
                return
            self._halt()
            self.pattern = pattern
            if self._led is None:
                return
            if pattern is None:
                self._led.off()
            elif not pattern.steps:
                self._led.on()
            else:
                self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._blink, args=(pattern.steps, self._stop), name="status-led", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        self.play(None)
        with self._lock:
            if self._led is not None:
                self._led.close()
                self._led = None

    def _halt(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _blink(self, steps: tuple[float, ...], stop: threading.Event) -> None:
        led = self._led
        assert led is not None
        while True:
            for index, seconds in enumerate(steps):
                if index % 2 == 0:
                    led.on()
                else:
                    led.off()
                if stop.wait(seconds * self._time_scale):
                    return
