"""The ESC/POS bytes, read back by an independent parser: text in the declared code page, the timbre as a raster
image (decoded with zxing-cpp) or as the printer's own PDF417 command, QR codes, cut and drawer kick."""

from __future__ import annotations

from dataclasses import replace

import pytest
import zxingcpp
from PIL import Image

from drivers.printing import (
    PAPER_58MM,
    PAPER_80MM,
    PrinterProfile,
    ReceiptBuilder,
    drawer_kick_bytes,
    render_escpos,
)
from drivers.printing.pdf417 import plan
from tests.drivers.escpos_parse import parse
from tests.drivers.printer_doubles import boleta, ted_payload

PROFILES = [PAPER_58MM, PAPER_80MM]
MM_PER_INCH = 25.4


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    """Bounding box of the black dots."""
    box = Image.eval(image.convert("L"), lambda value: 255 - value).getbbox()
    assert box is not None, "no ink in the image"
    return box


def decode_pdf417(image: Image.Image) -> list[bytes]:
    return [result.bytes for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.PDF417)]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_text_round_trips_in_the_declared_code_page(profile: PrinterProfile) -> None:
    job = parse(render_escpos(ReceiptBuilder().text("Cañería ¿Año? ¡Sí! ° ü").build(), profile))
    assert job.initializations == 1
    assert job.code_pages == [2]  # ESC t 2: CP850, selected explicitly before any text
    assert [line.text for line in job.lines] == ["Cañería ¿Año? ¡Sí! ° ü"]


def test_styles_reach_the_printer() -> None:
    receipt = (
        ReceiptBuilder()
        .text("MINIMARKET", align="center", bold=True, double_width=True, double_height=True)
        .text("RUT: 76.123.456-7", align="center", bold=True)
        .text("normal")
        .row("TOTAL", "$26.098", bold=True)
        .text("al final", align="right")
        .build()
    )
    lines = parse(render_escpos(receipt, PAPER_80MM)).lines
    assert [(line.align, line.bold, line.double_width, line.double_height) for line in lines] == [
        ("center", True, True, True),
        ("center", True, False, False),
        ("left", False, False, False),
        ("left", True, False, False),
        ("right", False, False, False),
    ]
    assert lines[3].text == "TOTAL" + " " * 36 + "$26.098"


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_timbre_as_raster_decodes_to_the_exact_payload_at_the_sii_size(profile: PrinterProfile) -> None:
    payload = ted_payload()
    job = parse(render_escpos(ReceiptBuilder().pdf417(payload).build(), profile))
    assert len(job.rasters) == 1
    raster = job.rasters[0].image
    assert raster.width == profile.printable_dots
    assert decode_pdf417(raster) == [payload]
    left, top, right, bottom = ink_box(raster)
    width_mm = (right - left) * MM_PER_INCH / profile.dpi
    height_mm = (bottom - top) * MM_PER_INCH / profile.dpi
    assert width_mm >= 45 and height_mm >= 20, f"timbre {width_mm:.1f} × {height_mm:.1f} mm"
    assert profile.dpi > 200


def test_raster_timbre_uses_two_dot_modules_on_80mm_and_one_dot_on_58mm() -> None:
    payload = ted_payload()
    wide = plan(payload, printable_dots=576, dpi=203)
    narrow = plan(payload, printable_dots=384, dpi=203)
    assert (wide.module_dots, wide.columns, wide.error_correction) == (2, 12, 5)
    assert (narrow.module_dots, narrow.columns, narrow.error_correction) == (1, 18, 5)
    assert wide.width_dots <= 576 - 8 and narrow.width_dots <= 384 - 4  # room for the quiet zone


