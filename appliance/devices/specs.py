"""A lane's device settings as text: the connection strings kept in `Lane.printer`, `Lane.scanner` and `Lane.scale`.

The printer string is the printing library's (`usb:…`, `tcp:…`, `serial:…`, `file:…`, `simulated`) plus two options
of ours that the library would refuse, so they are split off here: `paper=58mm|80mm|80mm-42` and `pdf417=native`.
Scanners and scales have no string format in `drivers/`; theirs is defined here:

    scanner:  simulated | evdev:/dev/input/by-id/…-event-kbd[?layout=us|latam|es]
              | serial:/dev/serial/by-id/…[?baud=9600&terminator=cr|lf|crlf|none]
    scale:    simulated | serial:/dev/serial/by-id/…[?protocol=mettler-toledo-8217&baud=9600]

An empty string (or `none`) means the lane has no such device. Errors are `DeviceSpecError` with a Spanish message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import parse_qsl, urlencode

from appliance.core.text import is_digits
from appliance.devices.detect import PRINTER_VENDORS
from drivers.printing import (
    ConnectionSpec,
    ConnectionStringError,
    FileConnection,
    PrinterProfile,
    SerialConnection,
    SimulatedConnection,
    TcpConnection,
    UsbConnection,
    parse_connection,
    profile_by_name,
)
from drivers.scale import PROTOCOLS
from drivers.scanner import LAYOUTS, TERMINATORS

PAPERS = ("80mm", "58mm", "80mm-42")
PAPER_LABELS = {"80mm": "80 mm (48 columnas)", "58mm": "58 mm (32 columnas)", "80mm-42": "80 mm (42 columnas)"}
DEFAULT_PROTOCOL = "mettler-toledo-8217"
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
NONE_WORDS = ("", "none", "ninguno", "ninguna")
T = TypeVar("T")


class DeviceSpecError(ValueError):
    """A connection string that cannot be used, with a Spanish message for the settings page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _split(text: str) -> tuple[str, dict[str, str]]:
    head, _, query = text.partition("?")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise DeviceSpecError(f"«{text}»: las opciones después de «?» no se entienden.") from None
    options: dict[str, str] = {}
    for key, value in pairs:
        if key in options:
            raise DeviceSpecError(f"«{text}»: la opción «{key}» aparece dos veces.")
        options[key] = value
    return head, options


def _join(head: str, options: dict[str, str]) -> str:
    return head + (f"?{urlencode(options, safe='/:')}" if options else "")


def _device_path(text: str, rest: str, example: str) -> str:
    if not rest.startswith("/") or rest.endswith("/") or any(c.isspace() or c == "\x00" for c in rest):
        raise DeviceSpecError(f"«{text}»: «{rest}» no es la ruta de un dispositivo (ej.: {example}).")
    return rest


def _unknown(text: str, options: dict[str, str], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(options) - set(allowed))
    if extra:
        known = ", ".join(allowed) or "ninguna"
        raise DeviceSpecError(f"«{text}»: opción desconocida «{extra[0]}» (opciones válidas: {known}).")


# --- printer ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrinterSpec:
    connection: ConnectionSpec
    paper: str = "80mm"
    native_pdf417: bool = False

    @property
    def profile(self) -> PrinterProfile:
        return profile_by_name(self.paper, native_pdf417=self.native_pdf417)

    @property
    def simulated(self) -> bool:
        return isinstance(self.connection, SimulatedConnection)


def parse_printer(text: str) -> PrinterSpec | None:
    text = text.strip()
    if text.lower() in NONE_WORDS:
        return None
    head, options = _split(text)
    paper = options.pop("paper", "80mm")
    if paper not in PAPERS:
        raise DeviceSpecError(f"Ancho de papel «{paper}» desconocido: use {', '.join(PAPERS)}.")
    pdf417 = options.pop("pdf417", "raster")
    if pdf417 not in ("raster", "native"):
        raise DeviceSpecError("pdf417 es «raster» (imagen, sirve en toda impresora) o «native» (comando propio).")
    try:
        connection = parse_connection(_join(head, options))
    except ConnectionStringError as exc:
        raise DeviceSpecError(
            "Conexión de impresora no válida (ej.: usb:04b8:0e15, tcp:192.168.1.50:9100, serial:/dev/ttyUSB0, "
            f"file:/dev/usb/lp0 o simulated). Detalle: {exc}"
        ) from None
    return PrinterSpec(connection, paper, pdf417 == "native")


