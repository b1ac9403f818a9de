"""Saving a lane's device settings from the back office: validated, composed into the lane's connection strings,
audited. The caller owns the transaction and reloads the device manager after it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.catalog.draft import FormErrors
from appliance.core.text import is_digits
from appliance.db.models import Lane
from appliance.devices.specs import (
    DEFAULT_PROTOCOL,
    DRAWER_CHOICES,
    PAPERS,
    DeviceSpecError,
    parse_printer,
    parse_scale,
    parse_scanner,
    printer_parts,
    printer_text,
    scale_parts,
    scale_text,
)
from drivers.scale import PROTOCOLS

MAX_LENGTH = 200  # Lane.printer / scanner / scale


def form_values(lane: Lane) -> dict[str, str]:
    printer, paper = printer_parts(lane.printer)
    scale, protocol = scale_parts(lane.scale)
    return {
        "printer": printer,
        "paper": paper,
        "scanner": lane.scanner,
        "scale": scale,
        "scale_protocol": protocol,
        "drawer_pin": str(lane.drawer_pin),
    }


def _checked(errors: dict[str, str], name: str, text: str, parse: Callable[[str], object]) -> None:
    if len(text) > MAX_LENGTH:
        errors[name] = f"Máximo {MAX_LENGTH} caracteres."
        return
    try:
        parse(text)
    except DeviceSpecError as exc:
        errors[name] = exc.message


async def save(session: AsyncSession, lane_id: int, data: Mapping[str, str], *, actor_id: int | None) -> Lane:
    lane = await session.get(Lane, lane_id)
    if lane is None:
        raise FormErrors({"lane": "La caja no existe."})
    errors: dict[str, str] = {}
    paper = data.get("paper", "80mm")
    protocol = data.get("scale_protocol", DEFAULT_PROTOCOL)
    if paper not in PAPERS:
        errors["paper"] = "Elija un ancho de papel de la lista."
    if protocol not in PROTOCOLS:
        errors["scale_protocol"] = "Elija un protocolo de la lista."
    try:
        printer = printer_text(data.get("printer", ""), paper if paper in PAPERS else "80mm")
        scale = scale_text(data.get("scale", ""), protocol if protocol in PROTOCOLS else DEFAULT_PROTOCOL)
    except DeviceSpecError as exc:
        raise FormErrors({"printer": exc.message}) from None
    scanner = data.get("scanner", "").strip()
    _checked(errors, "printer", printer, parse_printer)
    _checked(errors, "scanner", scanner, parse_scanner)
    _checked(errors, "scale", scale, parse_scale)
    raw_pin = data.get("drawer_pin", "2").strip()
    pin = int(raw_pin) if is_digits(raw_pin.lstrip("-")) else None
    if pin not in DRAWER_CHOICES:
        errors["drawer_pin"] = "Elija dónde está conectado el cajón."
    elif pin in (2, 5) and not printer and "printer" not in errors:
        errors["drawer_pin"] = "Ese cajón se abre desde la impresora: configure una impresora o elija «Sin cajón»."
    if errors:
        raise FormErrors(errors)
    assert pin is not None
    before = {"printer": lane.printer, "scanner": lane.scanner, "scale": lane.scale, "drawer_pin": lane.drawer_pin}
    lane.printer, lane.scanner, lane.scale, lane.drawer_pin = printer, scanner, scale, pin
    after = {"printer": printer, "scanner": scanner, "scale": scale, "drawer_pin": pin}
    await audit.record(session, actor_id, "lane.devices", "lane", lane.id, {"before": before, "after": after})
    return lane
