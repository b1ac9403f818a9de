"""What the settings page's test buttons do: print a test page, open the drawer, read the scale, and drive the
simulated scale and scanner. Each answers with an `Outcome` whose message is for the administrator, in Spanish.

The test page and the drawer go straight to the device (not through the lane's queue): a test must say now whether
the printer works, not wait for it. A printer that answers also wakes the queue, so waiting receipts print at once.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from appliance.core.quantity import format_quantity
from appliance.devices.health import printer_health
from appliance.devices.lane import LaneDevices
from appliance.devices.manager import DeviceManager
from appliance.devices.receipts import printer_test_page
from drivers.printing import PrinterUnavailable
from drivers.scale import (
    DeviceOffline,
    ScaleError,
    ScaleOverRange,
    ScaleProtocolError,
    ScaleUnderRange,
    ScaleUnstable,
    ScaleZeroError,
    SimulatedScale,
    Weight,
)
from drivers.scanner import SimulatedScanner

MAX_SIMULATED_GRAMS = 30_000


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str
    weight: Weight | None = None


NOT_RUNNING = Outcome(False, "Los dispositivos no están activos en este servidor.")


def _lane(manager: DeviceManager | None, lane_id: int) -> LaneDevices | Outcome:
    if manager is None:
        return NOT_RUNNING
    lane = manager.lane(lane_id)
    return lane if lane is not None else Outcome(False, "Esa caja no existe o está desactivada.")


def _unavailable(exc: PrinterUnavailable) -> str:
    return f"La impresora no pudo imprimir: {printer_health(None, exc.status).text}."


async def test_print(manager: DeviceManager | None, lane_id: int, *, shop_name: str) -> Outcome:
    lane = _lane(manager, lane_id)
    if isinstance(lane, Outcome):
        return lane
    if lane.printer is None or lane.specs.printer is None:
        return Outcome(False, "Esta caja no tiene impresora configurada.")
    page = printer_test_page(
        shop_name=shop_name,
        lane_name=lane.settings.name,
        connection=str(lane.specs.printer.connection),
        profile=lane.printer.profile,
        now=datetime.now(UTC),
    )
    try:
        await asyncio.to_thread(lane.printer.print, page)
    except PrinterUnavailable as exc:
        return Outcome(False, _unavailable(exc))
    if lane.queue is not None:
        await lane.queue.check_printer()  # back to OK: waiting receipts go now
    return Outcome(True, "Página de prueba enviada a la impresora.")


async def open_drawer(manager: DeviceManager | None, lane_id: int) -> Outcome:
    lane = _lane(manager, lane_id)
    if isinstance(lane, Outcome):
        return lane
    assert manager is not None
    pin = lane.settings.drawer_pin
    if pin == -1:
        return Outcome(False, "Esta caja está configurada sin cajón.")
    if pin == 0:
        if manager.board is None or not manager.board.drawer.fitted:
            return Outcome(False, "No hay relé GPIO de cajón configurado ([gpio] drawer_relay).")
        manager.board.drawer.pulse()
        return Outcome(True, "Cajón abierto (relé GPIO).")
    if lane.printer is None:
        return Outcome(False, "El cajón se abre desde la impresora, y esta caja no tiene impresora.")
    try:
        await asyncio.to_thread(lane.printer.open_drawer, 2 if pin == 2 else 5)
    except PrinterUnavailable as exc:
        return Outcome(False, f"No se pudo abrir el cajón: {printer_health(None, exc.status).text}.")
    return Outcome(True, f"Cajón abierto (pin {pin} de la impresora).")


_SCALE_TEXT: tuple[tuple[type[ScaleError], str], ...] = (
    (ScaleUnstable, "El peso no se estabiliza: espere a que el producto quede quieto."),
    (ScaleOverRange, "Sobre la capacidad de la balanza."),
    (ScaleUnderRange, "Peso bajo cero: retire lo que haya y ponga la balanza en cero."),
    (ScaleZeroError, "La balanza está fuera de su rango de cero: vacíela y póngala en cero."),
    (ScaleProtocolError, "La balanza responde, pero en otro protocolo o velocidad: revise el protocolo."),
    (DeviceOffline, "La balanza no responde: revise el cable y que esté encendida."),
)


def scale_error_text(exc: ScaleError) -> str:
    for kind, text in _SCALE_TEXT:
        if isinstance(exc, kind):
            return text
    return f"No se pudo leer la balanza ({exc})."


async def read_weight(manager: DeviceManager | None, lane_id: int) -> Outcome:
    lane = _lane(manager, lane_id)
    if isinstance(lane, Outcome):
        return lane
    if lane.scale is None:
        return Outcome(False, "Esta caja no tiene balanza configurada.")
    try:
        weight = await lane.scale.read()
    except ScaleError as exc:
        return Outcome(False, scale_error_text(exc))
    shown = format_quantity(weight.grams, weighed=True)
    return Outcome(True, f"Peso: {shown}{' neto' if weight.net else ''}", weight)


def set_simulated_weight(manager: DeviceManager | None, lane_id: int, text: str) -> Outcome:
    lane = _lane(manager, lane_id)
    if isinstance(lane, Outcome):
        return lane
    if not isinstance(lane.scale, SimulatedScale):
        return Outcome(False, "Solo la balanza simulada recibe peso desde aquí.")
    cleaned = text.strip().lower().removesuffix("g").strip()
    if not re.fullmatch(r"[0-9]{1,7}", cleaned) or int(cleaned) > MAX_SIMULATED_GRAMS:  # ASCII digits only
        return Outcome(False, f"Indique el peso en gramos, de 0 a {MAX_SIMULATED_GRAMS} (ej.: 1250).")
    lane.scale.put(int(cleaned))
    return Outcome(True, f"Balanza simulada: {format_quantity(int(cleaned), weighed=True)} sobre el plato.")


def simulated_scan(manager: DeviceManager | None, lane_id: int, code: str) -> Outcome:
    lane = _lane(manager, lane_id)
    if isinstance(lane, Outcome):
        return lane
    if not isinstance(lane.scanner, SimulatedScanner):
        return Outcome(False, "Solo el lector simulado recibe códigos desde aquí.")
    if not code.strip():
        return Outcome(False, "Escriba un código.")
    lane.scanner.feed(code.strip())
    return Outcome(True, f"Código {code.strip()} leído por el lector simulado de {lane.settings.name}.")
