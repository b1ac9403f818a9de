"""Jinja set-up: the templates shipped in `web/`, and filters that write money, quantities, RUTs, dates and device
connections the Chilean way."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

import web
from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.core.money import cash_rounding, format_clp, round_half_up
from appliance.core.quantity import format_quantity
from appliance.core.rut import Rut
from appliance.db.models.stock import StockReason
from appliance.db.models.users import ROLE_LABELS, Role
from appliance.devices.specs import describe_device
from appliance.sales.tenders import METHOD_LABELS, quick_tenders

WEB_DIR = Path(web.__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _qty(milli: int, unit: str = "unit") -> str:
    return format_quantity(milli, weighed=unit == "kg")


def _cost(value: Decimal | int | None) -> str:
    """A unit cost on screen, in whole pesos rounded half up as the SII does: $1.150,5 → "$1.151"."""
    if value is None:
        return ""
    return format_clp(round_half_up(value))


def _number(value: int | None) -> str:
    """A count with the thousands grouped by dots: 100000 → "100.000"."""
    if value is None:
        return ""
    if not isinstance(value, int) or isinstance(value, bool):
        return str(value)
    return f"{value:,}".replace(",", ".")


def _cash(value: int) -> str:
    """What the customer hands over in cash for `value` (Ley 20.956, to the ten): 19989 → "$19.990"."""
    return format_clp(cash_rounding(value))


def _rut(value: str | None) -> str:
    if not value:
        return ""
    try:
        return Rut.parse(value).formatted
    except DomainError:
        return value


def _local(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    return value.astimezone(CHILE_TZ).strftime(fmt) if value else ""


def _day(value: date | datetime | None) -> str:
    """A date as dd-mm-aaaa (a moment is first taken to the shop's time zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _local(value, "%d-%m-%Y")
    return value.strftime("%d-%m-%Y")


def _day_lines(text: str | None) -> str:
    """Text with one date per line, as a form shows it: lines that are ISO dates (2026-12-14) read 14-12-2026; any
    other line (something mistyped, shown back with its error) is left as it is."""
    if not text:
        return ""
    lines = []
    for line in str(text).splitlines():
        match = _ISO_DATE.fullmatch(line.strip())
        lines.append(f"{match[3]}-{match[2]}-{match[1]}" if match else line)
    return "\n".join(lines)


def _role(value: str) -> str:
    return ROLE_LABELS.get(Role(value), value)


def _stock_reason(value: str) -> str:
    """A stock move's reason in words: "devolucion" → "Devolución de cliente"."""
    try:
        return StockReason(value).label
    except ValueError:
        return value


def _usb_names(detection: object) -> dict[str, str]:
    """{"04b8:0e15": "EPSON TM-T20II"} from the page's detection, for naming a USB printer by what it says it is."""
    names: dict[str, str] = {}
    devices: Iterable[object] = getattr(detection, "usb", ()) or ()
    for device in devices:
        ids = getattr(device, "ids", "")
        name = " ".join(
            str(part) for part in (getattr(device, "manufacturer", ""), getattr(device, "product", "")) if part
        )
        if ids and name:
            names[ids] = name
    return names


def _device(text: str | None, kind: str, detection: object = None) -> str:
    """A lane's device connection in plain words: "usb:04b8:0e15" → "Impresora USB (Epson)"."""
    return describe_device(kind, text or "", _usb_names(detection))


def _register(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters.update(
        method=lambda m: METHOD_LABELS.get(m, m),
        clp=format_clp,
        cost=_cost,
        cash=_cash,
        num=_number,
        qty=_qty,
        rut=_rut,
        local=_local,
        day=_day,
        day_lines=_day_lines,
        role=_role,
        stock_reason=_stock_reason,
        device=_device,
    )
    env.globals.update(ROLES=list(Role), quick_tenders=quick_tenders)
    env.trim_blocks = True
    env.lstrip_blocks = True


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=_register)
