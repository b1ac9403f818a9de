"""Per-lane change notifications, for server-sent events: a scan on the box's scanner shows on the lane's tablet.

Waiters do not get the change itself, only a newer cart version; they then read the cart. A tablet that missed
events (Wi-Fi drop) catches up on reconnect because it asks "anything newer than version N?".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class _Lane:
    version: int = 0
    message: str = ""  # the last thing to tell the cashier (e.g. "código desconocido")
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


class LaneHub:
    def __init__(self) -> None:
        self._lanes: dict[int, _Lane] = {}

    def _lane(self, lane_id: int) -> _Lane:
        return self._lanes.setdefault(lane_id, _Lane())

    async def publish(self, lane_id: int, version: int, message: str = "") -> None:
        lane = self._lane(lane_id)
        async with lane.changed:
            lane.version = max(lane.version, version)
            lane.message = message
            lane.changed.notify_all()

    async def wait(self, lane_id: int, after: int, keepalive: float) -> tuple[int, str] | None:
        """The newest version once it is above `after`, or None after `keepalive` seconds (time to ping)."""
        lane = self._lane(lane_id)
        async with lane.changed:
            try:
                await asyncio.wait_for(lane.changed.wait_for(lambda: lane.version > after), keepalive)
            except TimeoutError:
                return None
            return lane.version, lane.message
