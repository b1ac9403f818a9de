"""The lane's notices under streams that come and go: a tablet that drops off the Wi-Fi in the middle of a notice must
never leave the lane unable to publish (which froze every cart change and payment on that lane)."""

from __future__ import annotations

import asyncio
import random

from appliance.pos.events import LaneHub


async def _trial(rng: random.Random) -> None:
    hub = LaneHub()

    async def stream() -> None:  # what /caja/eventos does for one tablet
        seen = 0
        while True:
            notice = await hub.wait(1, seen, keepalive=rng.choice((0.001, 0.01, 30.0)))
            if notice is not None:
                seen = notice.seq

    streams = [asyncio.create_task(stream()) for _ in range(rng.randint(1, 20))]
    for _ in range(rng.randint(0, 5)):
        await asyncio.sleep(0)
    publishing = [asyncio.create_task(hub.publish(1, version, "agregado")) for version in range(rng.randint(1, 3))]
    for _ in range(rng.randint(0, 5)):
        await asyncio.sleep(0)
    if rng.random() < 0.5:
        await asyncio.sleep(0.001)
    for task in streams:
        task.cancel()  # the tablets go away, at any point of a notice
    await asyncio.wait_for(asyncio.gather(*streams, return_exceptions=True), 2)
    await asyncio.wait_for(asyncio.gather(*publishing), 2)
    await asyncio.wait_for(hub.publish(1, 99, "anulada"), 2)
    after = await asyncio.wait_for(hub.wait(1, 0, keepalive=1), 2)
    assert after is not None and after.message == "anulada"


async def test_streams_cancelled_mid_notice_never_block_the_lane() -> None:
    rng = random.Random(7)
    for _ in range(200):
        await _trial(rng)


async def test_a_waiting_stream_gets_the_next_notice_and_a_quiet_one_times_out() -> None:
    hub = LaneHub()
    waiting = asyncio.create_task(hub.wait(3, hub.last_seq(3), keepalive=5))
    await asyncio.sleep(0)
    await hub.publish(3, 4, "Leche agregado")
    notice = await asyncio.wait_for(waiting, 1)
    assert notice is not None and (notice.version, notice.message) == (4, "Leche agregado")
    assert await hub.wait(3, notice.seq, keepalive=0.01) is None
    assert (await hub.wait(3, 0, keepalive=0.01)) == notice  # a reconnecting tablet gets what it missed at once
