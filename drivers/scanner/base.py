"""What every scanner shares: the `Scanner` protocol, and a queue between a reading task and the app's loop."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Protocol

from drivers.scale.health import Health

Emit = Callable[[str], None]


class Scanner(Protocol):
    def scans(self) -> AsyncIterator[str]:
        """`async for code in scanner.scans()`: each barcode as text. Survives unplug/replug; ends at `close()`."""
        ...

    def health(self) -> Health: ...

    async def close(self) -> None: ...


class PumpedScanner(abc.ABC):
    """A scanner whose `_pump` task reads the device and emits codes while someone iterates `scans()`.

    The queue decouples reading from consuming, so `close()` can stop the pump (and end the iteration) even while the
    pump waits on a device that sends nothing."""

    def __init__(self) -> None:
        self._health = Health.offline("not started")
        self._pumps: set[asyncio.Task[None]] = set()
        self._closed = False

    @abc.abstractmethod
    async def _pump(self, emit: Emit) -> None:
        """Read forever, emitting each scan; handle unplug/replug itself. Cancelled by `close()`."""

    def health(self) -> Health:
        return self._health

    async def scans(self) -> AsyncGenerator[str, None]:
        if self._closed:
            return
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        pump = asyncio.create_task(self._pump(queue.put_nowait))
        pump.add_done_callback(lambda _: queue.put_nowait(None))  # the end marker, however the pump ended
        self._pumps.add(pump)
        try:
            while (code := await queue.get()) is not None:
                yield code
            if not pump.cancelled() and (error := pump.exception()) is not None:
                raise error  # a bug in the pump must not look like a quiet scanner
        finally:
            self._pumps.discard(pump)
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)

    async def close(self) -> None:
        self._closed = True
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)
