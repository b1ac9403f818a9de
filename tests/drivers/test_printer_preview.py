"""The preview PNG the back office shows: paper width, a readable timbre, and the boleta saved for a person to see."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from drivers.printing import PAPER_58MM, PAPER_80MM, PAPER_80MM_42, PrinterProfile, ReceiptBuilder, render_preview_png
from tests.drivers.printer_doubles import boleta, ted_payload

TEST_OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


def open_png(data: bytes) -> Image.Image:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("profile", [PAPER_58MM, PAPER_80MM, PAPER_80MM_42], ids=lambda p: p.name)
def test_preview_is_paper_wide_and_its_timbre_decodes(profile: PrinterProfile) -> None:
    image = open_png(render_preview_png(boleta(), profile))
    assert image.width == profile.printable_dots
    assert image.info["dpi"] == pytest.approx((profile.dpi, profile.dpi), abs=0.5)
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.PDF417)
    assert [result.bytes for result in results] == [ted_payload()]


def test_preview_of_a_native_pdf417_shows_the_same_symbol() -> None:
    image = open_png(render_preview_png(boleta(logo=False), replace(PAPER_80MM, native_pdf417=True)))
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.PDF417)
    assert [result.bytes for result in results] == [ted_payload()]


def test_preview_text_is_drawn_in_the_printer_grid() -> None:
    def ink_columns(receipt_text: str, align: str) -> tuple[int, int]:
        receipt = ReceiptBuilder().text(receipt_text, align=align).build()
        image = open_png(render_preview_png(receipt, PAPER_80MM))
        box = Image.eval(image, lambda value: 255 - value).getbbox()
        assert box is not None
        return box[0], box[2]

    left, _ = ink_columns("HHHH", "left")
    _, right = ink_columns("HHHH", "right")
    center_left, center_right = ink_columns("HHHH", "center")
    assert left < 12  # first cell of 12 dots
    assert right > 576 - 12  # last cell
    assert abs((center_left + center_right) / 2 - 288) <= 6


@pytest.mark.parametrize("profile", [PAPER_80MM, PAPER_58MM], ids=lambda p: p.name)
def test_save_boleta_preview(profile: PrinterProfile) -> None:
    """Writes test-output/receipt-preview-{80,58}mm.png for a person to look at."""
    TEST_OUTPUT.mkdir(exist_ok=True)
    path = TEST_OUTPUT / f"receipt-preview-{profile.name}.png"
    path.write_bytes(render_preview_png(boleta(), profile))
    assert open_png(path.read_bytes()).width == profile.printable_dots
