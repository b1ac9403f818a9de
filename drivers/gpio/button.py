"""`ShutdownButton`: held for `hold_seconds` it calls the callback once; a shorter press does nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class ShutdownButton:
    def __init__(self, button: Any | None, on_shutdown: Callable[[], None] | None) -> None:
        """`button`: a gpiozero Button built with hold_time and hold_repeat=False (one call per hold, however long),
        or None. `on_shutdown` runs in gpiozero's thread: hand it to the event loop with `call_soon_threadsafe`."""
        self._button = button
        self._on_shutdown = on_shutdown
        self.holds = 0
        if button is not None:
            button.when_held = self._held

    def _held(self) -> None:
        self.holds += 1
        if self._on_shutdown is None:
            return
        try:
            self._on_shutdown()
        except Exception:  # an exception would end gpiozero's hold thread: later holds would go unnoticed
            log.exception("shutdown callback failed")

    def close(self) -> None:
        if self._button is not None:
            self._button.close()
            self._button = None
