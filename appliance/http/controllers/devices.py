"""Back-office screen for each lane's printer, scanner, scale and drawer: settings, live health, test buttons, the
simulated printer's latest tickets; and the tablet's printer banner. Administrators edit; supervisors and the owner
look. The work is in `appliance.devices`; these handlers only read the request and pick the page.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select

from appliance.catalog.draft import FormErrors
from appliance.db.models import Company, Lane
from appliance.devices import actions, detect, lane_settings, overview, previews
from appliance.devices.actions import Outcome
from appliance.devices.manager import DeviceManager
from appliance.devices.specs import DRAWER_CHOICES, PAPER_LABELS
from appliance.http.inputs import as_text
from appliance.http.pages import db, flash, form_data, is_fragment, page, redirect
from appliance.http.policy import ADMIN, BACKOFFICE_VIEW, COUNTER, allow, on_tablet

PAGE = "/dispositivos"
PROTOCOL_CHOICES = [
    ("mettler-toledo-8217", "Toledo 8217 (el más común)"),
    ("st-us-continuous", "Continuo ST/US (Torrey, Excell…)"),
    ("cas-22", "CAS continuo (22 bytes)"),
]


def _devices(request: Request[Any, Any, Any]) -> DeviceManager | None:
    manager: DeviceManager | None = request.app.state.devices
    return manager


async def _page(
    request: Request[Any, Any, Any],
    *,
    lane_id: int | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    result: Outcome | None = None,
    status_code: int = 200,
) -> Template:
    manager = _devices(request)
    async with db(request).read() as session:
        views = await overview.lane_views(session, manager)
    return page(
        request,
        "devices/list.html",
        status_code=status_code,
        views=views,
        detection=await asyncio.to_thread(detect.detect),
        gpio=manager.gpio_health() if manager else overview.NOT_RUNNING,
        running=manager is not None,
        focus=lane_id,
        focus_values=values or {},
        errors=errors or {},
        result=result,
        papers=PAPER_LABELS,
        protocols=PROTOCOL_CHOICES,
        drawers=DRAWER_CHOICES,
    )


@get(PAGE, opt=allow(BACKOFFICE_VIEW), name="devices")
async def device_list(request: Request[Any, Any, Any]) -> Template:
    return await _page(request)


@get(f"{PAGE}/estado", opt=allow(BACKOFFICE_VIEW))
async def device_health(request: Request[Any, Any, Any]) -> Response[Any]:
    async with db(request).read() as session:
        lane_ids = list(await session.scalars(select(Lane.id)))
    return Response(overview.health_json(_devices(request), lane_ids), headers={"cache-control": "no-store"})


@post(f"{PAGE}/{{lane_id:int}}", opt=allow(ADMIN))
async def save_settings(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Template | Redirect:
    data = await form_data(request)
    try:
        async with db(request).write() as session:
            lane = await lane_settings.save(session, lane_id, data, actor_id=request.user.id)
    except FormErrors as exc:
        return await _page(request, lane_id=lane_id, values=data, errors=exc.fields, status_code=400)
    manager = _devices(request)
    if manager is not None:
        await manager.reload(lane_id)
    flash(request, f"Dispositivos de «{lane.name}» guardados.")
    return redirect(f"{PAGE}#caja-{lane_id}")


async def _act(request: Request[Any, Any, Any], lane_id: int, outcome: Outcome) -> Redirect:
    flash(request, outcome.message, "ok" if outcome.ok else "error")
    return redirect(f"{PAGE}#caja-{lane_id}")


@post(f"{PAGE}/{{lane_id:int}}/prueba", opt=allow(ADMIN))
async def test_print(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Redirect:
    async with db(request).read() as session:
        company = await session.get(Company, 1)
    name = (company.nombre_fantasia or company.razon_social) if company else ""
    return await _act(request, lane_id, await actions.test_print(_devices(request), lane_id, shop_name=name))


@post(f"{PAGE}/{{lane_id:int}}/cajon", opt=allow(ADMIN))
async def open_drawer(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Redirect:
    return await _act(request, lane_id, await actions.open_drawer(_devices(request), lane_id))


@post(f"{PAGE}/{{lane_id:int}}/reintentar", opt=allow(ADMIN))
async def retry_printing(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Redirect:
    manager = _devices(request)
    lane = manager.lane(lane_id) if manager is not None else None
    if lane is None or lane.queue is None:
        return await _act(request, lane_id, Outcome(False, "Esa caja no tiene impresora activa."))
    status = await lane.queue.check_printer()
    lane.queue.retry_now()
    if status.ok:
        return await _act(request, lane_id, Outcome(True, "Impresora lista: se imprimen los tickets en espera."))
    return await _act(request, lane_id, Outcome(False, "La impresora sigue sin poder imprimir; se reintentará sola."))


@get(f"{PAGE}/{{lane_id:int}}/peso", opt=allow(BACKOFFICE_VIEW))
async def read_weight(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Template:
    outcome = await actions.read_weight(_devices(request), lane_id)
    if is_fragment(request):
        return page(request, "devices/_weight.html", result=outcome)
    return await _page(request, lane_id=lane_id, result=outcome)


@post(f"{PAGE}/{{lane_id:int}}/balanza-simulada", opt=allow(ADMIN))
async def simulated_weight(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Redirect:
    grams = (await form_data(request)).text("grams", max_len=20, label="gramos")
    return await _act(request, lane_id, actions.set_simulated_weight(_devices(request), lane_id, grams))


@post(f"{PAGE}/{{lane_id:int}}/escaneo-simulado", opt=allow(ADMIN))
async def simulated_scan(request: Request[Any, Any, Any], lane_id: FromPath[int]) -> Redirect:
    code = (await form_data(request)).text("code", max_len=2000, label="código")
    return await _act(request, lane_id, actions.simulated_scan(_devices(request), lane_id, code))


@get(f"{PAGE}/{{lane_id:int}}/tickets/{{name:str}}", opt=allow(BACKOFFICE_VIEW))
async def ticket_preview(request: Request[Any, Any, Any], lane_id: FromPath[int], name: FromPath[str]) -> Response[Any]:
    as_text(name, "name", max_len=100, label="ticket")
    manager = _devices(request)
    lane = manager.lane(lane_id) if manager is not None else None
    png = await asyncio.to_thread(previews.preview_png, lane.spool_dir, name) if lane is not None else None
    if png is None:
        raise NotFoundException()
    return Response(png, media_type="image/png", headers={"cache-control": "no-store"})


@get("/caja/impresora", opt=on_tablet(COUNTER))
async def tablet_printer_banner(request: Request[Any, Any, Any]) -> Template:
    """The tablet's printer banner, refreshed by the banner's own script."""
    return page(request, "devices/_printer_banner.html", lane=request.state.lane)


ROUTES = [
    device_list,
    device_health,
    save_settings,
    test_print,
    open_drawer,
    retry_printing,
    read_weight,
    simulated_weight,
    simulated_scan,
    ticket_preview,
    tablet_printer_banner,
]
