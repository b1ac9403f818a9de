"""One contract, every scale: the simulated twin and the real driver over a pty against a scripted scale of each
protocol must behave the same to the app."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.scale import (
    DeviceOffline,
    HealthState,
    ScaleCommandUnsupported,
    ScaleOverRange,
    ScaleUnderRange,
    ScaleUnstable,
    SerialScale,
    SimulatedScale,
    Weight,
)
from tests.drivers.scripted_scale import ScriptedScale

CAPACITY = 15_000


@dataclass
class Rig:
    name: str
    scale: SerialScale | SimulatedScale
    put: Callable[..., None]
    unplug: Callable[[], None]
    commands: Callable[[], list[str]]
    remote_commands: bool = True


@pytest.fixture(params=["simulated", "mettler-toledo-8217", "st-us-continuous", "cas-22"])
async def scale_rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    if request.param == "simulated":
        simulated = SimulatedScale(timeout=0.5, capacity_grams=CAPACITY)
        yield Rig(
            "simulated", simulated, simulated.put, lambda: simulated.set_online(False), lambda: simulated.commands
        )
        await simulated.close()
        return
    scripted = ScriptedScale(request.param, tmp_path, capacity=CAPACITY)
    scale = SerialScale(scripted.port, request.param, timeout=0.5, reply_timeout=0.3)
    try:
        yield Rig(
            request.param,
            scale,
            scripted.put,
            scripted.unplug,
            lambda: scripted.commands,
            remote_commands=request.param != "cas-22",
        )
    finally:
        await scale.close()
        scripted.close()


async def test_stable_weight(scale_rig: Rig) -> None:
    scale_rig.put(1250)
    assert await scale_rig.scale.read() == Weight(1250, stable=True)
    assert scale_rig.scale.health().state is HealthState.OK


async def test_empty_platter_weighs_zero(scale_rig: Rig) -> None:
    assert (await scale_rig.scale.read()).grams == 0


async def test_moving_platter_is_unstable(scale_rig: Rig) -> None:
    scale_rig.put(800, stable=False)
    started = time.monotonic()
    with pytest.raises(ScaleUnstable):
        await scale_rig.scale.read()
    assert time.monotonic() - started >= 0.4  # it waited for the weight to settle before giving up
    assert scale_rig.scale.health().state is HealthState.OK  # a moving platter is not a broken scale


async def test_settles_while_waiting(scale_rig: Rig) -> None:
    scale_rig.put(800, stable=False)
    reading = asyncio.create_task(scale_rig.scale.read())
    await asyncio.sleep(0.1)
    scale_rig.put(820)
    assert await reading == Weight(820, stable=True)


async def test_over_capacity(scale_rig: Rig) -> None:
    scale_rig.put(CAPACITY + 500)
    with pytest.raises(ScaleOverRange):
        await scale_rig.scale.read()


async def test_under_zero(scale_rig: Rig) -> None:
    scale_rig.put(-40)
    with pytest.raises(ScaleUnderRange):
        await scale_rig.scale.read()


async def test_zero_then_tare(scale_rig: Rig) -> None:
    if not scale_rig.remote_commands:
        with pytest.raises(ScaleCommandUnsupported):
            await scale_rig.scale.zero()
        with pytest.raises(ScaleCommandUnsupported):
            await scale_rig.scale.tare()
        return
    scale_rig.put(120)  # platter drifted
    await scale_rig.scale.zero()
    assert (await scale_rig.scale.read()).grams == 0
    scale_rig.put(620)  # a 500 g container
    await scale_rig.scale.tare()
    assert (await scale_rig.scale.read()).grams == 0
    scale_rig.put(1870)  # 1.250 kg of goods in it
    assert (await scale_rig.scale.read()).grams == 1250
    assert scale_rig.commands() == ["zero", "tare"]


async def test_unplugged_mid_read_goes_offline_fast(scale_rig: Rig) -> None:
    scale_rig.scale.timeout = 5.0  # the driver must not wait this long for a cable that is gone
    scale_rig.put(500, stable=False)
    reading = asyncio.create_task(scale_rig.scale.read())
    await asyncio.sleep(0.15)
    started = time.monotonic()
    scale_rig.unplug()
    with pytest.raises(DeviceOffline):
        await asyncio.wait_for(reading, timeout=2.0)
    assert time.monotonic() - started < 1.0
    assert scale_rig.scale.health().state is HealthState.OFFLINE
    with pytest.raises(DeviceOffline):  # and stays offline while unplugged
        await scale_rig.scale.read()
