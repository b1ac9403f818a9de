"""The protocol table: how each family of counter scale talks over its serial port.

Each protocol is data (serial parameters, request, reply regex, status bits, commands) plus one small decoder that
turns a regex match into a `Frame`. Frames implemented, byte for byte:

* ``mettler-toledo-8217`` — Mettler-Toledo 8217 ("Toledo" mode of most POS scales), 9600 baud 7E1, polled.
    host ``W`` → ``STX ddd.ddd CR`` (weight in kg, 1-4 integer digits, 1-3 decimals; sent only when stable)
             or ``STX ? s CR`` (status byte s, see `TOLEDO_STATUS_BITS`)
    host ``Z`` (zero) and ``T`` (tare) → ``STX ? s CR``
* ``st-us-continuous`` — the generic streaming format of Chinese indicators and Torrey/Excell-style counter scales
  (A&D "18 byte" layout), 9600 8N1, continuous:
    ``ST|US|OL , GS|NT , ±dddd.ddd unit CR LF`` e.g. ``ST,GS,+  1.250kg\\r\\n`` (ST stable, US moving, OL overload;
    GS gross, NT net; the 8-character value is sign + right-aligned digits; unit kg or g)
    ``Z CR LF`` zero and ``T CR LF`` tare (A&D command set; indicators without remote keys ignore them)
* ``cas-22`` — CAS "22 byte" continuous format (CI-series indicators, CAS counter scales in stream mode), 9600 8N1:
    ``ST|US|OL , GS|NT , id lamp , dddddddd ␠kg CR LF`` — 2+1+2+1+1+1+1+8+3+2 = 22 bytes; id is the device number
    ('1' = 0x31 …), lamp is a bit field (`CAS_LAMP_BITS`); the value is 8 ASCII characters such as ``0001.250`` or
    ``-001.250``. No remote zero/tare in stream mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import serial

from drivers.scale.weight import Frame, ScaleStatus, parse_grams

Decoder = Callable[[re.Match[bytes]], Frame]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: the table holds one object per protocol
class ScaleProtocol:
    """One row of the table. Adapt a scale set to other serial parameters with `dataclasses.replace(p, baudrate=…)`."""

    name: str
    description: str
    baudrate: int
    bytesize: int
    parity: str  # serial.PARITY_NONE / PARITY_EVEN / PARITY_ODD
    stopbits: float
    request: bytes | None  # None: the scale streams frames without being asked
    reply: re.Pattern[bytes]  # one complete frame; searched in a byte stream, so garbage before it is skipped
    decode: Decoder  # raises ValueError for a frame that matched but makes no sense (treated as garbage)
    status_bits: Mapping[int, ScaleStatus]  # bit number → meaning, of the status/lamp byte the decoder reads
    zero_command: bytes | None = None
    tare_command: bytes | None = None
    command_reply: bool = False  # does the scale answer zero/tare with a frame

    @property
    def continuous(self) -> bool:
        return self.request is None


def _status_flags(byte: int, bits: Mapping[int, ScaleStatus]) -> frozenset[ScaleStatus]:
    return frozenset(meaning for bit, meaning in bits.items() if byte & (1 << bit))


# Mettler-Toledo 8217 status byte (the ASCII character after "?"): bit 7 is the parity bit on the wire (7E1), bit 6 is
# always 1, bit 5 means "net" on Toledo scales but is always 1 on some compatibles (Brecknell), so it is not decoded.
TOLEDO_STATUS_BITS: Mapping[int, ScaleStatus] = {
    0: ScaleStatus.MOTION,  # scale in motion: no weight is sent until it settles
    1: ScaleStatus.OVER_CAPACITY,
    2: ScaleStatus.UNDER_ZERO,
    3: ScaleStatus.ZERO_ERROR,  # outside the zero capture range (switched on loaded, or zero drifted too far)
    4: ScaleStatus.CENTER_OF_ZERO,
}

_TOLEDO_REPLY = re.compile(rb"\x02(?:(?P<weight>[0-9]{1,4}\.[0-9]{1,3})|\?(?P<status>[\x20-\xff]))\r")


def decode_toledo_8217(match: re.Match[bytes]) -> Frame:
    if match["weight"] is not None:
        return Frame(parse_grams(match["weight"].decode("ascii")))
    # Mask the parity bit in case the port was opened 8N1 by mistake.
    return Frame(None, _status_flags(match["status"][0] & 0x7F, TOLEDO_STATUS_BITS))


METTLER_TOLEDO_8217 = ScaleProtocol(
    name="mettler-toledo-8217",
    description="Mettler-Toledo 8217: host sends W, scale answers STX weight CR or STX ? status CR (9600 7E1)",
    baudrate=9600,
    bytesize=serial.SEVENBITS,
    parity=serial.PARITY_EVEN,
    stopbits=serial.STOPBITS_ONE,
    request=b"W",
    reply=_TOLEDO_REPLY,
    decode=decode_toledo_8217,
    status_bits=TOLEDO_STATUS_BITS,
    zero_command=b"Z",
    tare_command=b"T",
    command_reply=True,
)

_HEADER_FLAGS = {b"ST": frozenset[ScaleStatus](), b"US": frozenset({ScaleStatus.MOTION})}


def _header_frame(head: bytes, mode: bytes, value: bytes, unit: bytes, extra: frozenset[ScaleStatus]) -> Frame:
    if head == b"OL":
        return Frame(None, frozenset({ScaleStatus.OVER_CAPACITY}) | extra)
    flags = _HEADER_FLAGS[head] | extra
    if mode in (b"NT", b"NW"):
        flags |= {ScaleStatus.NET}
    return Frame(parse_grams(value.decode("ascii"), unit.decode("ascii").strip() or "kg"), flags)


_ST_US_REPLY = re.compile(
    rb"(?P<head>ST|US|OL),(?P<mode>GS|NT|GW|NW|TR),(?P<value>[ +\-0-9.A-Z]{1,10}?) ?(?P<unit>kg|g)?\r\n"
)


def decode_st_us(match: re.Match[bytes]) -> Frame:
    return _header_frame(match["head"], match["mode"], match["value"], match["unit"] or b"kg", frozenset())


ST_US_CONTINUOUS = ScaleProtocol(
    name="st-us-continuous",
    description="Generic continuous ST/US,GS/NT frames (Chinese, Torrey/Excell-style, A&D) at 9600 8N1",
    baudrate=9600,
    bytesize=serial.EIGHTBITS,
    parity=serial.PARITY_NONE,
    stopbits=serial.STOPBITS_ONE,
    request=None,
    reply=_ST_US_REPLY,
    decode=decode_st_us,
    status_bits={},
    zero_command=b"Z\r\n",
    tare_command=b"T\r\n",
)

# CAS lamp status byte: bit 7 = 1, bit 6 = stable, bit 5 = 1 or 0 by model, bit 4 = hold, bit 3 = printing,
# bit 2 = gross, bit 1 = tare, bit 0 = zero point. Only "zero point" adds information beyond the ST/US/GS/NT header.
CAS_LAMP_BITS: Mapping[int, ScaleStatus] = {0: ScaleStatus.CENTER_OF_ZERO}

_CAS_22_REPLY = re.compile(
    rb"(?P<head>ST|US|OL),(?P<mode>GS|NT),(?P<id>[\x00-\xff])(?P<lamp>[\x00-\xff]),"
    rb"(?P<value>[\x20-\x7e]{8})(?P<unit>[ a-z]{3})\r\n"
)


def decode_cas_22(match: re.Match[bytes]) -> Frame:
    lamp = _status_flags(match["lamp"][0], CAS_LAMP_BITS)
    return _header_frame(match["head"], match["mode"], match["value"], match["unit"], lamp)


CAS_22 = ScaleProtocol(
    name="cas-22",
    description="CAS 22-byte continuous frames (ST/US,GS/NT,id lamp,value kg) at 9600 8N1",
    baudrate=9600,
    bytesize=serial.EIGHTBITS,
    parity=serial.PARITY_NONE,
    stopbits=serial.STOPBITS_ONE,
    request=None,
    reply=_CAS_22_REPLY,
    decode=decode_cas_22,
    status_bits=CAS_LAMP_BITS,
)

# Probe order: the polled protocol first, because continuous scales ignore its request.
PROTOCOLS: Mapping[str, ScaleProtocol] = {p.name: p for p in (METTLER_TOLEDO_8217, ST_US_CONTINUOUS, CAS_22)}


def protocol_named(name: str) -> ScaleProtocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise ValueError(f"unknown scale protocol {name!r}; known: {', '.join(PROTOCOLS)}") from None
