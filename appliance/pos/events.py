"""Per-lane notifications, for server-sent events: a scan on the box's scanner shows on the lane's tablet at once.

Each notice has a sequence number; a tablet that reconnects (Wi-Fi drop) asks for anything after the last one it
saw. A notice carries the cart version (so the tablet knows whether to reload the cart) and a message for the
cashier — an unknown barcode changes no cart but must still be seen and heard. Alcohol refused out of hours on the
box's scanner also names the product and quantity, so the tablet can offer the supervisor's authorisation; a receipt's
timbre read there names its document, so the return screen can open that sale.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    seq: int
    version: int
    message: str
    ok: bool
    alcohol: tuple[int, int] | None = None  # (product id, milli-units) awaiting a supervisor's authorisation
    receipt: str = ""  # "39-1234": a receipt's timbre was read, for the return screen


@dataclass
class _Lane:
    seq: int = 0
    last: Notice | None = None
    # One future per waiting stream, resolved by the next notice. No lock: a stream cancelled mid-wait (a tablet
    # that dropped off the Wi-Fi) only leaves a future nobody awaits, never a lock held that blocks publishing.
    waiting: set[asyncio.Future[None]] = field(default_factory=set)


class LaneHub:
    def __init__(self) -> None:
        self._lanes: dict[int, _Lane] = {}

    def _lane(self, lane_id: int) -> _Lane:
        return self._lanes.setdefault(lane_id, _Lane())

    def last_seq(self, lane_id: int) -> int:
        return self._lane(lane_id).seq

    async def publish(
        self,
        lane_id: int,
        version: int,
        message: str = "",
        *,
        ok: bool = True,
        alcohol: tuple[int, int] | None = None,
        receipt: str = "",
    ) -> None:
        lane = self._lane(lane_id)
        lane.seq += 1
        lane.last = Notice(lane.seq, version, message, ok, alcohol, receipt)
        waiting, lane.waiting = lane.waiting, set()
        for future in waiting:
            if not future.done():
                future.set_result(None)

    async def wait(self, lane_id: int, after: int, keepalive: float) -> Notice | None:
        """The latest notice once there is one after `after`, or None after `keepalive` seconds (time to ping)."""
        lane = self._lane(lane_id)
        if lane.seq > after:
            return lane.last
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane.waiting.add(future)
        try:
            await asyncio.wait((future,), timeout=keepalive)
        finally:
            lane.waiting.discard(future)
            future.cancel()
        return lane.last if lane.seq > after else None
