"""What can go wrong reading a scale. The app shows these to the cashier, so each says what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drivers.scale.weight import Weight


class ScaleError(Exception):
    """Base class: the scale could not give a weight to sell by."""


class DeviceOffline(ScaleError):
    """The port is gone (unplugged, wrong path) or the scale does not answer at all."""


class ScaleUnstable(ScaleError):
    """The weight did not settle within the timeout (goods still moving on the platter)."""

    def __init__(self, message: str = "weight not stable", *, weight: Weight | None = None) -> None:
        super().__init__(message)
        self.weight = weight  # the last (moving) reading, for a live display


class ScaleOverRange(ScaleError):
    """Over capacity: too much on the platter."""


class ScaleUnderRange(ScaleError):
    """Under zero: the platter was lifted, or zero/tare was set with something on it."""


class ScaleZeroError(ScaleError):
    """The scale is outside its zero capture range (e.g. switched on with goods on it): empty it and zero."""


class ScaleProtocolError(ScaleError):
    """Bytes arrive but never a valid frame: wrong protocol, baud rate or parity configured."""


class ScaleCommandUnsupported(ScaleError):
    """This protocol has no remote zero/tare: use the key on the scale."""
