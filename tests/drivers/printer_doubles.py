"""Test doubles and sample documents for the printing tests: a network printer on 127.0.0.1, a serial printer on a
pseudo-terminal, a TED-like timbre payload and a realistic Chilean boleta."""

from __future__ import annotations

import asyncio
import os
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from drivers.printing import Receipt, ReceiptBuilder
from drivers.printing.status import PrinterState, encode_reply

_STATUS_QUERY = re.compile(rb"\x10\x04([\x01-\x04])")


def ted_payload() -> bytes:
    """A TED shaped like the SII's (DD with the CAF copied in, FRMT), with accents, flattened, in ISO-8859-1."""
    ted = (
        '<TED version="1.0"><DD><RE>76123456-7</RE><TD>39</TD><F>1234</F><FE>2025-11-21</FE>'
        "<RR>66666666-6</RR><RSR>Consumidor Final</RSR><MNT>26098</MNT><IT1>Palta Hass (Perú) ¿Año? ¡Sí! ° ü</IT1>"
        '<CAF version="1.0"><DA><RE>76123456-7</RE><RS>COMERCIAL DON PEPE Y COMPAÑÍA SPA</RS><TD>39</TD>'
        "<RNG><D>1</D><H>5000</H></RNG><FA>2025-01-15</FA><RSAPK><M>uv7BUO3yg/7RoMjh1mPXXG/8YIwjtXsu7kcOq7dZQj66"
        "QCiY4FVz2fIhF1jaU0GSikq/jq26IFGylGus92OnPQ==</M><E>Aw==</E></RSAPK><IDK>300</IDK></DA>"
        '<FRMA algoritmo="SHA1withRSA">PI7bw8y0RNUJrGxyhb2gr6BjFtv/Ikyo/6g69wycoXTHSoRML3xvZvOBytreN7REw9JF0Ldoj91R'
        "RtaZbH38bA==</FRMA></CAF><TSTED>2025-11-21T20:46:03</TSTED></DD>"
        '<FRMT algoritmo="SHA1withRSA">DKFS7bNYRpVYLNEII+eyLcBHmNwQIHVkbqgR96wKcnDEcU6NsHQUMUyXpr7ql7xD9iuGkZDmNxH'
        "uY+Mq913oSA==</FRMT></TED>"
    )
    return ted.encode("iso-8859-1")


def shop_logo() -> Image.Image:
    """A small two-tone logo with transparency, like a shop would upload."""
    image = Image.new("RGBA", (240, 80), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 236, 76), radius=18, outline=(20, 20, 20, 255), width=6)
    draw.ellipse((20, 18, 64, 62), fill=(200, 30, 30, 255))
    draw.rectangle((80, 30, 220, 50), fill=(90, 90, 90, 255))
    return image


def boleta(*, logo: bool = True, drawer: bool = True) -> Receipt:
    """A realistic boleta electrónica: header with RUT, items (one weighed), totals, payments, the timbre."""
    builder = ReceiptBuilder()
    if logo:
        builder.logo(shop_logo(), max_width_mm=30)
    amounts = (10,)  # the amount column, aligned across rows
    (
        builder.text("MINIMARKET DON PEPE", align="center", bold=True, double_height=True)
        .text("Comercial Don Pepe y Compañía SpA", align="center")
        .text("RUT: 76.123.456-7", align="center", bold=True)
        .text("Giro: Venta al por menor de alimentos y bebidas", align="center")
        .text("Av. Matta 1234, Santiago", align="center")
        .text("S.I.I. - SANTIAGO CENTRO", align="center")
        .feed(1)
        .text("BOLETA ELECTRÓNICA N° 1234", align="center", bold=True)
        .feed(1)
        .row("Fecha: 21-11-2025 20:46", "Caja 1")
        .row("Cajero(a): María José Muñoz", "")
        .separator("=")
        .text("Palta Hass (Perú)")
        .row("  1,250 kg x $12.990", "$16.238", widths=amounts)
        .text("Leche Entera Colún 1 L")
        .row("  2 x $1.190", "$2.380", widths=amounts)
        .row("Queso Mantecoso Laminado Colún 250 g Oferta Fin de Semana", "$3.990", widths=amounts)
        .row("Bebida Coca-Cola Sin Azúcar 1,5 L Desechable", "$2.290", widths=amounts)
        .text("Pan Hallulla")
        .row("  0,500 kg x $2.400", "$1.200", widths=amounts)
        .separator()
        .row("TOTAL", "$26.098", bold=True)
        .row("IVA incluido (19%)", "$4.167", widths=amounts)
        .separator()
        .row("Efectivo", "$30.000", widths=amounts)
        .row("Vuelto", "$3.902", widths=amounts, bold=True)
        .feed(1)
        .pdf417(ted_payload())
        .text("Timbre Electrónico S.I.I.", align="center")
        .text("Resolución N° 80 de 2014", align="center")
        .text("Verifique documento en www.sii.cl", align="center")
        .feed(1)
        .text("¡Gracias por su compra!", align="center")
        .cut()
    )
    if drawer:
        builder.kick_drawer(2)
    return builder.build()


# --- network printer ------------------------------------------------------------------------------------------------


