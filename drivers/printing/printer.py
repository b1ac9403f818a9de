"""The `Printer` protocol the app talks to, and `EscposPrinter`, which drives a real ESC/POS printer.

All methods block (sockets, USB, serial): call them from a thread, as `PrintQueue` does. A job is rendered to bytes
first and written in one piece; before writing, a printer that can answer `DLE EOT` is asked whether it can print, so a
job is not handed to a printer without paper that might lose it when switched off and on.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Protocol

from drivers.printing.connections import (
    Connection,
    ConnectionSpec,
    SimulatedConnection,
    parse_connection,
    write_raw,
)
from drivers.printing.errors import PrinterUnavailable
from drivers.printing.escpos_render import drawer_kick_bytes, render_escpos
from drivers.printing.profiles import PrinterProfile
from drivers.printing.receipt import DrawerPin, Receipt
from drivers.printing.simulated import SimulatedPrinter
from drivers.printing.status import (
    QUERY_OFFLINE_CAUSE,
    QUERY_PAPER,
    QUERY_PRINTER,
    PrinterState,
    PrinterStatus,
    decode,
    is_status_byte,
)


class Printer(Protocol):
    @property
    def profile(self) -> PrinterProfile: ...

    def print(self, receipt: Receipt) -> None:
        """Print `receipt` whole, or raise PrinterUnavailable having printed nothing the printer confirmed."""

    def open_drawer(self, pin: DrawerPin = 2) -> None:
        """Kick the cash drawer now; raises PrinterUnavailable when the printer cannot take the command."""

    def status(self) -> PrinterStatus:
        """The printer's state now; never raises for an unreachable printer (that is `offline`)."""


def _ask(connection: Connection, device: Any, query: bytes) -> int | None:
    """One real-time status query; the reply byte, or None if the printer said nothing in time."""
    write_raw(device, query)  # not connection.write: that may lengthen the timeout meant for a whole job
    try:
        reply = connection.read(device)
    except (OSError, NotImplementedError):  # socket/USB timeouts are OSErrors
        return None
    for value in reply:
        if is_status_byte(value):
            return value
    return reply[0] if reply else None


def query_status(connection: Connection, device: Any) -> PrinterStatus:
    """The printer's status over an open python-escpos connection that can read (DLE EOT 1, 4 and if offline 2)."""
    printer = _ask(connection, device, QUERY_PRINTER)
    if printer is None:
        return PrinterStatus.offline("no answer to the status query")
    paper = _ask(connection, device, QUERY_PAPER)
    if paper is None:
        return PrinterStatus.offline("no answer to the paper status query")
    cause = _ask(connection, device, QUERY_OFFLINE_CAUSE) if is_status_byte(printer) and printer & 0x08 else None
    return decode(printer, paper, cause)


class EscposPrinter:
    """A real printer behind any python-escpos connection (USB, TCP, serial, device file, or a Dummy)."""

    def __init__(self, connection: Connection, profile: PrinterProfile) -> None:
        self._connection = connection
        self._profile = profile
        # One conversation at a time: a network printer takes one connection, and status queries must not
        # interleave with a job on a serial line.
        self._lock = threading.Lock()

    @property
    def profile(self) -> PrinterProfile:
        return self._profile

    @property
    def connection(self) -> Connection:
        return self._connection

    def __repr__(self) -> str:
        return f"EscposPrinter({self._connection}, {self._profile.name})"

    def print(self, receipt: Receipt) -> None:
        self.send(render_escpos(receipt, self._profile))

    def open_drawer(self, pin: DrawerPin = 2) -> None:
        self.send(drawer_kick_bytes(pin))

    def send(self, data: bytes) -> None:
        """Write an already rendered job, checking first that the printer can print it."""
        from escpos.exceptions import Error as EscposError

        with self._lock:
            device = self._connection.open(self._profile)
            try:
                if self._connection.can_read_back:
                    status = query_status(self._connection, device)
                    if not status.ok:
                        raise PrinterUnavailable(status)
                self._connection.write(device, data)
                self._connection.finish(device)
            except (OSError, EscposError) as exc:
                raise PrinterUnavailable(PrinterStatus.offline(f"{self._connection}: {exc}")) from exc
            finally:
                self._connection.close(device)

    def status(self) -> PrinterStatus:
        from escpos.exceptions import Error as EscposError

        with self._lock:
            try:
                device = self._connection.open(self._profile)
            except PrinterUnavailable as exc:
                return exc.status
            try:
                if not self._connection.can_read_back:
                    return PrinterStatus(PrinterState.OK, "status not readable on this connection", verified=False)
                return query_status(self._connection, device)
            except (OSError, EscposError) as exc:
                return PrinterStatus.offline(f"{self._connection}: {exc}")
            finally:
                self._connection.close(device)


def connect(
    connection: str | ConnectionSpec | Connection,
    profile: PrinterProfile,
    *,
    spool_dir: Path | None = None,
) -> EscposPrinter | SimulatedPrinter:
    """The printer for a connection string such as "tcp:192.168.1.50:9100" or "simulated".

    `spool_dir` is where a simulated printer keeps its jobs when the string does not say (`simulated?dir=…`).
    """
    spec = parse_connection(connection) if isinstance(connection, str) else connection
    if isinstance(spec, SimulatedConnection):
        return SimulatedPrinter(profile, spool_dir=spec.directory or spool_dir)
    return EscposPrinter(spec, profile)


def _conforms(escpos: EscposPrinter, simulated: SimulatedPrinter) -> tuple[Printer, Printer]:
    """Never called: makes mypy check that both printers implement the Printer protocol."""
    return escpos, simulated
