"""The work behind `minimarket devices …` and `minimarket print …` (the commands are listed in
`appliance.devices.cli`). Each returns the exit status after printing one JSON object; `CliError` carries a Spanish
message and the status for a request that cannot be done.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from appliance.core.errors import DomainError
from appliance.db.engine import Database
from appliance.db.models import Company, Document, Lane, Sale
from appliance.devices import receipts
from appliance.devices.actions import scale_error_text
from appliance.devices.config import gpio_config
from appliance.devices.detect import detect
from appliance.devices.health import printer_health
from appliance.devices.lane import LaneSettings, open_scale
from appliance.devices.specs import DeviceSpecError, LaneDeviceSpecs, PrinterSpec, parse_printer
from appliance.settings import Settings
from drivers.gpio import open_gpio
from drivers.printing import Printer, PrinterUnavailable, Receipt, connect
from drivers.scale import ScaleError, probe

OK, DEVICE_FAILED, BAD_REQUEST = 0, 1, 2


class CliError(Exception):
    def __init__(self, message: str, status: int = BAD_REQUEST) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _emit(payload: dict[str, Any], status: int = OK) -> int:
    print(json.dumps(payload, ensure_ascii=False, default=str))
    return status


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.load(args.data_dir)
    if not settings.database_path.exists():
        raise CliError(f"No hay base de datos en {settings.data_dir} (¿--data-dir?).")
    return settings


async def _with_db(settings: Settings, work: Any) -> Any:
    db = Database(settings.database_path)
    try:
        async with db.read() as session:
            return await work(session)
    finally:
        await db.dispose()


async def _lane(settings: Settings, code: str) -> LaneSettings:
    async def find(session: Any) -> Lane | None:
        lane: Lane | None = await session.scalar(select(Lane).where(Lane.code == code))
        return lane

    lane = await _with_db(settings, find)
    if lane is None:
        raise CliError(f"No existe la caja «{code}».")
    return LaneSettings(lane.id, lane.code, lane.name, lane.printer, lane.scanner, lane.scale, lane.drawer_pin)


def _specs(lane: LaneSettings, kind: str) -> LaneDeviceSpecs:
    specs = LaneDeviceSpecs.from_texts(lane.printer, lane.scanner, lane.scale, lane.drawer_pin)
    if kind in specs.errors:
        raise CliError(specs.errors[kind])
    return specs


def _printer(settings: Settings, spec: PrinterSpec, spool: str) -> Printer:
    return connect(spec.connection, spec.profile, spool_dir=settings.data_dir / "receipts" / spool)


async def _print(printer: Printer, receipt: Receipt) -> None:
    try:
        await asyncio.to_thread(printer.print, receipt)
    except PrinterUnavailable as exc:
        raise CliError(
            f"La impresora no pudo imprimir: {printer_health(None, exc.status).text}", DEVICE_FAILED
        ) from exc


# --- commands ------------------------------------------------------------------------------------------------------


async def devices_list(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def configured(session: Any) -> list[dict[str, Any]]:
        rows = []
        for lane in await session.scalars(select(Lane).order_by(Lane.code)):
            specs = LaneDeviceSpecs.from_texts(lane.printer, lane.scanner, lane.scale, lane.drawer_pin)
            rows.append(
                {
                    "lane": lane.code,
                    "name": lane.name,
                    "active": lane.active,
                    "printer": lane.printer,
                    "paper": specs.printer.paper if specs.printer else None,
                    "scanner": lane.scanner,
                    "scale": lane.scale,
                    "drawer_pin": lane.drawer_pin,
                    "errors": specs.errors,
                }
            )
        return rows

    lanes = await _with_db(settings, configured)
    gpio = open_gpio(gpio_config(settings).pins)
    try:
        gpio_detail = gpio.health().detail
    finally:
        gpio.close()
    return _emit({"detected": detect().as_json(), "gpio": gpio_detail, "configured": lanes})


async def test_print(args: argparse.Namespace) -> int:
    settings = _settings(args)
    lane = await _lane(settings, args.lane)
    spec = _specs(lane, "printer").printer
    if spec is None:
        raise CliError(f"La caja «{lane.code}» no tiene impresora configurada.")

    async def shop(session: Any) -> str:
        company = await session.get(Company, 1)
        return (company.nombre_fantasia or company.razon_social) if company else ""

    page = receipts.printer_test_page(
        shop_name=await _with_db(settings, shop),
        lane_name=lane.name,
        connection=str(spec.connection),
        profile=spec.profile,
        now=datetime.now(UTC),
    )
    await _print(_printer(settings, spec, lane.code), page)
    return _emit({"printed": True, "lane": lane.code, "printer": str(spec.connection)})


async def open_drawer(args: argparse.Namespace) -> int:
    settings = _settings(args)
    lane = await _lane(settings, args.lane)
    pin = lane.drawer_pin
    if pin == -1:
        raise CliError(f"La caja «{lane.code}» está configurada sin cajón.")
    if pin == 0:
        board = open_gpio(gpio_config(settings).pins)
        try:
            if not board.drawer.fitted:
                raise CliError("No hay relé GPIO de cajón ([gpio] drawer_relay).", DEVICE_FAILED)
            board.drawer.pulse()
            await asyncio.sleep(0.5)  # the pulse runs in gpiozero's thread: let it finish before closing the pin
        finally:
            board.close()
        return _emit({"opened": True, "lane": lane.code, "via": "gpio"})
    spec = _specs(lane, "printer").printer
    if spec is None:
        raise CliError(f"La caja «{lane.code}» no tiene impresora, y su cajón se abre desde ella.")
    printer = _printer(settings, spec, lane.code)
    try:
        await asyncio.to_thread(printer.open_drawer, 2 if pin == 2 else 5)
    except PrinterUnavailable as exc:
        raise CliError(f"No se pudo abrir el cajón: {printer_health(None, exc.status).text}", DEVICE_FAILED) from exc
    return _emit({"opened": True, "lane": lane.code, "via": f"printer pin {pin}"})


async def read_scale(args: argparse.Namespace) -> int:
    settings = _settings(args)
    lane = await _lane(settings, args.lane)
    scale = open_scale(_specs(lane, "scale").scale)
    if scale is None:
        raise CliError(f"La caja «{lane.code}» no tiene balanza configurada.")
    try:
        weight = await scale.read()
    except ScaleError as exc:
        raise CliError(scale_error_text(exc), DEVICE_FAILED) from exc
    finally:
        await scale.close()
    return _emit({"lane": lane.code, "grams": weight.grams, "stable": weight.stable, "net": weight.net})


async def probe_scale(args: argparse.Namespace) -> int:
    try:
        protocol = await probe(args.port, window=args.window)
    except ScaleError as exc:
        raise CliError(scale_error_text(exc), DEVICE_FAILED) from exc
    status = OK if protocol else DEVICE_FAILED
    return _emit({"port": args.port, "protocol": protocol, "connection": _scale_string(args.port, protocol)}, status)


def _scale_string(port: str, protocol: str | None) -> str | None:
    return f"serial:{port}?protocol={protocol}" if protocol else None


async def print_document(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def build(session: Any) -> tuple[Receipt, str | None, str]:
        receipt = await receipts.document_receipt(session, args.tipo, args.folio, copy=args.copy)
        sale_id = await session.scalar(
            select(Document.sale_id).where(Document.tipo == args.tipo, Document.folio == args.folio)
        )
        lane_code = await session.scalar(select(Sale.lane).where(Sale.id == sale_id)) if sale_id else None
        printer = await session.scalar(select(Lane.printer).where(Lane.code == lane_code)) if lane_code else None
        return receipt, printer, lane_code or "cli"

    try:
        receipt, lane_printer, spool = await _with_db(settings, build)
    except DomainError as exc:
        raise CliError(exc.message) from exc
    text = args.printer if args.printer is not None else lane_printer
    if not text:
        raise CliError("Indique la impresora con --printer (ej.: tcp:192.168.1.50:9100).")
    try:
        spec = parse_printer(text)
    except DeviceSpecError as exc:
        raise CliError(exc.message) from exc
    if spec is None:
        raise CliError("Indique una impresora, no «none».")
    await _print(_printer(settings, spec, spool), receipt)
    return _emit({"printed": True, "tipo": args.tipo, "folio": args.folio, "copy": args.copy, "printer": text})