def test_native_pdf417_stores_the_payload_at_error_correction_level_5() -> None:
    payload = ted_payload()
    profile = replace(PAPER_80MM, native_pdf417=True)
    job = parse(render_escpos(ReceiptBuilder().pdf417(payload).build(), profile))
    assert job.rasters == []
    [symbol] = job.symbols
    assert symbol.kind == "pdf417" and symbol.printed
    assert symbol.data == payload
    assert symbol.pdf417_error_level == 5
    assert symbol.pdf417_columns == 12  # 13 columns of 2-dot modules would be 580 dots, wider than 576
    width_dots = symbol.pdf417_module_dots * (17 * symbol.pdf417_columns + 69)
    assert width_dots * MM_PER_INCH / profile.dpi >= 45
    assert width_dots <= profile.printable_dots
    rows = plan(payload, printable_dots=576, dpi=203).rows
    height_dots = rows * symbol.pdf417_module_dots * symbol.pdf417_row_modules
    assert height_dots * MM_PER_INCH / profile.dpi >= 20


def test_native_pdf417_falls_back_to_raster_where_the_command_cannot_reach_the_size() -> None:
    # On 58 mm the timbre needs 1-dot modules, below GS ( k's minimum of 2.
    profile = replace(PAPER_58MM, native_pdf417=True)
    job = parse(render_escpos(ReceiptBuilder().pdf417(ted_payload()).build(), profile))
    assert job.symbols == []
    assert decode_pdf417(job.rasters[0].image) == [ted_payload()]


def test_payload_too_big_for_the_paper_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be printed"):
        render_escpos(ReceiptBuilder().pdf417(bytes(range(256)) * 8).build(), PAPER_58MM)


@pytest.mark.parametrize("native", [False, True])
def test_qr_code(native: bool) -> None:
    profile = replace(PAPER_80MM, native_qr=native)
    job = parse(render_escpos(ReceiptBuilder().qr("https://www.sii.cl/boleta?f=1234").build(), profile))
    if native:
        [symbol] = job.symbols
        assert symbol.kind == "qr" and symbol.data == b"https://www.sii.cl/boleta?f=1234"
    else:
        [raster] = job.rasters
        results = zxingcpp.read_barcodes(raster.image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [result.text for result in results] == ["https://www.sii.cl/boleta?f=1234"]


@pytest.mark.parametrize(("pin", "m"), [(2, 0), (5, 1)])
def test_drawer_kick_pulses_the_right_pin(pin: int, m: int) -> None:
    assert drawer_kick_bytes(pin) == bytes((0x1B, 0x70, m, 50, 50))
    job = parse(render_escpos(ReceiptBuilder().text("x").kick_drawer(pin).build(), PAPER_58MM))
    assert job.drawer_kicks == [(m, 50, 50)]


def test_drawer_pin_must_be_2_or_5() -> None:
    with pytest.raises(ValueError, match="pins 2 and 5"):
        drawer_kick_bytes(3)


def test_cut_feeds_past_the_cutter_first() -> None:
    job = parse(render_escpos(ReceiptBuilder().text("x").cut().build(), PAPER_80MM))
    assert job.feeds == [6] and job.cuts == [0]
    job = parse(render_escpos(ReceiptBuilder().text("x").cut(partial=True).build(), PAPER_80MM))
    assert job.cuts == [1]


def test_logo_is_a_centered_raster_of_the_paper_width() -> None:
    logo = Image.new("RGB", (100, 40), "white")
    logo.paste((0, 0, 0), (10, 10, 90, 30))
    [raster] = parse(render_escpos(ReceiptBuilder().logo(logo).build(), PAPER_58MM)).rasters
    assert raster.image.width == 384
    left, top, right, bottom = ink_box(raster.image)
    assert (right - left, bottom - top) == (80, 20)
    assert abs((left + right) / 2 - 192) <= 1


def test_boleta_parses_completely() -> None:
    job = parse(render_escpos(boleta(), PAPER_80MM))
    assert "BOLETA ELECTRÓNICA N° 1234" in job.text
    assert "Timbre Electrónico S.I.I." in job.text
    assert "Resolución N° 80 de 2014" in job.text
    assert "Verifique documento en www.sii.cl" in job.text
    assert any(line.endswith("$16.238") and "1,250 kg x $12.990" in line for line in job.text.splitlines())
    assert len(job.rasters) == 2  # logo and timbre
    assert job.cuts == [0] and job.drawer_kicks == [(0, 50, 50)]
