"""What the screens say: pesos without decimals, counts with thousands dots, dates as dd-mm-aaaa, stock reasons and
device connections in words, the ley seca dates read as typed; and the supervisor's forms, which start with nobody
chosen and keep what was typed (`values`, the PIN never) after a refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from jinja2 import Environment

from appliance.devices.specs import describe_device
from appliance.http.templating import template_config
from appliance.sales import compliance


@pytest.fixture(scope="module")
def env() -> Environment:
    engine = template_config().to_engine()
    jinja: Environment = engine.engine
    return jinja


def _filter(env: Environment, name: str, *args: Any) -> str:
    result: str = env.filters[name](*args)
    return result


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("2195.5"), "$2.196"),  # half up, as the SII rounds
        (Decimal("2195.4999"), "$2.195"),
        (Decimal("1150.2500"), "$1.150"),
        (Decimal("0"), "$0"),
        (812, "$812"),
        (None, ""),
    ],
)
def test_costs_show_whole_pesos(env: Environment, value: Decimal | int | None, shown: str) -> None:
    assert _filter(env, "cost", value) == shown


def test_counts_cash_and_dates(env: Environment) -> None:
    assert _filter(env, "num", 100_000) == "100.000"
    assert _filter(env, "num", 999) == "999"
    assert _filter(env, "num", None) == ""
    assert _filter(env, "cash", 19_989) == "$19.990"  # Ley 20.956: 6–9 up
    assert _filter(env, "cash", 19_985) == "$19.980"  # 1–5 down
    assert _filter(env, "day", date(2026, 12, 14)) == "14-12-2026"
    assert _filter(env, "day", datetime(2026, 12, 14, 2, 30, tzinfo=UTC)) == "13-12-2026"  # the shop's day
    assert _filter(env, "day_lines", "2026-12-14\n18-09-2026\nmañana") == "14-12-2026\n18-09-2026\nmañana"


def test_stock_reasons_in_words(env: Environment) -> None:
    assert _filter(env, "stock_reason", "devolucion") == "Devolución de cliente"
    assert _filter(env, "stock_reason", "inicial") == "Stock inicial"
    assert _filter(env, "stock_reason", "venta") == "Venta"
    assert _filter(env, "stock_reason", "otra_cosa") == "otra_cosa"


@pytest.mark.parametrize(
    ("kind", "text", "words"),
    [
        ("printer", "simulated", "Impresora simulada (sin equipo)"),
        ("printer", "usb:04b8:0e15", "Impresora USB (Epson)"),
        ("printer", "usb:04b8:0e15?paper=58mm", "Impresora USB (Epson)"),
        ("printer", "usb:1234:5678", "Impresora USB"),
        ("printer", "tcp:192.168.1.50:9100", "Impresora de red 192.168.1.50"),
        ("printer", "serial:/dev/ttyUSB0", "Impresora en puerto serie (ttyUSB0)"),
        ("printer", "file:/dev/usb/lp0", "Impresora USB (lp0)"),
        ("printer", "", "Sin impresora"),
        ("printer", "impresora", "Conexión no válida: revise el detalle técnico"),
        ("scanner", "evdev:/dev/input/by-id/usb-Honeywell_1900-event-kbd", "Lector de códigos USB"),
        ("scanner", "serial:/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", "Lector de códigos en puerto serie"),
        ("scanner", "simulated", "Lector de códigos simulado (sin equipo)"),
        ("scanner", "none", "Sin lector de códigos"),
        ("scale", "serial:/dev/ttyUSB1?protocol=cas-22", "Balanza en puerto serie (ttyUSB1), protocolo CAS"),
        ("scale", "simulated", "Balanza simulada (sin equipo)"),
        ("scale", "", "Sin balanza"),
    ],
)
def test_device_connections_in_words(kind: str, text: str, words: str) -> None:
    assert describe_device(kind, text) == words


def test_a_usb_printer_is_named_by_what_is_plugged_in(env: Environment) -> None:
    plugged = SimpleNamespace(usb=[SimpleNamespace(ids="04b8:0e15", manufacturer="EPSON", product="TM-T20II")])
    assert _filter(env, "device", "usb:04b8:0e15", "printer", plugged) == "Impresora USB (EPSON TM-T20II)"
    assert _filter(env, "device", "usb:04b8:0e15", "printer") == "Impresora USB (Epson)"


def test_ley_seca_dates_are_read_and_written_as_dd_mm_aaaa() -> None:
    form = {"alcohol_from": "10:00", "alcohol_until": "01:00", "dry_dates": "14-12-2026\n2026-09-18, 19/09/2026"}
    rules, errors = compliance.parse_form(form)
    assert errors == {} and rules is not None
    assert rules.dry_dates == (date(2026, 9, 18), date(2026, 9, 19), date(2026, 12, 14))
    assert compliance.format_dates(rules.dry_dates) == "18-09-2026\n19-09-2026\n14-12-2026"
    for wrong in ("18-09", "14-12-26", "31-02-2026", "mañana"):
        rules, errors = compliance.parse_form({**form, "dry_dates": wrong})
        assert rules is None and f"«{wrong}» no es una fecha (use DD-MM-AAAA" in errors["dry_dates"]


# --- the supervisor's forms ------------------------------------------------------------------------------------------

APPROVERS = [
    SimpleNamespace(id=1, full_name="Andrea Administradora"),
    SimpleNamespace(id=2, full_name="Sergio Supervisor"),
]


def _cart(env: Environment, **context: Any) -> str:
    view = SimpleNamespace(
        version=1, due=0, total=0, count=0, customer=None, document_tipo=39, lines=[], credit=0, net=0, iva=0
    )
    return env.get_template("pos/_cart.html").render(
        view=view, message="PIN incorrecto.", error=True, csrf_input="", approvers=APPROVERS, **context
    )


def _selected(html: str) -> list[str]:
    return [part.split('"', 2)[1] for part in html.split("<option value=")[1:] if " selected" in part.split(">", 1)[0]]


def test_the_alcohol_authorisation_starts_with_nobody_and_keeps_the_approver(env: Environment) -> None:
    alcohol = {"product_id": 7, "quantity": 1000, "code": "alcohol_hours"}
    fresh = _cart(env, alcohol=alcohol)
    assert '<option value="">— Quién autoriza —</option>' in fresh
    assert 'name="supervisor_id" required' in fresh
    assert _selected(fresh) == []
    again = _cart(env, alcohol=alcohol, values={"supervisor_id": "2", "product_id": "7", "quantity": "1000"})
    assert _selected(again) == ["2"]
    assert 'name="supervisor_pin" type="password"' in again and 'value="1357"' not in again


def _return_page(env: Environment, **context: Any) -> str:
    line = SimpleNamespace(id=11, description="Leche Entera 1 L", amount=1190, quantity=2000)
    row = SimpleNamespace(line=line, unit="unit", returned=0, left=2000)
    sale = SimpleNamespace(id=5, number=5, at=datetime(2026, 12, 14, 15, 0, tzinfo=UTC), total=2380)
    return env.get_template("pos/return.html").render(
        csrf_token=lambda: "",
        csrf_input="",
        lane=SimpleNamespace(name="Caja 1"),
        user=SimpleNamespace(full_name="Carla Cajera"),
        query="39-12",
        sale=sale,
        lines=[row],
        methods=["debito", "efectivo"],
        folio=("Boleta", 12),
        error="PIN incorrecto.",
        supervisors=APPROVERS,
        **context,
    )


def test_the_return_keeps_what_was_typed_but_the_pin(env: Environment) -> None:
    fresh = _return_page(env)
    assert _selected(fresh) == [] and '<option value="">— Quién autoriza —</option>' in fresh
    sent = {"q11": "1", "m11": "on", "refund_method": "debito", "reason": "Vencido", "supervisor_id": "2"}
    again = _return_page(env, values=sent)
    assert 'name="q11" value="1"' in again
    assert 'name="m11" checked' in again
    assert 'name="reason" value="Vencido"' in again
    assert _selected(again) == ["debito", "2"]


def _cash_page(env: Environment, **context: Any) -> str:
    report = SimpleNamespace(
        sales_count=0, sales_total=0, by_method={}, rounding=0, returns_count=0, refunds_cash=0, movements={}
    )
    return env.get_template("pos/cash.html").render(
        csrf_token=lambda: "",
        csrf_input="",
        messages=[],
        lane=SimpleNamespace(name="Caja 1"),
        user=SimpleNamespace(full_name="Carla Cajera"),
        current=SimpleNamespace(opened_at=datetime(2026, 12, 14, 12, 0, tzinfo=UTC)),
        report=report,
        error="PIN incorrecto.",
        labels={"retiro": "Retiro", "ingreso": "Ingreso"},
        report_labels={},
        denominations=[20_000, 100],
        supervisors=APPROVERS,
        **context,
    )


def test_the_cash_close_keeps_the_count_and_each_form_only_its_own(env: Environment) -> None:
    fresh = _cash_page(env)
    assert _selected(fresh) == [] and '<option value="">— Quién autoriza —</option>' in fresh
    closing = {"d20000": "2", "d100": "7", "supervisor_id": "2", "note": "faltó sencillo"}
    again = _cash_page(env, values=closing)
    assert 'name="d20000" value="2"' in again and 'name="d100" value="7"' in again
    assert _selected(again) == ["2"]
    assert again.count('value="faltó sencillo"') == 1  # the close form's note, not the movement's
    moving = _cash_page(env, values={"kind": "ingreso", "amount": "abc", "note": "pago pan"})
    assert _selected(moving) == ["ingreso"] and 'name="amount" value="abc"' in moving
    assert moving.count('value="pago pan"') == 1
