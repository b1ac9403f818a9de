"""The `Scale` protocol the app programs against; `SerialScale` and `SimulatedScale` both satisfy it."""

from __future__ import annotations

from typing import Protocol

from drivers.scale.health import Health
from drivers.scale.weight import Weight


class Scale(Protocol):
    async def read(self, *, stable: bool = True) -> Weight:
        """Raises ScaleUnstable, ScaleOverRange, ScaleUnderRange, ScaleZeroError, DeviceOffline (all ScaleError)."""
        ...

    async def zero(self) -> None: ...

    async def tare(self) -> None: ...

    def health(self) -> Health: ...

    async def close(self) -> None: ...
