"""`SerialScale`: a real scale on a serial port (RS-232 adapter or USB CDC), driven by a protocol from the table.

pyserial is blocking, so every exchange runs in a worker thread (`asyncio.to_thread`) under a lock: one exchange at a
time per port, and a cancelled caller never leaves two threads talking to the same scale. The port is opened lazily
and dropped on any I/O error, so an unplugged scale raises `DeviceOffline` at once (not at the timeout) and the next
call reopens the same path when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import termios
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import serial

from drivers.scale.errors import (
    DeviceOffline,
    ScaleCommandUnsupported,
    ScaleError,
    ScaleOverRange,
    ScaleProtocolError,
    ScaleUnderRange,
    ScaleUnstable,
    ScaleZeroError,
)
from drivers.scale.frames import FrameReader
from drivers.scale.health import Health
from drivers.scale.protocols import ScaleProtocol, protocol_named
from drivers.scale.weight import Frame, ScaleStatus, Weight

T = TypeVar("T")

# What a vanished port raises: pyserial wraps most errors, but tcflush/tcdrain leak termios.error (not an OSError).
_IO_ERRORS = (serial.SerialException, OSError, termios.error)

# pyserial's per-read timeout: short, so loops re-check their deadline and close() never waits long.
_READ_SLICE = 0.05


class SerialScale:
    def __init__(
        self,
        port: str,
        protocol: ScaleProtocol | str,
        *,
        timeout: float = 2.0,
        reply_timeout: float = 0.5,
        stable_frames: int = 3,
        poll_interval: float = 0.1,
    ) -> None:
        """`timeout`: how long `read()` waits for a stable weight; `reply_timeout`: for one answer to a request;
        `stable_frames`: equal consecutive stable frames a continuous scale must send before its weight is taken."""
        self.port = port
        self.protocol = protocol_named(protocol) if isinstance(protocol, str) else protocol
        self.timeout = timeout
        self.reply_timeout = reply_timeout
        self.stable_frames = max(1, stable_frames)
        self.poll_interval = poll_interval
        self._serial: serial.Serial | None = None
        self._io_lock = threading.Lock()
        self._closed = False
        self._health = Health.offline(f"{self.port}: not opened yet")

    def __repr__(self) -> str:
        return f"SerialScale({self.port!r}, {self.protocol.name!r})"

    # -- public, async ----------------------------------------------------------------------------------------------

    async def read(self, *, stable: bool = True) -> Weight:
        """The weight on the platter. With `stable` (the default) waits up to `timeout` for it to settle and raises
        `ScaleUnstable` if it does not; with `stable=False` returns the first reading, moving or not (live display)."""
        return await self._run(self._read_blocking, stable)

    async def zero(self) -> None:
        await self._command(self.protocol.zero_command, "zero")

    async def tare(self) -> None:
        await self._command(self.protocol.tare_command, "tare")

    def health(self) -> Health:
        return self._health

    async def close(self) -> None:
        self._closed = True
        await asyncio.to_thread(self._with_lock, self._drop_port)

    async def sniff(self) -> bool:
        """Does a scale speaking this protocol answer within `reply_timeout`? Used by `probe()`."""
        return await self._run(self._sniff_blocking)

    async def _command(self, command: bytes | None, what: str) -> None:
        if command is None:
            raise ScaleCommandUnsupported(f"{self.protocol.name} has no remote {what}: use the key on the scale")
        await self._run(self._command_blocking, command)

    # -- blocking side (worker thread) ------------------------------------------------------------------------------

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(self._guarded, function, *args)

    def _with_lock(self, function: Callable[..., T], *args: Any) -> T:
        with self._io_lock:
            return function(*args)

    def _guarded(self, function: Callable[..., T], *args: Any) -> T:
        with self._io_lock:
            if self._closed:
                raise DeviceOffline(f"{self.port}: scale closed")
            try:
                result = function(self._open(), *args)
            except _IO_ERRORS as error:
                self._drop_port()
                self._health = Health.offline(f"{self.port}: {error}")
                raise DeviceOffline(f"{self.port}: {error}") from error
            except DeviceOffline as error:
                self._health = Health.offline(str(error))
                raise
            except ScaleProtocolError as error:
                self._health = Health.error(str(error))
                raise
            except ScaleError:
                self._health = Health.healthy(f"{self.protocol.name} on {self.port}")  # it answered: it works
                raise
            self._health = Health.healthy(f"{self.protocol.name} on {self.port}")
            return result

    def _open(self) -> serial.Serial:
        if self._serial is None:
            p = self.protocol
            self._serial = serial.Serial(
                self.port,
                baudrate=p.baudrate,
                bytesize=p.bytesize,
                parity=p.parity,
                stopbits=p.stopbits,
                timeout=_READ_SLICE,
                write_timeout=1.0,
                exclusive=True,  # two processes polling one scale interleave their frames
            )
        return self._serial

    def _drop_port(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(*_IO_ERRORS):  # already gone: closing is best effort
                port.close()

    def _read_blocking(self, port: serial.Serial, want_stable: bool) -> Weight:
        deadline = time.monotonic() + self.timeout
        if self.protocol.continuous:
            return self._read_stream(port, deadline, want_stable)
        return self._read_polled(port, deadline, want_stable)

    def _read_polled(self, port: serial.Serial, deadline: float, want_stable: bool) -> Weight:
        reader = FrameReader(port, self.protocol)
        request = self.protocol.request
        assert request is not None
        last: Weight | None = None
        answered = False
        while True:
            port.reset_input_buffer()  # a late answer to an earlier request must not pass for this one
            reader.clear()
            port.write(request)
            frame = reader.next(min(deadline, time.monotonic() + self.reply_timeout))
            if frame is not None:
                answered = True
                weight = _weight_of(frame)
                if weight is not None:
                    last = weight
                    if weight.stable or not want_stable:
                        return _accept(weight)
            if time.monotonic() >= deadline:
                break
            if frame is not None:
                time.sleep(self.poll_interval)  # moving: give it time to settle instead of hammering it
        if answered:
            raise ScaleUnstable(weight=last)
        raise self._silence(reader)

    def _read_stream(self, port: serial.Serial, deadline: float, want_stable: bool) -> Weight:
        port.reset_input_buffer()  # frames queued since the last read are stale
        reader = FrameReader(port, self.protocol)
        previous: Weight | None = None
        run = 0
        while (frame := reader.next(deadline)) is not None:
            weight = _weight_of(frame)
            if weight is None:
                continue
            if not want_stable:
                return _accept(weight)
            run = run + 1 if weight.stable and weight == previous else (1 if weight.stable else 0)
            previous = weight
            if run >= self.stable_frames:
                return _accept(weight)
        if previous is not None:
            raise ScaleUnstable(weight=previous)
        raise self._silence(reader)

    def _command_blocking(self, port: serial.Serial, command: bytes) -> None:
        port.reset_input_buffer()
        port.write(command)
        port.flush()
        if not self.protocol.command_reply:
            return
        reader = FrameReader(port, self.protocol)
        frame = reader.next(time.monotonic() + self.reply_timeout)
        if frame is None:
            raise self._silence(reader)
        _raise_for_status(frame.status)

    def _sniff_blocking(self, port: serial.Serial) -> bool:
        port.reset_input_buffer()
        if self.protocol.request is not None:
            port.write(self.protocol.request)
        return FrameReader(port, self.protocol).next(time.monotonic() + self.reply_timeout) is not None

    def _silence(self, reader: FrameReader) -> ScaleError:
        if reader.bytes_seen:
            return ScaleProtocolError(
                f"{self.port}: data arrives but no valid {self.protocol.name} frame (wrong protocol or baud rate?)"
            )
        return DeviceOffline(f"{self.port}: no answer from the scale (switched off or wrong cable?)")


def _raise_for_status(status: frozenset[ScaleStatus]) -> None:
    if ScaleStatus.OVER_CAPACITY in status:
        raise ScaleOverRange("over capacity")
    if ScaleStatus.UNDER_ZERO in status:
        raise ScaleUnderRange("under zero")
    if ScaleStatus.ZERO_ERROR in status:
        raise ScaleZeroError("outside zero capture range: empty the platter and zero the scale")


def _weight_of(frame: Frame) -> Weight | None:
    """The weight a frame carries; None for a status-only frame that just says "moving"."""
    _raise_for_status(frame.status)
    grams = frame.grams
    if grams is None:
        if ScaleStatus.CENTER_OF_ZERO in frame.status and frame.stable:
            grams = 0  # some 8217 scales answer an empty platter with a "center of zero" status frame
        else:
            return None
    return Weight(grams, frame.stable, ScaleStatus.NET in frame.status)


def _accept(weight: Weight) -> Weight:
    if weight.stable and weight.grams < 0:
        raise ScaleUnderRange("under zero")  # a settled negative weight (platter lifted, tare removed) sells nothing
    return weight
