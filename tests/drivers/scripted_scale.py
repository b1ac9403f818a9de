"""A scripted scale on the master side of a pty: it answers the driver byte for byte as a real scale would.

One thread per scale. Request/response protocols (Mettler-Toledo 8217) answer each request; continuous ones (ST/US,
CAS 22-byte) send a frame every `interval`. The frames are written here by hand from the protocols' documentation,
independently of the driver's regexes, so a wrong regex in the driver fails these tests.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections import deque
from pathlib import Path

from tests.drivers.pty_peer import PtyPeer

STX, CR, LF = b"\x02", b"\r", b"\n"


def kg_text(grams: int) -> str:
    """1250 → '1.250' (no sign): integer arithmetic, never floats."""
    return f"{abs(grams) // 1000}.{abs(grams) % 1000:03d}"


class ScriptedScale:
    CONTINUOUS = ("st-us-continuous", "cas-22")

    def __init__(self, protocol: str, directory: Path, *, interval: float = 0.02, capacity: int = 30_000) -> None:
        self.protocol = protocol
        self.interval = interval
        self.capacity = capacity
        self.peer = PtyPeer(directory, f"tty-{protocol}")
        self.port = self.peer.path
        os.set_blocking(self.peer.master, False)  # never block the thread when the driver is not reading
        self.received: list[bytes] = []  # every request/command, in order
        self.sent: list[bytes] = []  # every write to the driver, in order
        self.zero_as_status = False  # 8217: answer an empty platter with STX ? 'P' CR (center of zero)
        self._platter = 0
        self._stable = True
        self._zero = 0
        self._tare = 0
        self._script: deque[tuple[int, bool]] = deque()
        self._inject = b""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"scripted-{protocol}", daemon=True)
        self._thread.start()

    # -- what the test does --------------------------------------------------------------------------------------

    def put(self, grams: int, *, stable: bool = True) -> None:
        with self._lock:
            self._platter, self._stable = grams, stable

    def play(self, readings: list[tuple[int, bool]]) -> None:
        """Continuous scales: send these (grams, stable) frames first, one per interval, then the platter's."""
        with self._lock:
            self._script.extend(readings)

    def inject(self, raw: bytes) -> None:
        """Bytes sent just before the next frame (line noise, a half frame from before the driver connected)."""
        with self._lock:
            self._inject += raw

    @property
    def commands(self) -> list[str]:
        names = {b"Z": "zero", b"T": "tare"}
        return [names[c.strip()[-1:]] for c in self.received if c.strip()[-1:] in names]

    def unplug(self) -> None:
        self._halt()
        self.peer.unplug()

    def close(self) -> None:
        self._halt()
        self.peer.close()

    # -- the scale's side ----------------------------------------------------------------------------------------

    def _halt(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        pending = b""
        next_frame = time.monotonic()
        while not self._stop.is_set():
            ready, _, _ = select.select([self.peer.master], [], [], self.interval / 2)
            if ready:
                pending = self._handle(pending + os.read(self.peer.master, 1024))
            if self.protocol in self.CONTINUOUS and time.monotonic() >= next_frame:
                next_frame += self.interval
                self._send(self._frame())

    def _handle(self, data: bytes) -> bytes:
        if self.protocol == "mettler-toledo-8217":
            for byte in data:  # one-byte commands
                command = bytes([byte])
                self.received.append(command)
                if command == b"W":
                    self._send(self._toledo_reply())
                elif command in (b"Z", b"T"):
                    self._apply(command)
                    self._send(self._toledo_status(0x10 if self._net() == 0 else 0))
            return b""
        *lines, rest = data.split(CR + LF)  # continuous scales take CR LF terminated commands
        for line in lines:
            self.received.append(line + CR + LF)
            self._apply(line[-1:])
        return rest

    def _apply(self, command: bytes) -> None:
        with self._lock:
            if command == b"Z":
                self._zero, self._tare = self._platter, 0
            elif command == b"T":
                self._tare = self._platter - self._zero

    def _send(self, frame: bytes) -> None:
        with self._lock:
            frame, self._inject = self._inject + frame, b""
            self.sent.append(frame)
        with contextlib.suppress(BlockingIOError):  # nobody reading, pty buffer full: a real UART overruns too
            os.write(self.peer.master, frame)

    def _net(self) -> int:
        return self._platter - self._zero - self._tare

    def _reading(self) -> tuple[int, int, bool]:
        """(gross, net, stable) of the next frame: the script first, then the platter."""
        with self._lock:
            if self._script:
                grams, stable = self._script.popleft()
                return grams - self._zero, grams - self._zero - self._tare, stable
            return self._platter - self._zero, self._net(), self._stable

    # 8217 ------------------------------------------------------------------------------------------------------

    @staticmethod
    def _toledo_status(bits: int) -> bytes:
        return STX + b"?" + bytes([0x40 | bits]) + CR  # bit 6 always set

    def _toledo_reply(self) -> bytes:
        gross, net, stable = self._reading()
        if gross > self.capacity:
            return self._toledo_status(0x02)
        if not stable:
            return self._toledo_status(0x01)
        if net < 0:
            return self._toledo_status(0x04)
        if net == 0 and self.zero_as_status:
            return self._toledo_status(0x10)
        return STX + f"{net // 1000:03d}.{net % 1000:03d}".encode() + CR  # ddd.ddd

    # continuous ------------------------------------------------------------------------------------------------

    def _frame(self) -> bytes:
        gross, net, stable = self._reading()
        head = b"OL" if gross > self.capacity else b"ST" if stable else b"US"
        mode = b"NT" if self._tare else b"GS"
        sign = "-" if net < 0 else "+"
        if self.protocol == "st-us-continuous":
            value = b"+------" if head == b"OL" else (sign + kg_text(net).rjust(7)).encode()
            return head + b"," + mode + b"," + value + b"kg" + CR + LF
        lamp = 0x80 | (0x40 if stable else 0) | (0x02 if self._tare else 0x04) | (0x01 if net == 0 else 0)
        if head == b"OL":
            value = b"9999.999"
        else:  # 8 characters, zero-filled: 0001.250, -001.250
            value = ("-" + kg_text(net).rjust(7, "0") if net < 0 else kg_text(net).rjust(8, "0")).encode()
        return head + b"," + mode + b",1" + bytes([lamp]) + b"," + value + b" kg" + CR + LF
