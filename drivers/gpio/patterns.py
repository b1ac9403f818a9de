"""What the status LED says, and which message wins when several apply.

Priority, highest first (a higher one hides the lower ones; the admin page lists them all):
1. fast blink   — a device is in error (scanner, scale, printer…): selling is impaired *now*.
2. slow blink   — SII documents are waiting to be sent: usually the internet is down; there are legal deadlines.
3. double blink — the off-site copy (Litestream) is lagging: a dead SD card would lose data. It ranks below the SII
   because an internet outage causes both and "documents waiting" is the one the shop acts on.
4. solid        — all well. Off means the app is not running (or the box is still booting).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pattern:
    name: str
    # Alternating on/off durations in seconds, starting with on, repeated forever; empty = steadily on.
    steps: tuple[float, ...]


SOLID = Pattern("solid", ())
SLOW_BLINK = Pattern("slow blink", (1.0, 1.0))
DOUBLE_BLINK = Pattern("double blink", (0.15, 0.15, 0.15, 1.05))
FAST_BLINK = Pattern("fast blink", (0.1, 0.1))


@dataclass(frozen=True)
class LedState:
    device_error: bool = False
    sii_pending: bool = False
    backup_lagging: bool = False


def pattern_for(state: LedState) -> Pattern:
    if state.device_error:
        return FAST_BLINK
    if state.sii_pending:
        return SLOW_BLINK
    if state.backup_lagging:
        return DOUBLE_BLINK
    return SOLID
