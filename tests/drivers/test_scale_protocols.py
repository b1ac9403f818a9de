"""The protocol table decodes each documented frame, byte for byte (frames written out by hand here)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.scale import CAS_22, METTLER_TOLEDO_8217, ST_US_CONTINUOUS, Frame, ScaleProtocol, protocol_named
from drivers.scale.weight import ScaleStatus, parse_grams
from tests.drivers.scripted_scale import kg_text

S = ScaleStatus


def decode(protocol: ScaleProtocol, raw: bytes) -> Frame:
    match = protocol.reply.search(raw)
    assert match is not None, raw
    return protocol.decode(match)


def test_protocol_serial_parameters() -> None:
    assert (METTLER_TOLEDO_8217.baudrate, METTLER_TOLEDO_8217.bytesize, METTLER_TOLEDO_8217.parity) == (9600, 7, "E")
    assert METTLER_TOLEDO_8217.stopbits == 1
    assert (METTLER_TOLEDO_8217.request, METTLER_TOLEDO_8217.zero_command, METTLER_TOLEDO_8217.tare_command) == (
        b"W",
        b"Z",
        b"T",
    )
    assert ST_US_CONTINUOUS.continuous and CAS_22.continuous and not METTLER_TOLEDO_8217.continuous


@pytest.mark.parametrize(
    ("raw", "grams"),
    [(b"\x02001.250\r", 1250), (b"\x02000.000\r", 0), (b"\x0212.345\r", 12345), (b"\x0230.00\r", 30000)],
)
def test_toledo_weight(raw: bytes, grams: int) -> None:
    assert decode(METTLER_TOLEDO_8217, raw) == Frame(grams)


@pytest.mark.parametrize(
    ("status", "flags"),
    [
        (0x41, {S.MOTION}),  # 'A'
        (0x42, {S.OVER_CAPACITY}),  # 'B'
        (0x44, {S.UNDER_ZERO}),  # 'D'
        (0x48, {S.ZERO_ERROR}),  # 'H'
        (0x50, {S.CENTER_OF_ZERO}),  # 'P'
        (0x61, {S.MOTION}),  # 'a': bit 5 (net on Toledo, always 1 on some compatibles) is not decoded
        (0x40, set()),
        (0xC3, {S.MOTION, S.OVER_CAPACITY}),  # parity bit left in by an 8N1 port: masked
    ],
)
def test_toledo_status_bits(status: int, flags: set[ScaleStatus]) -> None:
    frame = decode(METTLER_TOLEDO_8217, b"\x02?" + bytes([status]) + b"\r")
    assert frame.grams is None
    assert frame.status == flags


@pytest.mark.parametrize(
    ("raw", "grams", "flags"),
    [
        (b"ST,GS,+  1.250kg\r\n", 1250, set()),
        (b"US,GS,+  1.250kg\r\n", 1250, {S.MOTION}),
        (b"US,NT,-  0.120kg\r\n", -120, {S.MOTION, S.NET}),
        (b"ST,NT,+0001.250kg\r\n", 1250, {S.NET}),
        (b"ST,GS,+ 1250.0 g\r\n", 1250, set()),
        (b"ST,GS,   2.5kg\r\n", 2500, set()),
        (b"OL,GS,+------kg\r\n", None, {S.OVER_CAPACITY}),
    ],
)
def test_st_us_frames(raw: bytes, grams: int | None, flags: set[ScaleStatus]) -> None:
    assert decode(ST_US_CONTINUOUS, raw) == Frame(grams, frozenset(flags))


@pytest.mark.parametrize(
    ("raw", "grams", "flags"),
    [
        (b"ST,GS,1\xc4,0001.250 kg\r\n", 1250, set()),  # lamp 1100_0100: stable, gross
        (b"US,GS,1\x84,0001.250 kg\r\n", 1250, {S.MOTION}),
        (b"ST,NT,1\xc2,-000.120 kg\r\n", -120, {S.NET}),
        (b"ST,GS,1\xc5,0000.000 kg\r\n", 0, {S.CENTER_OF_ZERO}),  # lamp bit 0: zero point
        (b"ST,GS,9\xe4,00013.50 kg\r\n", 13500, set()),  # device 9, lamp bit 5 set on some models
        (b"OL,GS,1\x84,9999.999 kg\r\n", None, {S.OVER_CAPACITY}),
    ],
)
def test_cas_22_frames(raw: bytes, grams: int | None, flags: set[ScaleStatus]) -> None:
    assert len(raw) == 22
    assert decode(CAS_22, raw) == Frame(grams, frozenset(flags))


def test_frames_of_one_protocol_do_not_pass_for_another() -> None:
    frames = {
        METTLER_TOLEDO_8217: b"\x02001.250\r",
        ST_US_CONTINUOUS: b"ST,GS,+  1.250kg\r\n",
        CAS_22: b"ST,GS,1\xc4,0001.250 kg\r\n",
    }
    for protocol in frames:
        for other, raw in frames.items():
            assert (protocol.reply.search(raw) is not None) == (protocol is other)


@given(st.integers(min_value=-9_999, max_value=99_999))
def test_st_us_any_weight(grams: int) -> None:
    raw = f"ST,GS,{'-' if grams < 0 else '+'}{kg_text(grams).rjust(7)}kg\r\n".encode()
    assert decode(ST_US_CONTINUOUS, raw).grams == grams


@given(st.integers(min_value=0, max_value=999_999))
def test_toledo_any_weight(grams: int) -> None:
    assert decode(METTLER_TOLEDO_8217, f"\x02{kg_text(grams)}\r".encode()).grams == grams


def test_parse_grams() -> None:
    assert parse_grams(" 1.250") == 1250
    assert parse_grams("-0.005") == -5
    assert parse_grams("1.2345") == 1235  # half-up past the gram
    assert parse_grams("1250", "g") == 1250
    with pytest.raises(ValueError, match="unit"):
        parse_grams("1.0", "lb")
    with pytest.raises(ValueError, match="not a weight"):
        parse_grams("1.2x")


def test_unknown_protocol_name() -> None:
    with pytest.raises(ValueError, match="known: mettler-toledo-8217"):
        protocol_named("dibal")
