"""`SimulatedScanner`: the demo's and the tests' scanner, fed by `feed(code)` (the back office's "scan" box)."""

from __future__ import annotations

import asyncio

from drivers.scale.health import Health
from drivers.scanner.base import Emit, PumpedScanner


class SimulatedScanner(PumpedScanner):
    def __init__(self) -> None:
        super().__init__()
        self._codes: asyncio.Queue[str] = asyncio.Queue()
        self._health = Health.healthy("simulated scanner")

    def feed(self, code: str) -> None:
        """Scan `code`. Call from the event loop's thread; codes fed before anyone iterates are kept."""
        self._codes.put_nowait(code)

    def set_online(self, online: bool) -> None:
        self._health = Health.healthy("simulated scanner") if online else Health.offline("simulated scanner unplugged")

    async def _pump(self, emit: Emit) -> None:
        while True:
            code = await self._codes.get()
            if self._health.ok:  # an unplugged scanner scans nothing
                emit(code)