@dataclass
class TcpSession:
    """One connection to the double: everything the client sent, and how the connection ended."""

    data: bytearray = field(default_factory=bytearray)
    completed: bool = False  # the client sent EOF and the printer closed its side: the job was taken whole
    aborted: bool = False  # the printer dropped the connection (it "restarted" while hung)


class NetworkPrinterDouble:
    """A raw-port (9100) ESC/POS printer on 127.0.0.1: records what it receives, answers DLE EOT status queries as it
    reads them, closes its side when the client closes its own, and can stop answering mid-job.

    `stop_answering(after_bytes)` freezes the printer once it has read that many more bytes: it stops reading and
    replying on every connection, as a hung printer does. `resume()` is the printer being switched off and on: the
    frozen connections are reset (what they held is lost) and new connections are served normally.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.sessions: list[TcpSession] = []
        self.state = PrinterState.OK
        self.paper_near_end = False
        self.cover_open = False
        self._budget: int | None = None  # bytes still read before freezing; None = not frozen
        self._lock = threading.Lock()
        self._closing = False
        self._sockets: list[tuple[socket.socket, TcpSession]] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="printer-double", daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"tcp:127.0.0.1:{self.port}"

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._budget == 0

    def stop_answering(self, after_bytes: int = 0) -> None:
        with self._lock:
            self._budget = after_bytes

    def resume(self) -> None:
        with self._lock:
            self._budget = None
            for sock, session in self._sockets:
                if not session.completed and not session.aborted:
                    session.aborted = True
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset
                    sock.close()

    def close(self) -> None:
        self._closing = True
        self._acceptor.join(2)
        for thread in self._threads:
            thread.join(2)
        self._listener.close()

    def received(self) -> bytes:
        return b"".join(bytes(session.data) for session in self.sessions)

    def _accept(self) -> None:
        while not self._closing:
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            session = TcpSession()
            with self._lock:
                self.sessions.append(session)
                self._sockets.append((sock, session))
            thread = threading.Thread(target=self._serve, args=(sock, session), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _reply(self, query: int) -> bytes:
        replies = encode_reply(self.state, near_end=self.paper_near_end, cover_open=self.cover_open)
        return bytes((replies[query],))

    def _serve(self, sock: socket.socket, session: TcpSession) -> None:
        sock.settimeout(0.02)
        tail = b""
        try:
            while not self._closing and not session.aborted:
                with self._lock:
                    budget = self._budget
                if budget == 0:
                    time.sleep(0.01)  # frozen: neither reading nor answering
                    continue
                try:
                    chunk = sock.recv(4096 if budget is None else min(4096, budget))
                except TimeoutError:
                    continue
                if not chunk:
                    session.completed = True
                    return
                with self._lock:
                    if self._budget is not None:
                        self._budget = max(0, self._budget - len(chunk))
                    session.data += chunk
                window = tail + chunk
                # Like a printer, a status query is answered wherever it appears in the stream.
                for match in _STATUS_QUERY.finditer(window):
                    if match.end() > len(tail):
                        sock.sendall(self._reply(match.group(1)[0]))
                tail = window[-2:]
        except OSError:
            session.aborted = session.aborted or not session.completed
        finally:
            if not session.aborted:
                sock.close()


@contextmanager
def network_printer() -> Iterator[NetworkPrinterDouble]:
    double = NetworkPrinterDouble()
    try:
        yield double
    finally:
        double.close()


# --- serial printer ---------------------------------------------------------------------------------------------------


class SerialPrinterDouble:
    """A serial ESC/POS printer on the master side of a pseudo-terminal: records bytes, answers DLE EOT with OK."""

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        self.path = os.ttyname(self._slave)
        self.data = bytearray()
        self._closing = False
        self._thread = threading.Thread(target=self._serve, name="serial-double", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        tail = b""
        while not self._closing:
            ready, _, _ = select.select([self._master], [], [], 0.02)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 4096)
            except OSError:
                return
            self.data += chunk
            window = tail + chunk
            for match in _STATUS_QUERY.finditer(window):
                if match.end() > len(tail):
                    os.write(self._master, bytes((encode_reply(PrinterState.OK)[match.group(1)[0]],)))
            tail = window[-2:]

    def wait_for(self, size: int, timeout: float = 5.0) -> bytes:
        deadline = time.monotonic() + timeout
        while len(self.data) < size and time.monotonic() < deadline:
            time.sleep(0.01)
        return bytes(self.data)

    def close(self) -> None:
        self._closing = True
        self._thread.join(2)
        os.close(self._master)
        os.close(self._slave)


async def eventually(condition: Callable[[], bool], *, within: float = 5.0, what: str = "condition") -> None:
    """Wait until `condition()` holds, polling; fail the test after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        await asyncio.sleep(0.01)


class FifoPrinterDouble:
    """A write-only printer device file (like /dev/usb/lp0) as a named pipe, drained by a reader thread."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.data = bytearray()
        self._closing = False
        self._thread = threading.Thread(target=self._serve, name="fifo-double", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closing:
            # Each job opens, writes and closes the device: read until that writer closes, then wait for the next.
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            try:
                while not self._closing:
                    ready, _, _ = select.select([fd], [], [], 0.02)
                    if not ready:
                        continue
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        time.sleep(0.005)  # no writer at the moment
                        continue
                    self.data += chunk
            finally:
                os.close(fd)

    def close(self) -> None:
        self._closing = True
        self._thread.join(2)
