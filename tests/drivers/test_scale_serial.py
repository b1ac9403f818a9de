"""The real serial driver's own behaviour over a pty: garbage, streams that settle, exact command bytes, reconnects,
silence, a port speaking another protocol, and `probe()`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from drivers.scale import (
    PROTOCOLS,
    DeviceOffline,
    HealthState,
    ScaleProtocolError,
    ScaleUnstable,
    SerialScale,
    Weight,
    probe,
)
from tests.drivers.pty_peer import PtyPeer
from tests.drivers.scripted_scale import ScriptedScale

CONTINUOUS = ["st-us-continuous", "cas-22"]


@pytest.fixture
def scale_peer(tmp_path: Path) -> Iterator[PtyPeer]:
    peer = PtyPeer(tmp_path)
    yield peer
    peer.close()


@pytest.fixture
def scale_scripted(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScriptedScale]:
    scripted = ScriptedScale(request.param, tmp_path)
    yield scripted
    scripted.close()


@pytest.fixture
async def scale_serial(scale_scripted: ScriptedScale) -> AsyncIterator[SerialScale]:
    scale = SerialScale(scale_scripted.port, scale_scripted.protocol, timeout=1.0, reply_timeout=0.3)
    yield scale
    await scale.close()


GARBAGE = {
    # a half frame from before the port was opened, a frame with a letter in the weight, and line noise
    "mettler-toledo-8217": b"\x0201.2\x00\xff\x0212a.500\r\x02\r",
    "st-us-continuous": b".250kg\r\nST,GS,+  1.2x0kg\r\n\x00\xfeUS,GS,",
    "cas-22": b"0 kg\r\nST,GS,1\xc4,0001.2?0 kg\r\n\x00\xffST,GS,1",
}


@pytest.mark.parametrize("scale_scripted", list(PROTOCOLS), indirect=True)
async def test_garbage_before_a_valid_frame_is_skipped(
    scale_scripted: ScriptedScale, scale_serial: SerialScale
) -> None:
    garbage = GARBAGE[scale_scripted.protocol]
    if scale_scripted.protocol == "mettler-toledo-8217":
        scale_scripted.put(2345)
        scale_scripted.inject(garbage)  # sent just before the answer to the driver's W
        assert await scale_serial.read() == Weight(2345, stable=True)
    else:
        scale_scripted.put(2345, stable=False)
        reading = asyncio.create_task(scale_serial.read())
        await asyncio.sleep(0.05)  # the driver has flushed its input and is reading: the garbage reaches it
        scale_scripted.inject(garbage)
        await asyncio.sleep(0.05)
        scale_scripted.put(2345)
        assert await reading == Weight(2345, stable=True)
    assert garbage in b"".join(scale_scripted.sent)


@pytest.mark.parametrize("scale_scripted", CONTINUOUS, indirect=True)
async def test_stream_fluctuating_then_stable(scale_scripted: ScriptedScale, scale_serial: SerialScale) -> None:
    scale_scripted.put(1100, stable=False)
    reading = asyncio.create_task(scale_serial.read())
    await asyncio.sleep(0.1)  # the driver is reading moving frames
    # Two lone stable frames with different weights must not be taken: only 3 equal stable frames in a row count.
    scale_scripted.play([(1180, False), (1262, False), (1248, True), (1251, True), (1249, False)])
    scale_scripted.put(1250)
    assert await reading == Weight(1250, stable=True)


@pytest.mark.parametrize("scale_scripted", CONTINUOUS, indirect=True)
async def test_stream_live_reading_while_moving(scale_scripted: ScriptedScale, scale_serial: SerialScale) -> None:
    scale_scripted.put(730, stable=False)
    assert await scale_serial.read(stable=False) == Weight(730, stable=False)


@pytest.mark.parametrize("scale_scripted", ["mettler-toledo-8217"], indirect=True)
async def test_toledo_motion_has_no_weight_to_show(scale_scripted: ScriptedScale, scale_serial: SerialScale) -> None:
    scale_serial.timeout = 0.3
    scale_scripted.put(730, stable=False)
    with pytest.raises(ScaleUnstable) as raised:
        await scale_serial.read(stable=False)
    assert raised.value.weight is None  # an 8217 sends only a status byte while moving
    assert scale_scripted.received.count(b"W") > 1  # it kept asking until the timeout


@pytest.mark.parametrize("scale_scripted", ["mettler-toledo-8217"], indirect=True)
async def test_toledo_center_of_zero_status_is_zero(scale_scripted: ScriptedScale, scale_serial: SerialScale) -> None:
    scale_scripted.zero_as_status = True
    assert await scale_serial.read() == Weight(0, stable=True)


@pytest.mark.parametrize(
    ("scale_scripted", "expected"),
    [
        ("mettler-toledo-8217", [b"W", b"Z", b"W", b"T", b"W"]),
        ("st-us-continuous", [b"Z\r\n", b"T\r\n"]),
    ],
    indirect=["scale_scripted"],
)
async def test_zero_and_tare_bytes_on_the_wire(
    scale_scripted: ScriptedScale, scale_serial: SerialScale, expected: list[bytes]
) -> None:
    scale_scripted.put(300)
    await scale_serial.read()
    await scale_serial.zero()
    await scale_serial.read()
    await scale_serial.tare()
    await scale_serial.read()
    assert scale_scripted.received == expected


async def test_port_missing_then_plugged_in(tmp_path: Path) -> None:
    scale = SerialScale(str(tmp_path / "tty-mettler-toledo-8217"), "mettler-toledo-8217", timeout=0.5)
    try:
        with pytest.raises(DeviceOffline):
            await scale.read()
        assert scale.health().state is HealthState.OFFLINE
        scripted = ScriptedScale("mettler-toledo-8217", tmp_path)  # plugged in: the same by-id path appears
        try:
            scripted.put(999)
            assert await scale.read() == Weight(999, stable=True)
            assert scale.health().state is HealthState.OK
        finally:
            scripted.close()
    finally:
        await scale.close()


async def test_unplug_and_replug_same_path(tmp_path: Path) -> None:
    scripted = ScriptedScale("st-us-continuous", tmp_path)
    scale = SerialScale(scripted.port, "st-us-continuous", timeout=0.5)
    try:
        scripted.put(100)
        assert (await scale.read()).grams == 100
        scripted.unplug()
        with pytest.raises(DeviceOffline):
            await scale.read()
        scripted.close()
        scripted = ScriptedScale("st-us-continuous", tmp_path)
        scripted.put(200)
        assert (await scale.read()).grams == 200
    finally:
        await scale.close()
        scripted.close()


async def test_silent_port_is_offline(scale_peer: PtyPeer) -> None:
    scale = SerialScale(scale_peer.path, "mettler-toledo-8217", timeout=0.4, reply_timeout=0.15)
    try:
        with pytest.raises(DeviceOffline, match="no answer"):
            await scale.read()
        assert scale.health().state is HealthState.OFFLINE
    finally:
        await scale.close()


async def test_port_speaking_another_protocol_is_an_error(tmp_path: Path) -> None:
    scripted = ScriptedScale("st-us-continuous", tmp_path)
    scale = SerialScale(scripted.port, "cas-22", timeout=0.3)
    try:
        with pytest.raises(ScaleProtocolError):
            await scale.read()
        assert scale.health().state is HealthState.ERROR
    finally:
        await scale.close()
        scripted.close()


async def test_closed_scale_refuses(scale_peer: PtyPeer) -> None:
    scale = SerialScale(scale_peer.path, "cas-22")
    await scale.close()
    with pytest.raises(DeviceOffline):
        await scale.read()


@pytest.mark.parametrize("scale_scripted", list(PROTOCOLS), indirect=True)
async def test_probe_names_the_protocol(scale_scripted: ScriptedScale) -> None:
    assert await probe(scale_scripted.port, window=0.25) == scale_scripted.protocol
    assert not scale_scripted.received or scale_scripted.received[0].startswith(b"W")  # only asked, nothing changed


async def test_probe_silent_port_is_none(scale_peer: PtyPeer) -> None:
    assert await probe(scale_peer.path, window=0.1) is None


async def test_probe_missing_port_raises(tmp_path: Path) -> None:
    with pytest.raises(DeviceOffline):
        await probe(str(tmp_path / "nothing"), window=0.1)