def printer_text(connection: str, paper: str) -> str:
    """The stored printer string for a connection typed on the settings page and the chosen paper width."""
    connection = connection.strip()
    if connection.lower() in NONE_WORDS:
        return ""
    head, options = _split(connection)
    options.pop("paper", None)
    if paper != "80mm":
        options["paper"] = paper
    return _join(head, options)


def printer_parts(text: str) -> tuple[str, str]:
    """(connection without our options, paper) for showing a stored printer string in the form."""
    try:
        head, options = _split(text)
    except DeviceSpecError:
        return text, "80mm"
    paper = options.pop("paper", "80mm")
    return _join(head, options), paper if paper in PAPERS else "80mm"


# --- scanner ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScannerSpec:
    kind: Literal["simulated", "evdev", "serial"]
    path: str = ""
    layout: str = "us"
    baudrate: int = 9600
    terminator: str = "cr"


def parse_scanner(text: str) -> ScannerSpec | None:
    text = text.strip()
    if text.lower() in NONE_WORDS:
        return None
    head, options = _split(text)
    if head == "simulated":
        _unknown(text, options, ())
        return ScannerSpec("simulated")
    kind, _, rest = head.partition(":")
    if kind == "evdev":
        _unknown(text, options, ("layout",))
        layout = options.get("layout", "us")
        if layout not in LAYOUTS:
            raise DeviceSpecError(f"Teclado «{layout}» desconocido: use {', '.join(LAYOUTS)}.")
        return ScannerSpec("evdev", _device_path(text, rest, "/dev/input/by-id/usb-…-event-kbd"), layout=layout)
    if kind == "serial":
        _unknown(text, options, ("baud", "terminator"))
        terminator = options.get("terminator", "cr")
        if terminator not in TERMINATORS:
            raise DeviceSpecError(f"Terminador «{terminator}» desconocido: use {', '.join(TERMINATORS)}.")
        path = _device_path(text, rest, "/dev/serial/by-id/usb-…")
        return ScannerSpec("serial", path, baudrate=_baud(text, options), terminator=terminator)
    raise DeviceSpecError(
        f"Lector «{text}» no válido: use simulated, evdev:/dev/input/by-id/…-event-kbd o serial:/dev/serial/by-id/…"
    )


def _baud(text: str, options: dict[str, str]) -> int:
    raw = options.get("baud", "9600")
    if not is_digits(raw) or int(raw) not in BAUD_RATES:
        raise DeviceSpecError(f"«{text}»: velocidad «{raw}» no válida ({', '.join(map(str, BAUD_RATES))}).")
    return int(raw)


# --- scale -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleSpec:
    kind: Literal["simulated", "serial"]
    path: str = ""
    protocol: str = DEFAULT_PROTOCOL
    baudrate: int | None = None  # None: the protocol's own


def parse_scale(text: str) -> ScaleSpec | None:
    text = text.strip()
    if text.lower() in NONE_WORDS:
        return None
    head, options = _split(text)
    if head == "simulated":
        _unknown(text, options, ())
        return ScaleSpec("simulated")
    kind, _, rest = head.partition(":")
    if kind != "serial":
        raise DeviceSpecError(f"Balanza «{text}» no válida: use simulated o serial:/dev/serial/by-id/…")
    _unknown(text, options, ("protocol", "baud"))
    protocol = options.get("protocol", DEFAULT_PROTOCOL)
    if protocol not in PROTOCOLS:
        raise DeviceSpecError(f"Protocolo de balanza «{protocol}» desconocido: use {', '.join(PROTOCOLS)}.")
    path = _device_path(text, rest, "/dev/serial/by-id/usb-…")
    return ScaleSpec("serial", path, protocol, _baud(text, options) if "baud" in options else None)


def scale_text(connection: str, protocol: str) -> str:
    connection = connection.strip()
    if connection.lower() in NONE_WORDS:
        return ""
    head, options = _split(connection)
    options.pop("protocol", None)
    if head.startswith("serial:"):
        options = {"protocol": protocol or DEFAULT_PROTOCOL, **options}
    return _join(head, options)


def scale_parts(text: str) -> tuple[str, str]:
    try:
        head, options = _split(text)
    except DeviceSpecError:
        return text, DEFAULT_PROTOCOL
    protocol = options.pop("protocol", DEFAULT_PROTOCOL)
    return _join(head, options), protocol


# --- a lane's whole set ----------------------------------------------------------------------------------------------

# 2 and 5 are the pins of the printer's drawer connector; 0 the box's GPIO relay; -1 no drawer.
DRAWER_CHOICES: dict[int, str] = {
    2: "Conector de la impresora, pin 2 (el habitual)",
    5: "Conector de la impresora, pin 5 (segundo cajón)",
    0: "Relé GPIO de la caja",
    -1: "Sin cajón",
}


