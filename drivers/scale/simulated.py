"""`SimulatedScale`: the demo's and the tests' scale. The back office (or a test) puts weight on its platter."""

from __future__ import annotations

import asyncio
import time

from drivers.scale.errors import DeviceOffline, ScaleOverRange, ScaleUnderRange, ScaleUnstable
from drivers.scale.health import Health
from drivers.scale.weight import Weight


class SimulatedScale:
    """Behaves like a real scale: zero and tare are remembered, the weight shown is gross − zero − tare, a moving
    platter makes `read()` wait up to `timeout` for it to settle, over capacity and under zero raise."""

    def __init__(self, *, timeout: float = 2.0, capacity_grams: int = 30_000, poll_interval: float = 0.01) -> None:
        self.timeout = timeout
        self.capacity_grams = capacity_grams
        self.poll_interval = poll_interval
        self.commands: list[str] = []  # "zero"/"tare" in the order received, like the scripted real scales
        self._platter = 0
        self._stable = True
        self._zero = 0
        self._tare = 0
        self._online = True

    def put(self, grams: int, *, stable: bool = True) -> None:
        """What lies on the platter (before zero and tare); `stable=False` while it is still swinging."""
        self._platter = grams
        self._stable = stable

    def set_online(self, online: bool) -> None:
        """Unplug (False) or plug back (True) the simulated cable."""
        self._online = online

    async def read(self, *, stable: bool = True) -> Weight:
        deadline = time.monotonic() + self.timeout
        while True:
            weight = self._current()
            if weight.stable or not stable:
                if weight.stable and weight.grams < 0:
                    raise ScaleUnderRange("under zero")
                return weight
            if time.monotonic() >= deadline:
                raise ScaleUnstable(weight=weight)
            await asyncio.sleep(self.poll_interval)

    async def zero(self) -> None:
        self._check_online()
        self.commands.append("zero")
        self._zero, self._tare = self._platter, 0

    async def tare(self) -> None:
        self._check_online()
        self.commands.append("tare")
        self._tare = self._platter - self._zero

    def health(self) -> Health:
        return Health.healthy("simulated scale") if self._online else Health.offline("simulated scale unplugged")

    async def close(self) -> None:
        self._online = False

    def _current(self) -> Weight:
        self._check_online()
        if self._platter - self._zero > self.capacity_grams:
            raise ScaleOverRange("over capacity")
        return Weight(self._platter - self._zero - self._tare, self._stable, net=self._tare != 0)

    def _check_online(self) -> None:
        if not self._online:
            raise DeviceOffline("simulated scale unplugged")
