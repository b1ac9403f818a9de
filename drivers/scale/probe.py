"""`probe()`: which known protocol does the scale on this port speak? For the setup screen."""

from __future__ import annotations

from collections.abc import Iterable

from drivers.scale.protocols import PROTOCOLS, ScaleProtocol
from drivers.scale.serial_scale import SerialScale


async def probe(port: str, protocols: Iterable[ScaleProtocol] | None = None, *, window: float = 0.6) -> str | None:
    """The name of the first protocol whose frame arrives within `window` seconds per attempt, or None if none did.

    Polled protocols are asked (their request is sent, harmless to streaming scales); continuous ones are listened to,
    so `window` must exceed the scale's frame interval. Raises DeviceOffline if the port cannot be opened at all."""
    for protocol in protocols if protocols is not None else PROTOCOLS.values():
        scale = SerialScale(port, protocol, reply_timeout=window)
        try:
            if await scale.sniff():
                return protocol.name
        finally:
            await scale.close()
    return None
