"""Connection strings: what each kind means, and a clear error for anything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.printing import (
    PAPER_80MM,
    ConnectionStringError,
    EscposPrinter,
    FileConnection,
    SerialConnection,
    SimulatedConnection,
    SimulatedPrinter,
    TcpConnection,
    UsbConnection,
    connect,
    parse_connection,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("usb:04b8:0e15", UsbConnection(0x04B8, 0x0E15)),
        ("usb:0x0416:0x5011", UsbConnection(0x0416, 0x5011)),
        (
            "usb:04b8:0e15?interface=0&in_ep=0x81&out_ep=0x02&timeout=2000",
            UsbConnection(0x04B8, 0x0E15, in_ep=0x81, out_ep=0x02, timeout_ms=2000),
        ),
        ("usb:04b8:0e15?in_ep=130&status=off", UsbConnection(0x04B8, 0x0E15, in_ep=0x82, status_queries=False)),
        ("tcp:192.168.1.50:9100", TcpConnection("192.168.1.50", 9100)),
        ("tcp:192.168.1.50", TcpConnection("192.168.1.50", 9100)),
        ("tcp:impresora-caja1.local:9101", TcpConnection("impresora-caja1.local", 9101)),
        ("tcp:[fe80::1]:9100", TcpConnection("fe80::1", 9100)),
        (
            "tcp:10.0.0.7:9100?timeout=2.5&wait_eof=0&status=0",
            TcpConnection("10.0.0.7", 9100, timeout=2.5, wait_eof=0, status_queries=False),
        ),
        ("serial:/dev/ttyUSB0?baud=9600", SerialConnection("/dev/ttyUSB0", baudrate=9600)),
        (
            "serial:/dev/ttyS0?baud=19200&parity=e&stopbits=2&bytesize=7&flow=rtscts&timeout=0.5",
            SerialConnection("/dev/ttyS0", 19200, 7, "E", 2, "rtscts", 0.5),
        ),
        ("serial:/dev/serial/by-id/usb-Prolific-if00", SerialConnection("/dev/serial/by-id/usb-Prolific-if00")),
        ("file:/dev/usb/lp0", FileConnection("/dev/usb/lp0")),
        ("simulated", SimulatedConnection()),
        ("simulated?dir=/var/lib/minimarket/spool", SimulatedConnection(Path("/var/lib/minimarket/spool"))),
    ],
)
def test_valid_connection_strings(text: str, expected: object) -> None:
    assert parse_connection(text) == expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("bluetooth:00:11:22", "unknown kind 'bluetooth'"),
        ("USB:04b8:0e15", "unknown kind 'USB'"),
        ("simulado", "unknown kind"),
        ("usb", "unknown kind"),
        ("usb:", "nothing after usb:"),
        ("usb:04b8", "usb:VENDOR:PRODUCT"),
        ("usb:04b8:0e15:01", "usb:VENDOR:PRODUCT"),
        ("usb:epson:tm20", "usb:VENDOR:PRODUCT"),
        ("usb:12345:0e15", "usb:VENDOR:PRODUCT"),
        ("usb:0000:0e15", "cannot be 0000"),
        ("usb:04b8:0e15?interface=1", "interface=1 is outside 0–0"),
        ("usb:04b8:0e15?in_ep=0x01", "in_ep=0x01 is outside"),
        ("usb:04b8:0e15?out_ep=zz", "not a whole number"),
        ("usb:04b8:0e15?speed=fast", "unknown option 'speed'"),
        ("usb:04b8:0e15?timeout=1&timeout=2", "given twice"),
        ("tcp:", "nothing after tcp:"),
        ("tcp:192.168.1.50:", "port ''"),
        ("tcp:192.168.1.50:0", "port '0'"),
        ("tcp:192.168.1.50:65536", "port '65536'"),
        ("tcp:192.168.1.50:http", "port 'http'"),
        ("tcp:192.168.1.500:9100", "not an IP address or host name"),
        ("tcp:fe80::1:9100", "expected tcp:HOST:PORT"),
        ("tcp:[printer]:9100", "expected tcp:HOST:PORT"),
        ("tcp:-bad-.local:9100", "not an IP address or host name"),
        ("tcp:192.168.1.50:9100?timeout=0", "timeout=0 is outside"),
        ("tcp:192.168.1.50:9100?timeout=nan", "timeout=nan is outside"),
        ("tcp:192.168.1.50:9100?status=maybe", "not on/off"),
        ("tcp:192.168.1.50:9100?baud=9600", "unknown option 'baud'"),
        ("tcp:192.168.1.50:9100?timeout", "malformed options 'timeout'"),
        ("tcp:192.168.1.50:9100?timeout=", "timeout='' is not a number"),
        ("tcp:192.168.1.50 :9100", "contains spaces"),
        ("serial:ttyUSB0", "absolute device path"),
        ("serial:/dev/ttyUSB0?baud=9601", "baud=9601 is not one of"),
        ("serial:/dev/ttyUSB0?parity=X", "parity='X'"),
        ("serial:/dev/ttyUSB0?stopbits=3", "stopbits=3 is outside"),
        ("serial:/dev/ttyUSB0?flow=magic", "flow='magic'"),
        ("serial:/dev/ttyUSB0?bytesize=9", "bytesize=9 is outside"),
        ("serial:/dev/ttyUSB0?baud=9600&&", "malformed options"),
        ("file:lp0", "absolute device path"),
        ("file:/dev/usb/", "absolute device path"),
        ("file:/dev/usb/lp0?mode=raw", "unknown option 'mode' (options: none)"),
        ("simulated?dir=spool", "dir must be an absolute path"),
        ("simulated?color=red", "unknown option 'color'"),
    ],
)
def test_invalid_connection_strings_say_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(ConnectionStringError) as raised:
        parse_connection(text)
    assert complaint in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_connect_builds_the_right_printer(tmp_path: Path) -> None:
    assert isinstance(connect("simulated", PAPER_80MM), SimulatedPrinter)
    assert isinstance(connect(f"simulated?dir={tmp_path}", PAPER_80MM), SimulatedPrinter)
    printer = connect("tcp:192.168.1.50:9100", PAPER_80MM)
    assert isinstance(printer, EscposPrinter)
    assert printer.connection == TcpConnection("192.168.1.50", 9100)
    assert str(printer.connection) == "tcp:192.168.1.50:9100"
    assert isinstance(connect(FileConnection("/dev/usb/lp0"), PAPER_80MM), EscposPrinter)