@dataclass(frozen=True)
class LaneDeviceSpecs:
    """What a lane's strings say, parsed; a string that does not parse leaves its device off with `errors[kind]`."""

    printer: PrinterSpec | None
    scanner: ScannerSpec | None
    scale: ScaleSpec | None
    drawer_pin: int
    errors: dict[str, str]

    @classmethod
    def from_texts(cls, printer: str, scanner: str, scale: str, drawer_pin: int) -> LaneDeviceSpecs:
        errors: dict[str, str] = {}
        parsed_printer = _try(parse_printer, printer, "printer", errors)
        parsed_scanner = _try(parse_scanner, scanner, "scanner", errors)
        parsed_scale = _try(parse_scale, scale, "scale", errors)
        return cls(parsed_printer, parsed_scanner, parsed_scale, drawer_pin, errors)


def _try(parse: Callable[[str], T | None], text: str, kind: str, errors: dict[str, str]) -> T | None:
    try:
        return parse(text)
    except DeviceSpecError as exc:
        errors[kind] = exc.message
        return None


# --- in plain words, for the screens ---------------------------------------------------------------------------------

SCALE_PROTOCOL_WORDS = {
    "mettler-toledo-8217": "protocolo Toledo 8217",
    "st-us-continuous": "protocolo continuo ST/US",
    "cas-22": "protocolo CAS",
}
_NONE_WORDS = {"printer": "Sin impresora", "scanner": "Sin lector de códigos", "scale": "Sin balanza"}
_UNREADABLE = "Conexión no válida: revise el detalle técnico"


def _port(path: str) -> str:
    """ " (ttyUSB0)" for a short device name; nothing for the long /dev/…/by-id names, left to the technical detail."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    return f" ({name})" if "/by-id/" not in path and 0 < len(name) <= 16 else ""


def describe_printer(text: str, usb_names: Mapping[str, str] | None = None) -> str:
    """A printer connection in words: "Impresora USB (Epson)", "Impresora de red 192.168.1.50", …

    `usb_names` ({"04b8:0e15": "EPSON TM-T20II"}) names a USB printer by what the plugged-in device says it is.
    """
    try:
        spec = parse_printer(text)
    except DeviceSpecError:
        return _UNREADABLE
    if spec is None:
        return _NONE_WORDS["printer"]
    connection = spec.connection
    if isinstance(connection, SimulatedConnection):
        return "Impresora simulada (sin equipo)"
    if isinstance(connection, UsbConnection):
        ids = f"{connection.vendor_id:04x}:{connection.product_id:04x}"
        maker = (usb_names or {}).get(ids) or PRINTER_VENDORS.get(connection.vendor_id, "")
        return f"Impresora USB ({maker})" if maker else "Impresora USB"
    if isinstance(connection, TcpConnection):
        return f"Impresora de red {connection.host}"
    if isinstance(connection, SerialConnection):
        return f"Impresora en puerto serie{_port(connection.device)}"
    if isinstance(connection, FileConnection):
        return f"Impresora USB{_port(connection.path)}"
    return "Impresora"


def describe_scanner(text: str) -> str:
    """A scanner connection in words: "Lector de códigos USB", "Lector de códigos simulado (sin equipo)", …"""
    try:
        spec = parse_scanner(text)
    except DeviceSpecError:
        return _UNREADABLE
    if spec is None:
        return _NONE_WORDS["scanner"]
    if spec.kind == "simulated":
        return "Lector de códigos simulado (sin equipo)"
    if spec.kind == "evdev":
        return "Lector de códigos USB"
    return f"Lector de códigos en puerto serie{_port(spec.path)}"


def describe_scale(text: str) -> str:
    """A scale connection in words: "Balanza en puerto serie (protocolo Toledo 8217)", "Balanza simulada …", …"""
    try:
        spec = parse_scale(text)
    except DeviceSpecError:
        return _UNREADABLE
    if spec is None:
        return _NONE_WORDS["scale"]
    if spec.kind == "simulated":
        return "Balanza simulada (sin equipo)"
    return f"Balanza en puerto serie{_port(spec.path)}, {SCALE_PROTOCOL_WORDS.get(spec.protocol, spec.protocol)}"


def describe_device(kind: str, text: str, usb_names: Mapping[str, str] | None = None) -> str:
    """`kind` is "printer", "scanner" or "scale"; see the describe_… functions."""
    if kind == "printer":
        return describe_printer(text, usb_names)
    if kind == "scanner":
        return describe_scanner(text)
    if kind == "scale":
        return describe_scale(text)
    raise ValueError(f"unknown device kind {kind!r}")
