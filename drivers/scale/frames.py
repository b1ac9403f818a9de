"""Cutting a serial byte stream into protocol frames, skipping garbage and partial frames."""

from __future__ import annotations

import time

import serial

from drivers.scale.protocols import ScaleProtocol
from drivers.scale.weight import Frame

# A real frame is under 32 bytes; keep a little history so a frame split across reads still matches, and drop the
# rest so a noisy line cannot grow the buffer without bound.
_KEEP_BYTES = 256


class FrameReader:
    def __init__(self, port: serial.Serial, protocol: ScaleProtocol) -> None:
        self._port = port
        self._protocol = protocol
        self._buffer = bytearray()
        self.bytes_seen = False  # anything at all arrived: tells "silent" (offline) from "talking nonsense"
        self.garbage_frames = 0

    def clear(self) -> None:
        self._buffer.clear()

    def next(self, deadline: float) -> Frame | None:
        """The next valid frame, or None when the deadline passes first. Serial errors propagate."""
        while True:
            frame = self._take_frame()
            if frame is not None:
                return frame
            if time.monotonic() >= deadline:
                return None
            # The port's own read timeout is short, so this returns often enough to honour the deadline.
            chunk = self._port.read(self._port.in_waiting or 1)
            if chunk:
                self.bytes_seen = True
                self._buffer += chunk

    def _take_frame(self) -> Frame | None:
        # Match on an immutable snapshot: a match into the bytearray would see its bytes change once consumed.
        while (match := self._protocol.reply.search(bytes(self._buffer))) is not None:
            del self._buffer[: match.end()]
            try:
                return self._protocol.decode(match)
            except ValueError:
                self.garbage_frames += 1
        if len(self._buffer) > _KEEP_BYTES:
            del self._buffer[:-_KEEP_BYTES]
        return None
