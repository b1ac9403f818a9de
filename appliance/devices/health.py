"""Device health as the shop sees it: one state per device and a short Spanish sentence for the badge.

The drivers report health in English for the logs (`drivers.scale.Health`, `drivers.printing.PrinterStatus`); this
module turns them into what the back office and the tablet show. "No configurado" is a state of its own, not an
error: a lane without a scale is normal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from drivers.printing import PrinterState, PrinterStatus, QueueSnapshot, QueueState
from drivers.scale import Health, HealthState


class DeviceState(enum.StrEnum):
    OK = "ok"
    OFFLINE = "offline"
    PAPER_OUT = "paper_out"
    ERROR = "error"
    ABSENT = "absent"  # not configured for this lane
    UNKNOWN = "unknown"  # configured, not checked yet


@dataclass(frozen=True)
class DeviceHealth:
    state: DeviceState
    text: str  # Spanish, for the badge
    detail: str = ""  # the driver's own words, for whoever fixes it

    @property
    def ok(self) -> bool:
        return self.state is DeviceState.OK

    @property
    def impaired(self) -> bool:
        """Selling is affected now (the status LED blinks fast)."""
        return self.state in (DeviceState.OFFLINE, DeviceState.PAPER_OUT, DeviceState.ERROR)

    def as_json(self) -> dict[str, str]:
        return {"state": self.state.value, "text": self.text, "detail": self.detail}


ABSENT = {
    "printer": DeviceHealth(DeviceState.ABSENT, "Sin impresora"),
    "scanner": DeviceHealth(DeviceState.ABSENT, "Sin lector"),
    "scale": DeviceHealth(DeviceState.ABSENT, "Sin balanza"),
}


def misconfigured(message: str) -> DeviceHealth:
    return DeviceHealth(DeviceState.ERROR, "Configuración no válida", message)


def _tickets(count: int) -> str:
    return f"{count} ticket{'s' if count != 1 else ''} esperando"


def printer_health(snapshot: QueueSnapshot | None, status: PrinterStatus | None, waiting: int = 0) -> DeviceHealth:
    """From the print queue's snapshot or, without a queue, a status just read; `waiting`: tickets in the queue."""
    if snapshot is not None:
        status = snapshot.printer_status or status
    suffix = f": {_tickets(waiting)}" if waiting and status is not None and not status.ok else ""
    if status is None:
        text = f"Sin verificar{': ' + _tickets(waiting) if waiting else ''}"
        return DeviceHealth(DeviceState.UNKNOWN, text)
    detail = status.detail
    if status.state is PrinterState.OK:
        if snapshot is not None and snapshot.state is QueueState.PRINTING:
            return DeviceHealth(DeviceState.OK, "Imprimiendo", detail)
        return DeviceHealth(DeviceState.OK, "Con poco papel" if status.paper_near_end else "Lista", detail)
    if status.state is PrinterState.PAPER_OUT:
        return DeviceHealth(DeviceState.PAPER_OUT, "Sin papel" + suffix, detail)
    if status.state is PrinterState.OFFLINE:
        return DeviceHealth(DeviceState.OFFLINE, "Sin conexión (¿apagada o desconectada?)" + suffix, detail)
    text = "Tapa abierta" if status.cover_open else "Con error (revise papel, tapa y cortador)"
    return DeviceHealth(DeviceState.ERROR, text + suffix, detail)


_DRIVER_TEXT = {
    "scanner": {HealthState.OK: "Conectado", HealthState.OFFLINE: "Desconectado"},
    "scale": {HealthState.OK: "Conectada", HealthState.OFFLINE: "Desconectada o sin respuesta"},
    "gpio": {HealthState.OK: "Funcionando", HealthState.OFFLINE: "Sin GPIO en este equipo"},
}


def driver_health(kind: str, health: Health) -> DeviceHealth:
    """A scanner's, scale's or GPIO board's health."""
    if health.state is HealthState.ERROR:
        if "permission" in health.detail.lower():
            return DeviceHealth(DeviceState.ERROR, "Sin permiso para abrir el dispositivo (reglas udev)", health.detail)
        return DeviceHealth(DeviceState.ERROR, "Con error", health.detail)
    state = DeviceState.OK if health.state is HealthState.OK else DeviceState.OFFLINE
    if "not opened yet" in health.detail:
        return DeviceHealth(DeviceState.UNKNOWN, "Sin verificar", health.detail)
    return DeviceHealth(state, _DRIVER_TEXT[kind][health.state], health.detail)


def banner(health: DeviceHealth, waiting: int) -> str | None:
    """What the tablet shows above the cart while receipts wait: "Impresora sin papel: 2 tickets esperando"."""
    if not waiting or not health.impaired:
        return None
    what = {
        DeviceState.PAPER_OUT: "Impresora sin papel",
        DeviceState.OFFLINE: "Impresora sin conexión",
    }.get(health.state, "Impresora con error")
    return f"{what}: {_tickets(waiting)}. Se imprimirán solos al resolverlo."
