"""Estado de la caja: one page that says whether the box is well — SII queue, devices, off-site copy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import select

from appliance.db.models import Lane
from appliance.devices.overview import health_json
from appliance.http.pages import db, page
from appliance.http.policy import BACKOFFICE_VIEW, allow
from appliance.sii.export import queue_status


async def _status(request: Request[Any, Any, Any]) -> dict[str, Any]:
    async with db(request).read() as session:
        sii = await queue_status(session, datetime.now(UTC))
        lanes = list(await session.scalars(select(Lane).where(Lane.active).order_by(Lane.code)))
    runner = request.app.state.sii
    devices = health_json(request.app.state.devices, [lane.id for lane in lanes])
    backup = request.app.state.get("backup")
    backup_status = backup.status if backup is not None else None
    return {
        "sii": sii,
        "sii_runner": None
        if runner is None
        else {
            "last_run": runner.health.last_run.isoformat() if runner.health.last_run else None,
            "last_error": runner.health.last_error,
        },
        "lanes": {str(lane.id): lane.name for lane in lanes},
        "devices": devices,
        "backup": None if backup_status is None else backup_status.to_json(),
    }


@get("/estado", opt=allow(BACKOFFICE_VIEW), name="status")
async def status_page(request: Request[Any, Any, Any]) -> Template:
    return page(request, "status.html", status=await _status(request))


@get("/api/estado", opt=allow(BACKOFFICE_VIEW), name="api_status")
async def status_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
    return await _status(request)


ROUTES = [status_page, status_json]
