"""`SerialScanner`: a scanner in USB serial (CDC-ACM) or RS-232 mode, each scan ended by a terminator.

Reads run in a worker thread with a short timeout, under a lock shared with closing, so the port is never closed
under a read in progress (its file descriptor could otherwise be reused by the next open). Unplug → the read fails
→ the port is dropped and the same path (use /dev/serial/by-id/…) is reopened every `reopen_interval`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import termios
import threading
import time

import serial

from drivers.scale.health import Health
from drivers.scanner.base import Emit, PumpedScanner

TERMINATORS: dict[str, bytes | None] = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "none": None}
_IO_ERRORS = (serial.SerialException, OSError, termios.error)
_READ_SLICE = 0.05
_STRIP = " \r\n\t\x00"  # a CRLF scanner on a CR setting leaves an LF in front of the next code: not part of it


def split_scans(buffer: bytearray, terminator: bytes) -> list[str]:
    """Remove every complete scan from `buffer` and return their texts; an incomplete tail stays in it."""
    *complete, rest = bytes(buffer).split(terminator)
    buffer[:] = rest
    return [text for raw in complete if (text := decode(raw))]


def decode(raw: bytes) -> str:
    # UTF-8 for QR codes with accents; control characters inside (GS1's GS separator) are kept.
    return raw.decode("utf-8", errors="replace").strip(_STRIP)


class SerialScanner(PumpedScanner):
    def __init__(
        self,
        port: str,
        *,
        terminator: bytes | str | None = b"\r",
        idle_timeout: float = 0.1,
        baudrate: int = 9600,
        reopen_interval: float = 1.0,
    ) -> None:
        """`terminator`: bytes, or "cr"/"lf"/"crlf"/"none"; with none, a scan ends after `idle_timeout` seconds
        without a byte (the inter-character timeout)."""
        super().__init__()
        self.port = port
        self.terminator = TERMINATORS[terminator.lower()] if isinstance(terminator, str) else terminator
        self.idle_timeout = idle_timeout
        self.baudrate = baudrate
        self.reopen_interval = reopen_interval
        self._lock = threading.Lock()
        self._health = Health.offline(f"{port}: not opened yet")

    def __repr__(self) -> str:
        return f"SerialScanner({self.port!r})"

    async def _pump(self, emit: Emit) -> None:
        while True:
            port = await self._open()
            try:
                await self._read_scans(port, emit)
            except _IO_ERRORS as error:
                self._health = Health.offline(f"{self.port}: {error}")
            finally:
                self._close(port)
            await asyncio.sleep(self.reopen_interval)

    async def _open(self) -> serial.Serial:
        while True:
            try:
                port = serial.Serial(self.port, baudrate=self.baudrate, timeout=_READ_SLICE, exclusive=True)
            except _IO_ERRORS as error:
                self._health = (
                    Health.error(f"{self.port}: permission denied (the service user needs group 'dialout')")
                    if getattr(error, "errno", None) == errno.EACCES
                    else Health.offline(f"{self.port}: waiting for the scanner")
                )
            else:
                self._health = Health.healthy(f"serial scanner on {self.port}")
                return port
            await asyncio.sleep(self.reopen_interval)

    async def _read_scans(self, port: serial.Serial, emit: Emit) -> None:
        buffer = bytearray()
        last_byte = time.monotonic()
        while True:
            chunk = await asyncio.to_thread(self._read, port)
            now = time.monotonic()
            if chunk:
                buffer += chunk
                last_byte = now
            if self.terminator is not None:
                for code in split_scans(buffer, self.terminator):
                    emit(code)
            elif buffer and now - last_byte >= self.idle_timeout:
                if code := decode(bytes(buffer)):
                    emit(code)
                buffer.clear()

    def _read(self, port: serial.Serial) -> bytes:
        with self._lock:
            return bytes(port.read(port.in_waiting or 1))

    def _close(self, port: serial.Serial) -> None:
        with contextlib.suppress(*_IO_ERRORS):
            port.cancel_read()  # wakes a read blocked in the worker thread, so the lock below is quick
        with self._lock, contextlib.suppress(*_IO_ERRORS):
            port.close()
