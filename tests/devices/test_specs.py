"""Connection strings of a lane's devices, what the box detects (on a fake sysfs/dev tree), the [gpio] section of the
settings file, and the printed boleta's layout rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from appliance.devices.config import gpio_config
from appliance.devices.detect import detect
from appliance.devices.receipts import Buyer, ReceiptData, ReceiptLine, compose
from appliance.devices.specs import (
    DeviceSpecError,
    LaneDeviceSpecs,
    parse_printer,
    parse_scale,
    parse_scanner,
    printer_parts,
    printer_text,
    scale_parts,
    scale_text,
)
from appliance.settings import Settings
from drivers.gpio import GpioPins
from drivers.printing import PAPER_58MM, Pdf417, TcpConnection, UsbConnection, render_escpos
from tests.drivers.escpos_parse import parse


def test_printer_strings_carry_the_paper_width_beside_the_librarys_options() -> None:
    spec = parse_printer("tcp:192.168.1.50:9100?timeout=3&paper=58mm")
    assert spec is not None and spec.connection == TcpConnection("192.168.1.50", 9100, timeout=3.0)
    assert spec.profile.name == "58mm" and spec.profile.columns == 32
    usb = parse_printer("usb:04b8:0e15?pdf417=native")
    assert usb is not None and usb.connection == UsbConnection(0x04B8, 0x0E15) and usb.profile.native_pdf417
    assert parse_printer("") is None and parse_printer("none") is None
    assert printer_text("tcp:10.0.0.9?timeout=2", "58mm") == "tcp:10.0.0.9?timeout=2&paper=58mm"
    assert printer_text("simulated?paper=58mm", "80mm") == "simulated"
    assert printer_parts("tcp:10.0.0.9?timeout=2&paper=58mm") == ("tcp:10.0.0.9?timeout=2", "58mm")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lpt1", "Conexión de impresora no válida"),
        ("tcp:10.0.0.9:99999", "Conexión de impresora no válida"),
        ("simulated?paper=110mm", "Ancho de papel «110mm» desconocido"),
        ("simulated?paper=58mm&paper=80mm", "aparece dos veces"),
    ],
)
def test_bad_printer_strings_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(DeviceSpecError, match=message):
        parse_printer(text)


def test_scanner_and_scale_strings() -> None:
    evdev = parse_scanner("evdev:/dev/input/by-id/usb-Scanner-event-kbd?layout=latam")
    assert evdev is not None and (evdev.kind, evdev.layout) == ("evdev", "latam")
    serial = parse_scanner("serial:/dev/ttyACM0?baud=115200&terminator=crlf")
    assert serial is not None and (serial.baudrate, serial.terminator) == (115200, "crlf")
    scale = parse_scale("serial:/dev/ttyUSB0?protocol=cas-22&baud=4800")
    assert scale is not None and (scale.protocol, scale.baudrate) == ("cas-22", 4800)
    assert parse_scale("serial:/dev/ttyUSB0") is not None  # Toledo 8217 unless told otherwise
    assert scale_text("serial:/dev/ttyUSB0", "st-us-continuous") == "serial:/dev/ttyUSB0?protocol=st-us-continuous"
    assert scale_text("simulated", "cas-22") == "simulated"
    assert scale_parts("serial:/dev/ttyUSB0?protocol=cas-22") == ("serial:/dev/ttyUSB0", "cas-22")
    for bad in ("serial:/dev/ttyUSB0?protocol=ishida", "usb:1234", "serial:/dev/ttyUSB0?baud=1234"):
        with pytest.raises(DeviceSpecError):
            parse_scale(bad)
    specs = LaneDeviceSpecs.from_texts("simulated", "raro", "simulated", 2)
    assert specs.scanner is None and "Lector «raro» no válido" in specs.errors["scanner"]


def test_detection_reads_sysfs_and_udev_links(tmp_path: Path) -> None:
    usb = tmp_path / "sys/bus/usb/devices"
    printer = usb / "1-1.2"
    printer.mkdir(parents=True)
    for name, value in (("idVendor", "04b8"), ("idProduct", "0e15"), ("manufacturer", "EPSON"), ("product", "TM-T20")):
        (printer / name).write_text(value + "\n")
    (usb / "1-1.2:1.0").mkdir()
    (usb / "1-1.2:1.0/bInterfaceClass").write_text("07\n")
    keyboard = usb / "1-1.3"
    keyboard.mkdir()
    (keyboard / "idVendor").write_text("0c2e")
    (keyboard / "idProduct").write_text("0b61")
    (usb / "usb1").mkdir()  # a root hub: skipped
    for link in ("dev/serial/by-id/usb-Prolific-if00-port0", "dev/input/by-id/usb-Honeywell-event-kbd", "dev/usb/lp0"):
        (tmp_path / link).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / link).touch()
    found = detect(tmp_path)
    assert [(d.ids, d.likely_printer) for d in found.usb] == [("04b8:0e15", True), ("0c2e:0b61", False)]
    assert found.usb[0].label == "EPSON TM-T20 (04b8:0e15)"
    assert [c.connection for c in found.printers] == [
        "usb:04b8:0e15",
        "file:/dev/usb/lp0",
        "serial:/dev/serial/by-id/usb-Prolific-if00-port0",
    ]
    assert next(c.connection for c in found.scanners) == "evdev:/dev/input/by-id/usb-Honeywell-event-kbd"
    assert [c.connection for c in found.scales] == ["serial:/dev/serial/by-id/usb-Prolific-if00-port0"]
    assert detect(tmp_path / "nothing").usb == ()


def test_gpio_pins_come_from_the_settings_file(tmp_path: Path) -> None:
    assert gpio_config(Settings(data_dir=tmp_path)).pins == GpioPins()
    (tmp_path / "minimarket.toml").write_text(
        '[server]\nport = 80\n[gpio]\nstatus_led = 5\nbuzzer = false\ndrawer_relay = 22\nshutdown_command = ["true"]\n'
    )
    config = gpio_config(Settings(data_dir=tmp_path))
    assert config.pins == GpioPins(status_led=5, buzzer=None, drawer_relay=22)
    assert config.shutdown_command == ("true",)
    (tmp_path / "minimarket.toml").write_text("[gpio]\nstatus_led = 99\n")
    assert gpio_config(Settings(data_dir=tmp_path)).pins.status_led == 17  # a wrong pin keeps the default, logged
    assert gpio_config(Settings(data_dir=tmp_path, extra={"gpio": {"buzzer": 6}})).pins.buzzer == 6


def _factura(**changes: object) -> ReceiptData:
    base = ReceiptData(
        tipo=33,
        folio=512,
        issued_at=datetime(2025, 11, 21, 23, 46, tzinfo=UTC),
        shop_name="Almacén Doña Rosa",
        razon_social="Comercial Rosa SpA",
        rut="76.543.210-3",
        giro="Minimarket",
        address="Los Aromos 123, Macul",
        sii_office="Ñuñoa",
        resolution_number=80,
        resolution_date=date(2014, 8, 22),
        lines=(
            ReceiptLine("Palta Hass", Decimal("1.25"), "KG", Decimal("4990"), 0, 6238),
            ReceiptLine("Bebida 1,5 L", Decimal(3), "", Decimal("840.34"), 100, 2421),
            ReceiptLine("Pan", Decimal(1), "", Decimal(500), 0, 500),
        ),
        total=10_862,
        neto=9_128,
        iva=1_734,
        buyer=Buyer("12.345.678-5", "Juan Pérez", "Gasfitería", "Calle 1, Macul"),
        ted=b"<TED>timbre</TED>",
    )
    return ReceiptData(**{**base.__dict__, **changes})


def test_a_factura_shows_buyer_net_and_iva_and_a_copy_says_so() -> None:
    receipt = compose(_factura(copy=True))
    text = parse(render_escpos(receipt, PAPER_58MM)).text
    assert "FACTURA ELECTRÓNICA" in text and "N° 512" in text and "COPIA" in text
    assert "S.I.I. - Ñuñoa" in text and "Fecha: 21-11-2025 20:46" in text  # Chile time
    assert "Señor(es): Juan Pérez" in text and "RUT: 12.345.678-5" in text
    assert "1,250 kg x $4.990" in text and "3 x $840,34" in text and "Descuento" in text
    assert "IVA 19%" in text and "Neto" in text and "El IVA de esta boleta" not in text
    assert "Resolución N° 80 de 2014" in text
    assert next(block for block in receipt.blocks if isinstance(block, Pdf417)).payload == b"<TED>timbre</TED>"


def test_a_boleta_states_its_iva_and_the_cash_rounding() -> None:
    receipt = compose(
        _factura(
            tipo=39,
            buyer=None,
            payments=(("Efectivo", 11_000),),
            cash_rounding=-2,
            change=140,
            sale_number=77,
            cashier="Caja",
        )
    )
    lines = parse(render_escpos(receipt, PAPER_58MM)).lines
    text = "\n".join(line.text for line in lines)
    assert "BOLETA ELECTRÓNICA" in text and "Señor(es)" not in text and "COPIA" not in text
    assert "El IVA de esta boleta es $1.734" in text
    assert "Redondeo Ley 20.956          -$2" in text and "Vuelto" in text and "$140" in text
    assert "Venta N° 77 · Caja" in text
    assert all(len(line.text) <= 32 for line in lines if not line.double_width)
