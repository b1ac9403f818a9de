"""Jinja set-up: the templates shipped in `web/`, and filters that write money, quantities and RUTs the Chilean way."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

import web
from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.core.money import format_clp
from appliance.core.quantity import format_quantity
from appliance.core.rut import Rut
from appliance.db.models.users import ROLE_LABELS, Role
from appliance.sales.tenders import METHOD_LABELS, quick_tenders

WEB_DIR = Path(web.__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def _qty(milli: int, unit: str = "unit") -> str:
    return format_quantity(milli, weighed=unit == "kg")


def _cost(value: Decimal | None) -> str:
    """A unit cost with its fractions, the Chilean way: $1.150,2500 → "$1.150,25"."""
    if value is None:
        return ""
    pesos = int(value)
    cents = int((abs(value) - abs(pesos)) * 100)
    return f"{format_clp(pesos)},{cents:02d}"


def _rut(value: str | None) -> str:
    if not value:
        return ""
    try:
        return Rut.parse(value).formatted
    except DomainError:
        return value


def _local(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    return value.astimezone(CHILE_TZ).strftime(fmt) if value else ""


def _role(value: str) -> str:
    return ROLE_LABELS.get(Role(value), value)


def _register(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.filters.update(
        method=lambda m: METHOD_LABELS.get(m, m),
        clp=format_clp,
        cost=_cost,
        qty=_qty,
        rut=_rut,
        local=_local,
        role=_role,
    )
    env.globals.update(ROLES=list(Role), quick_tenders=quick_tenders)
    env.trim_blocks = True
    env.lstrip_blocks = True


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=_register)
