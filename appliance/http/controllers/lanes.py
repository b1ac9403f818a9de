"""Back-office screens for lanes (cajas): create them, pair tablets with a one-time code, revoke tablets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from appliance.catalog.draft import FormErrors
from appliance.db.models import Lane
from appliance.devices import scans
from appliance.http.pages import db, flash, form_data, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, allow
from appliance.pos import lanes, pairing


async def _page(
    request: Request[Any, Any, Any],
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    async with db(request).read() as session:
        rows = await lanes.summaries(session)
    return page(
        request, "lanes/list.html", status_code=status_code, rows=rows, values=values or {}, errors=errors or {}
    )


@get("/ajustes/cajas", opt=allow(BACKOFFICE_VIEW), name="lanes")
async def lane_list(request: Request[Any, Any, Any]) -> Template:
    return await _page(request)


@post("/ajustes/cajas", opt=allow(ADMIN))
async def lane_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    data = await form_data(request)
    try:
        async with db(request).write() as session:
            lane = await lanes.create(session, data.text("code"), data.text("name"), actor_id=request.user.id)
    except FormErrors as exc:
        return await _page(request, data, exc.fields, status_code=400)
    flash(request, f"Caja «{lane.name}» creada. Empareje su tablet.")
    return redirect("/ajustes/cajas")


@post("/ajustes/cajas/{lane_id:int}/codigo", opt=allow(ADMIN))
async def pairing_code(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Template:
    async with db(request).write() as session:
        code = await pairing.create_code(session, lane_id, user_id=request.user.id, now=datetime.now(UTC))
        lane = await session.get(Lane, lane_id)
    url = f"{request.app.state.public_url}/emparejar?codigo={code}"
    return page(
        request,
        "lanes/pairing_code.html",
        lane=lane,
        code=f"{code[:4]} {code[4:]}",
        url=url,
        minutes=int(pairing.CODE_TTL.total_seconds() // 60),
    )


@post("/ajustes/tablets/{device_id:int}/revocar", opt=allow(ADMIN))
async def revoke_device(request: Request[Any, Any, Any], device_id: FromPath[int]) -> Redirect:
    async with db(request).write() as session:
        await pairing.revoke(session, device_id, user_id=request.user.id, now=datetime.now(UTC))
    flash(request, "Tablet desvinculada: ya no puede abrir la caja.")
    return redirect("/ajustes/cajas")


@post("/ajustes/cajas/{lane_id:int}/escaneo", opt=allow(ADMIN))
async def simulated_scan(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Redirect:
    """The simulated scanner of a lane: a code typed here arrives exactly as if read by the box's scanner."""
    data = await form_data(request)
    code = data.text("code", max_len=2000, label="código").strip()
    added, message = await scans.box_scan(db(request), request.app.state.hub, lane_id, code)
    flash(request, message, "ok" if added else "error")
    return redirect("/ajustes/cajas")


ROUTES = [lane_list, lane_create, pairing_code, revoke_device, simulated_scan]
