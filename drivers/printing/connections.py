"""Printer connection strings, and opening them as python-escpos printer objects.

    usb:04b8:0e15[?interface=0&in_ep=0x82&out_ep=0x01&timeout=5000]   vendor:product in hex (needs pyusb)
    tcp:192.168.1.50[:9100][?timeout=5&wait_eof=30&status=1]           raw port 9100
    serial:/dev/ttyUSB0[?baud=9600&bytesize=8&parity=N&stopbits=1&flow=dsrdtr&timeout=1&status=1]
    file:/dev/usb/lp0                                                   the kernel's usblp device; write-only
    simulated[?dir=/var/lib/minimarket/spool]                           no hardware (demo, tests)

`status=0` turns off the `DLE EOT` status queries for a printer that does not answer them (it would otherwise always
look offline). `wait_eof` is how long to wait, after sending a job over TCP and closing our side, for the printer to
close its side: like CUPS's socket backend, that is the confirmation that the printer read the whole job.

The USB connection's status details are Spanish, unlike the other connections': what goes wrong with a USB printer
(a missing library, udev permissions, another program holding it) is fixed at the box, and the settings page shows
the detail to whoever is there.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl

from drivers.printing.errors import ConnectionStringError, PrinterUnavailable
from drivers.printing.profiles import PrinterProfile
from drivers.printing.status import PrinterState, PrinterStatus


class Connection(Protocol):
    """How to reach one printer. `open` returns an opened python-escpos printer object or raises PrinterUnavailable."""

    @property
    def can_read_back(self) -> bool: ...

    def open(self, profile: PrinterProfile) -> Any: ...

    def read(self, device: Any) -> bytes:
        """What the printer sent back, as soon as something arrived (b"" if nothing did in time)."""

    def write(self, device: Any, data: bytes) -> None:
        """Send a whole job."""

    def finish(self, device: Any) -> None:
        """After a job was written: wait for whatever confirms it arrived (raise PrinterUnavailable if nothing does)."""

    def close(self, device: Any) -> None: ...


def _open(describe: str, build: Callable[[], Any]) -> Any:
    from escpos.exceptions import Error as EscposError

    try:
        device = build()
        device.open()
    except (OSError, EscposError) as exc:
        raise PrinterUnavailable(PrinterStatus.offline(f"{describe}: {exc}".strip())) from exc
    return device


def write_raw(device: Any, data: bytes) -> None:
    """Bytes to an open python-escpos printer. It has no public method for that; all its own commands end in _raw."""
    device._raw(data)


def _close(device: Any) -> None:
    # Closing a device that already failed must not hide the first error.
    with contextlib.suppress(Exception):
        device.close()


# What a USB failure's errno means for the shop: (state, Spanish sentence with {ids} for vendor:product).
_USB_NO_PERMISSION = (
    "Sin permiso para usar la impresora USB {ids}: vuelva a ejecutar provisioning/install.sh (reglas udev)"
    " y desconecte y conecte la impresora"
)
_USB_ERRNO: dict[int, tuple[PrinterState, str]] = {
    errno.EACCES: (PrinterState.ERROR, _USB_NO_PERMISSION),
    errno.EPERM: (PrinterState.ERROR, _USB_NO_PERMISSION),
    errno.EBUSY: (
        PrinterState.ERROR,
        "La impresora USB {ids} está ocupada por otro programa (¿CUPS?) o por el controlador usblp del sistema",
    ),
    errno.ENODEV: (
        PrinterState.OFFLINE,
        "La impresora USB {ids} se desconectó: revise que esté encendida y con el cable conectado",
    ),
    errno.ETIMEDOUT: (PrinterState.OFFLINE, "La impresora USB {ids} no recibió los datos a tiempo: ¿está encendida?"),
}
_USB_NO_PYUSB = "Falta el paquete pyusb para imprimir por USB: reinstale el programa (provisioning/install.sh)"
_USB_NO_LIBUSB = "Falta la biblioteca libusb para imprimir por USB: instálela (apt-get install libusb-1.0-0)"
_USB_NOT_FOUND = "No se encuentra la impresora USB {ids}: revise que esté encendida y con el cable conectado"


@dataclass(frozen=True, slots=True)
class UsbConnection:
    vendor_id: int
    product_id: int
    in_ep: int = 0x82
    out_ep: int = 0x01
    timeout_ms: int = 5000
    status_queries: bool = True

    @property
    def can_read_back(self) -> bool:
        return self.status_queries

    def __str__(self) -> str:
        return f"usb:{self.vendor_id:04x}:{self.product_id:04x}"

    def open(self, profile: PrinterProfile) -> Any:
        from escpos.exceptions import Error as EscposError
        from escpos.printer import Usb
        from escpos.printer.usb import is_usable

        # Missing pyusb or libusb is a configuration problem, not a passing one: ERROR, yet still "unavailable" so
        # queued jobs wait for the fix instead of being dropped.
        if not is_usable():
            raise PrinterUnavailable(PrinterStatus(PrinterState.ERROR, _USB_NO_PYUSB))
        import usb.core

        device = Usb(
            self.vendor_id,
            self.product_id,
            timeout=self.timeout_ms,
            in_ep=self.in_ep,
            out_ep=self.out_ep,
            profile=profile.escpos_profile(),
        )
        try:
            device.open()
            self._claim(device.device)
        except usb.core.NoBackendError as exc:  # a ValueError, raised by usb.core.find when no libusb is loadable
            raise PrinterUnavailable(PrinterStatus(PrinterState.ERROR, _USB_NO_LIBUSB)) from exc
        except PrinterUnavailable:
            self.close(device)
            raise
        except (OSError, EscposError, ValueError) as exc:  # pyusb raises ValueError for descriptors it cannot use
            self.close(device)
            raise PrinterUnavailable(self._failure(exc)) from exc
        return device

    def _claim(self, usb_device: Any) -> None:
        """Claim the interfaces now, so a printer that cannot be used (no permission, held by another program, an
        endpoint it does not have) is reported by `open`, where `status()` expects it, not halfway through a job."""
        import usb.util

        if usb_device is None:  # python-escpos reports "not found" with an assert, which `python -O` drops
            raise PrinterUnavailable(PrinterStatus.offline(_USB_NOT_FOUND.format(ids=self._ids)))
        configuration = usb_device.get_active_configuration()
        for address in (self.out_ep, self.in_ep) if self.status_queries else (self.out_ep,):
            # pyusb looks an endpoint up the same way on each transfer (alternate setting 0 unless one was chosen)
            # and raises ValueError mid-job for an endpoint the printer does not have.
            interface = next(
                (
                    candidate
                    for candidate in configuration
                    if candidate.bAlternateSetting == 0
                    and usb.util.find_descriptor(candidate, bEndpointAddress=address) is not None
                ),
                None,
            )
            if interface is None:
                raise PrinterUnavailable(
                    PrinterStatus(
                        PrinterState.ERROR,
                        f"La impresora USB {self._ids} no tiene el endpoint 0x{address:02x}:"
                        " revise in_ep y out_ep en la conexión de la impresora",
                    )
                )
            usb.util.claim_interface(usb_device, interface)

    @property
    def _ids(self) -> str:
        return f"{self.vendor_id:04x}:{self.product_id:04x}"

    def _failure(self, exc: BaseException) -> PrinterStatus:
        """The status for an exception out of pyusb, or out of python-escpos wrapping one (as the context)."""
        cause = exc if isinstance(exc, (OSError, ValueError)) else exc.__context__
        if isinstance(cause, OSError) and cause.errno in _USB_ERRNO:
            state, sentence = _USB_ERRNO[cause.errno]
            return PrinterStatus(state, sentence.format(ids=self._ids))
        if isinstance(cause, OSError):
            return PrinterStatus.offline(f"La impresora USB {self._ids} no responde ({cause.strerror or cause})")
        if isinstance(cause, ValueError):
            return PrinterStatus(PrinterState.ERROR, f"La impresora USB {self._ids} no se pudo configurar ({cause})")
        return PrinterStatus.offline(_USB_NOT_FOUND.format(ids=self._ids))  # python-escpos's DeviceNotFoundError

    def read(self, device: Any) -> bytes:
        # A USBError stays an OSError here: a status query treats it as "no answer", and `open` has already
        # reported whatever would make every transfer fail (permissions, busy, endpoints).
        return bytes(device._read())

    def write(self, device: Any, data: bytes) -> None:
        import usb.core

        try:
            write_raw(device, data)
        except usb.core.USBError as exc:  # unplugged or switched off mid-job
            raise PrinterUnavailable(self._failure(exc)) from exc

    def finish(self, device: Any) -> None:
        pass  # a USB bulk write returns once the printer has taken the data

    def close(self, device: Any) -> None:
        # python-escpos 3.1's Usb.close releases nothing (it tests an attribute its open never sets): release the
        # interface and the handle here, so the next conversation, or another program, can claim the printer.
        usb_device = getattr(device, "device", None)
        if usb_device is not None:
            import usb.util

            with contextlib.suppress(Exception):
                usb.util.dispose_resources(usb_device)
        _close(device)


@dataclass(frozen=True, slots=True)
class TcpConnection:
    host: str
    port: int = 9100
    timeout: float = 5.0
    wait_eof: float = 30.0
    status_queries: bool = True

    @property
    def can_read_back(self) -> bool:
        return self.status_queries

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp:{host}:{self.port}"

    def open(self, profile: PrinterProfile) -> Any:
        from escpos.printer import Network

        return _open(
            str(self), lambda: Network(self.host, self.port, timeout=self.timeout, profile=profile.escpos_profile())
        )

    def read(self, device: Any) -> bytes:
        return bytes(device._read())

    def write(self, device: Any, data: bytes) -> None:
        sock: socket.socket = device.device
        # sendall's timeout bounds the whole job, and a printer reads only as fast as it prints once its buffer is
        # full: give a long job as long as its confirmation may take.
        sock.settimeout(max(self.timeout, self.wait_eof))
        sock.sendall(data)

    def finish(self, device: Any) -> None:
        if self.wait_eof <= 0:
            return
        sock: socket.socket = device.device
        sock.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + self.wait_eof
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PrinterUnavailable(PrinterStatus.offline(f"{self}: the printer did not confirm the job"))
            sock.settimeout(remaining)
            try:
                # Whatever arrives before the close (status replies, automatic status back) is not needed.
                if not sock.recv(4096):
                    return
            except TimeoutError:
                continue

    def close(self, device: Any) -> None:
        _close(device)


@dataclass(frozen=True, slots=True)
class SerialConnection:
    device: str
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    flow: str = "dsrdtr"
    timeout: float = 1.0
    status_queries: bool = True

    @property
    def can_read_back(self) -> bool:
        return self.status_queries

    def __str__(self) -> str:
        return f"serial:{self.device}?baud={self.baudrate}"

    def open(self, profile: PrinterProfile) -> Any:
        from escpos.printer import Serial

        def build() -> Any:
            return Serial(
                self.device,
                baudrate=self.baudrate,
                bytesize=self.bytesize,
                timeout=self.timeout,
                parity=self.parity,
                stopbits=self.stopbits,
                xonxoff=self.flow == "xonxoff",
                dsrdtr=self.flow == "dsrdtr",
                profile=profile.escpos_profile(),
            )

        device = _open(str(self), build)
        if self.flow == "rtscts":
            device.device.rtscts = True  # python-escpos has no RTS/CTS switch; pyserial applies it to the open port
        return device

    def read(self, device: Any) -> bytes:
        # python-escpos reads 16 bytes, which pyserial waits the whole timeout for when a status reply is 1 byte.
        port = device.device
        first = bytes(port.read(1))
        return first + bytes(port.read(port.in_waiting)) if first else b""

    def write(self, device: Any, data: bytes) -> None:
        write_raw(device, data)

    def finish(self, device: Any) -> None:
        device.device.flush()  # block until the UART has sent everything

    def close(self, device: Any) -> None:
        _close(device)


@dataclass(frozen=True, slots=True)
class FileConnection:
    path: str

    @property
    def can_read_back(self) -> bool:
        return False

    def __str__(self) -> str:
        return f"file:{self.path}"

    def open(self, profile: PrinterProfile) -> Any:
        from escpos.printer import File

        return _open(str(self), lambda: File(self.path, profile=profile.escpos_profile()))

    def read(self, device: Any) -> bytes:
        return b""  # write-only

    def write(self, device: Any, data: bytes) -> None:
        write_raw(device, data)

    def finish(self, device: Any) -> None:
        device.flush()

    def close(self, device: Any) -> None:
        _close(device)


@dataclass(frozen=True, slots=True)
class DeviceConnection:
    """An already built python-escpos printer object (a `Dummy` in tests): used as is and never closed by us."""

    device: Any
    read_back: bool = False

    @property
    def can_read_back(self) -> bool:
        return self.read_back

    def __str__(self) -> str:
        return f"device:{type(self.device).__name__}"

    def open(self, profile: PrinterProfile) -> Any:
        return self.device

    def read(self, device: Any) -> bytes:
        return bytes(device._read())

    def write(self, device: Any, data: bytes) -> None:
        write_raw(device, data)

    def finish(self, device: Any) -> None:
        pass

    def close(self, device: Any) -> None:
        pass


@dataclass(frozen=True, slots=True)
class SimulatedConnection:
    """No hardware: `connect` builds a SimulatedPrinter, spooling jobs to `directory` if given."""

    directory: Path | None = None

    def __str__(self) -> str:
        return "simulated" + (f"?dir={self.directory}" if self.directory else "")


ConnectionSpec = UsbConnection | TcpConnection | SerialConnection | FileConnection | SimulatedConnection

_HEX_ID = re.compile(r"(?:0x)?([0-9a-fA-F]{1,4})")
_HOSTNAME = re.compile(r"(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")
_BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class _Options:
    """The `?key=value` part of a connection string, consumed key by key so leftovers (typos) are reported."""

    def __init__(self, text: str, query: str, allowed: tuple[str, ...]) -> None:
        self._text = text
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
        except ValueError:
            raise self.error(f"malformed options {query!r}") from None
        self._values: dict[str, str] = {}
        for key, value in pairs:
            if key not in allowed:
                known = ", ".join(allowed) if allowed else "none"
                raise self.error(f"unknown option {key!r} (options: {known})")
            if key in self._values:
                raise self.error(f"option {key!r} given twice")
            self._values[key] = value

    def error(self, message: str) -> ConnectionStringError:
        return ConnectionStringError(f"printer connection {self._text!r}: {message}")

    def text(self, key: str, default: str) -> str:
        return self._values.get(key, default)

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        raw = self._values.get(key)
        if raw is None:
            return default
        try:
            value = int(raw, 0)
        except ValueError:
            raise self.error(f"{key}={raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise self.error(f"{key}={raw} is outside {low}–{high}")
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        raw = self._values.get(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise self.error(f"{key}={raw!r} is not a number") from None
        if not low <= value <= high:  # also rejects nan
            raise self.error(f"{key}={raw} is outside {low:g}–{high:g}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        raw = self._values.get(key)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise self.error(f"{key}={raw!r} is not on/off")


def _parse_usb(text: str, rest: str, options: _Options) -> UsbConnection:
    parts = rest.split(":")
    if len(parts) != 2 or not all(_HEX_ID.fullmatch(part) for part in parts):
        raise options.error("expected usb:VENDOR:PRODUCT with 4-digit hexadecimal ids, e.g. usb:04b8:0e15")
    vendor, product = (int(part, 16) for part in parts)
    if vendor == 0 or product == 0:
        raise options.error("USB vendor and product ids cannot be 0000")
    # python-escpos 3.1 always claims interface 0; accept the option only to say so clearly.
    options.integer("interface", 0, 0, 0)
    return UsbConnection(
        vendor,
        product,
        in_ep=options.integer("in_ep", 0x82, 0x81, 0x8F),
        out_ep=options.integer("out_ep", 0x01, 0x01, 0x0F),
        timeout_ms=options.integer("timeout", 5000, 0, 600_000),
        status_queries=options.flag("status", True),
    )


def _parse_tcp(text: str, rest: str, options: _Options) -> TcpConnection:
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\](?::(\w*))?|([^:\[\]]+)(?::(\w*))?", rest)
    if not match:
        raise options.error("expected tcp:HOST:PORT, e.g. tcp:192.168.1.50:9100 (IPv6 as tcp:[fe80::1]:9100)")
    host = match.group(1) or match.group(3)
    port_text = match.group(2) if match.group(1) else match.group(4)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if match.group(1) or re.fullmatch(r"[0-9.]+", host) or not _HOSTNAME.fullmatch(host):
            raise options.error(f"{host!r} is not an IP address or host name") from None
    port = 9100
    if port_text is not None:
        if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 1 <= int(port_text) <= 65535:
            raise options.error(f"port {port_text!r} is not a number from 1 to 65535")
        port = int(port_text)
    return TcpConnection(
        host,
        port,
        timeout=options.number("timeout", 5.0, 0.01, 300),
        wait_eof=options.number("wait_eof", 30.0, 0, 600),
        status_queries=options.flag("status", True),
    )


def _device_path(rest: str, options: _Options) -> str:
    if not rest.startswith("/") or "\x00" in rest or rest.endswith("/"):
        raise options.error(f"{rest!r} is not an absolute device path such as /dev/ttyUSB0")
    return rest


def _parse_serial(text: str, rest: str, options: _Options) -> SerialConnection:
    path = _device_path(rest, options)
    baud = options.integer("baud", 9600, 1, 10_000_000)
    if baud not in _BAUD_RATES:
        raise options.error(f"baud={baud} is not one of {', '.join(map(str, _BAUD_RATES))}")
    parity = options.text("parity", "N").upper()
    if parity not in ("N", "E", "O", "M", "S"):
        raise options.error(f"parity={parity!r} is not N, E, O, M or S")
    stopbits = options.number("stopbits", 1, 1, 2)
    if stopbits not in (1, 1.5, 2):
        raise options.error(f"stopbits={stopbits:g} is not 1, 1.5 or 2")
    flow = options.text("flow", "dsrdtr").lower()
    if flow not in ("dsrdtr", "rtscts", "xonxoff", "none"):
        raise options.error(f"flow={flow!r} is not dsrdtr, rtscts, xonxoff or none")
    return SerialConnection(
        path,
        baudrate=baud,
        bytesize=options.integer("bytesize", 8, 5, 8),
        parity=parity,
        stopbits=stopbits,
        flow=flow,
        timeout=options.number("timeout", 1.0, 0.01, 60),
        status_queries=options.flag("status", True),
    )


_SCHEMES: dict[str, tuple[tuple[str, ...], Callable[[str, str, _Options], ConnectionSpec]]] = {
    "usb": (("interface", "in_ep", "out_ep", "timeout", "status"), _parse_usb),
    "tcp": (("timeout", "wait_eof", "status"), _parse_tcp),
    "serial": (("baud", "bytesize", "parity", "stopbits", "flow", "timeout", "status"), _parse_serial),
    "file": ((), lambda text, rest, options: FileConnection(_device_path(rest, options))),
}


def parse_connection(text: str) -> ConnectionSpec:
    """The connection described by `text`; raises ConnectionStringError saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ConnectionStringError(
            "printer connection is empty (expected e.g. usb:04b8:0e15 or tcp:192.168.1.50:9100)"
        )
    if text != text.strip() or any(char.isspace() for char in text):
        raise ConnectionStringError(f"printer connection {text!r} contains spaces")
    head, _, query = text.partition("?")
    if head == "simulated":
        options = _Options(text, query, ("dir",))
        directory = options.text("dir", "")
        if directory and not directory.startswith("/"):
            raise options.error("dir must be an absolute path")
        return SimulatedConnection(Path(directory) if directory else None)
    scheme, colon, rest = head.partition(":")
    if scheme not in _SCHEMES or not colon:
        raise ConnectionStringError(
            f"printer connection {text!r}: unknown kind {scheme!r} (use usb:, tcp:, serial:, file: or simulated)"
        )
    allowed, parse = _SCHEMES[scheme]
    options = _Options(text, query, allowed)
    if not rest:
        raise options.error(f"nothing after {scheme}:")
    return parse(text, rest, options)
