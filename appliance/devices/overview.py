"""What the device settings page shows for each lane: its saved settings, its devices' live health, the receipts
waiting for its printer, its last scan and the simulated printer's latest tickets."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.db.models import Lane
from appliance.devices import previews
from appliance.devices.health import ABSENT, DeviceHealth, DeviceState
from appliance.devices.lane_settings import form_values
from appliance.devices.manager import DeviceManager, LaneStatus

NOT_RUNNING = DeviceHealth(DeviceState.UNKNOWN, "Dispositivos inactivos")


@dataclass(frozen=True)
class LaneView:
    lane: Lane
    values: dict[str, str]
    health: dict[str, DeviceHealth]
    status: LaneStatus | None
    waiting_errors: list[str] = field(default_factory=list)
    previews: list[previews.Preview] = field(default_factory=list)

    @property
    def simulated_scale(self) -> bool:
        return self.lane.scale.strip() == "simulated"

    @property
    def simulated_scanner(self) -> bool:
        return self.lane.scanner.strip() == "simulated"


def _health(manager: DeviceManager | None, lane: Lane) -> tuple[dict[str, DeviceHealth], LaneStatus | None]:
    status = manager.status(lane.id) if manager is not None else None
    if status is not None:
        return status.health, status
    configured = {"printer": lane.printer, "scanner": lane.scanner, "scale": lane.scale}
    return {kind: NOT_RUNNING if text.strip() else ABSENT[kind] for kind, text in configured.items()}, None


async def lane_views(session: AsyncSession, manager: DeviceManager | None) -> list[LaneView]:
    lanes = list(await session.scalars(select(Lane).order_by(Lane.code)))
    views = []
    for lane in lanes:
        health, status = _health(manager, lane)
        devices = manager.lane(lane.id) if manager is not None else None
        waiting_errors: list[str] = []
        recent: list[previews.Preview] = []
        if devices is not None:
            if devices.queue is not None:
                waiting_errors = [job.last_error for job in devices.queue.snapshot().pending if job.last_error][:3]
            if devices.simulated_printer is not None:
                recent = previews.recent(devices.spool_dir)
        views.append(LaneView(lane, form_values(lane), health, status, waiting_errors, recent))
    return views


def health_json(manager: DeviceManager | None, lane_ids: list[int]) -> dict[str, object]:
    """For the page's live badges: {lane id: {kind: {state, text, detail}}, "waiting": n, "banner": …}."""
    lanes: dict[str, object] = {}
    for lane_id in lane_ids:
        status = manager.status(lane_id) if manager is not None else None
        if status is None:
            continue
        lanes[str(lane_id)] = {
            **{kind: health.as_json() for kind, health in status.health.items()},
            "waiting": status.waiting,
            "banner": status.banner,
            "last_scan": None
            if status.last_scan is None
            else {"code": status.last_scan.code, "added": status.last_scan.added, "message": status.last_scan.message},
        }
    gpio = manager.gpio_health().as_json() if manager is not None else NOT_RUNNING.as_json()
    return {"lanes": lanes, "gpio": gpio}
