"""The far end of a serial cable, for driver tests: a pseudo-terminal pair.

The driver opens `path` exactly as it would open /dev/serial/by-id/usb-…: a symlink to the pty's slave side. The test
(or a scripted device thread) reads and writes the master side. `unplug()` closes the master, which the driver sees as
a hang-up, and removes the link; `replug()` makes a fresh pty behind the same link, like udev re-creating the by-id
link when a USB device comes back.
"""

from __future__ import annotations

import os
import select
import time
import tty
from pathlib import Path


class PtyPeer:
    def __init__(self, directory: Path, name: str = "ttyTEST0") -> None:
        self.path = str(directory / name)
        self.master = -1
        self._slave = -1
        self.replug()

    @property
    def plugged(self) -> bool:
        return self.master >= 0

    def replug(self) -> None:
        if self.plugged:
            self.unplug()
        self.master, self._slave = os.openpty()
        # Raw before the driver opens it, so bytes sent early are neither echoed back nor CR/LF-translated; the
        # slave stays open here so the master never reads EIO while the driver has the port closed.
        tty.setraw(self._slave)
        os.symlink(os.ttyname(self._slave), self.path)

    def unplug(self) -> None:
        for fd in (self.master, self._slave):
            if fd >= 0:
                os.close(fd)
        self.master = self._slave = -1
        if os.path.lexists(self.path):
            os.unlink(self.path)

    def close(self) -> None:
        if self.plugged:
            self.unplug()

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def read(self, timeout: float = 0.05) -> bytes:
        """Whatever the driver sent within `timeout` (b"" if nothing)."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        return os.read(self.master, 4096) if ready else b""

    def read_until(self, expected: bytes, timeout: float = 2.0) -> bytes:
        deadline = time.monotonic() + timeout
        received = b""
        while expected not in received and time.monotonic() < deadline:
            received += self.read(0.02)
        return received
