"""Turns a `Receipt` into what a given printer profile will put on paper: lines of exactly-known characters and
1-bit images of the printable width. The ESC/POS renderer and the preview both draw from this, so the preview is
the receipt as printed, down to where a long product name wraps.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import TypeAlias

from PIL import Image

from drivers.printing import pdf417, qr
from drivers.printing.profiles import PrinterProfile
from drivers.printing.receipt import (
    Align,
    Cut,
    DrawerKick,
    DrawerPin,
    Feed,
    Logo,
    Pdf417,
    QrCode,
    Receipt,
    Row,
    Separator,
    Text,
)

# Below this many characters a description beside its amounts is unreadable: put it on lines of its own instead.
_MIN_DESCRIPTION_WIDTH = 8


@dataclass(frozen=True, slots=True)
class TextLine:
    text: str  # sanitized for the profile's code page, at most `chars_per_line` characters
    align: Align = "left"
    bold: bool = False
    double_width: bool = False
    double_height: bool = False


@dataclass(frozen=True, slots=True)
class Bitmap:
    """A 1-bit image (0 = ink) exactly the printable width, already centered: printers differ in how they align
    raster images, padding them ourselves does not."""

    image: Image.Image


@dataclass(frozen=True, slots=True)
class NativePdf417:
    payload: bytes
    symbol: pdf417.Pdf417Plan


@dataclass(frozen=True, slots=True)
class NativeQr:
    data: str
    symbol: qr.QrPlan


@dataclass(frozen=True, slots=True)
class FeedLines:
    lines: int


@dataclass(frozen=True, slots=True)
class CutPaper:
    partial: bool


@dataclass(frozen=True, slots=True)
class KickDrawer:
    pin: DrawerPin


PrintItem: TypeAlias = TextLine | Bitmap | NativePdf417 | NativeQr | FeedLines | CutPaper | KickDrawer


def wrap(text: str, width: int) -> list[str]:
    """Word-wrapped lines of at most `width` characters (long words are broken); explicit newlines are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        wrapped = textwrap.wrap(
            paragraph,
            width,
            break_long_words=True,
            break_on_hyphens=False,
            replace_whitespace=True,
            drop_whitespace=True,
        )
        lines.extend(wrapped or [""])
    return lines


def _truncate(lines: list[str], width: int, max_lines: int | None) -> list[str]:
    if max_lines is None or len(lines) <= max_lines:
        return lines
    # The last kept line shows as much of the rest as fits, rather than ending early at a word break.
    rest = " ".join(lines[max_lines - 1 :])
    return [*lines[: max_lines - 1], rest[:width].rstrip()]


def row_lines(row: Row, width: int) -> list[str]:
    """The row as lines of at most `width` characters: description left, right-hand cells right-aligned on the
    first line, description continuing below."""
    description, *others = row.cells
    widths = row.widths or (None,) * len(others)
    right = " ".join(cell.rjust(w or 0) for cell, w in zip(others, widths, strict=True))
    if len(right) > width:
        right = right[-width:]  # only for absurd widths: keep the amount's end, where the digits that matter are
    description_width = width - len(right) - 1
    if description_width < _MIN_DESCRIPTION_WIDTH:
        lines = _truncate(wrap(description, width), width, row.max_lines)
        return [*lines, right.rjust(width)]
    lines = _truncate(wrap(description, description_width), description_width, row.max_lines)
    first = (lines[0].ljust(description_width) + " " + right).rstrip()
    return [first, *lines[1:]]


def _fit_logo(logo: Logo, profile: PrinterProfile) -> Image.Image:
    widest = profile.printable_dots
    if logo.max_width_mm is not None:
        widest = min(widest, profile.dots(logo.max_width_mm))
    image = logo.image
    if image.mode in ("RGBA", "LA", "P"):
        # Transparent areas are paper, not ink.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, "white")
        image = Image.alpha_composite(background, rgba)
    grey = image.convert("L")
    if grey.width > widest:
        grey = grey.resize((widest, max(1, round(grey.height * widest / grey.width))), Image.Resampling.LANCZOS)
    return grey.convert("1")  # Floyd–Steinberg dithering keeps greys readable on a 1-bit head


def centered(image: Image.Image, profile: PrinterProfile) -> Bitmap:
    if image.width > profile.printable_dots:
        raise ValueError(f"image {image.width} dots wide does not fit {profile.printable_dots} printable dots")
    canvas = Image.new("1", (profile.printable_dots, image.height), 1)
    canvas.paste(image.convert("1"), ((profile.printable_dots - image.width) // 2, 0))
    return Bitmap(canvas)


def lay_out(receipt: Receipt, profile: PrinterProfile) -> list[PrintItem]:
    code_page = profile.code_page
    items: list[PrintItem] = []
    for block in receipt.blocks:
        match block:
            case Text():
                width = profile.columns // (2 if block.double_width else 1)
                for line in wrap(code_page.sanitize(block.text), width):
                    items.append(TextLine(line, block.align, block.bold, block.double_width, block.double_height))
            case Row():
                sanitized = Row(
                    tuple(code_page.sanitize(cell) for cell in block.cells), block.widths, block.bold, block.max_lines
                )
                items.extend(TextLine(line, bold=block.bold) for line in row_lines(sanitized, profile.columns))
            case Separator():
                items.append(TextLine(code_page.sanitize(block.char) * profile.columns))
            case Logo():
                items.append(centered(_fit_logo(block, profile), profile))
            case Pdf417():
                symbol = pdf417.plan(
                    block.payload,
                    printable_dots=profile.printable_dots,
                    dpi=profile.dpi,
                    min_width_mm=block.min_width_mm,
                    min_height_mm=block.min_height_mm,
                    error_correction=block.error_correction,
                    preferred_columns=block.columns,
                )
                if profile.native_pdf417 and symbol.fits_native:
                    items.append(NativePdf417(block.payload, symbol))
                else:
                    items.append(centered(pdf417.raster(block.payload, symbol), profile))
            case QrCode():
                qr_symbol = qr.plan(
                    block.data, size_mm=block.size_mm, dpi=profile.dpi, printable_dots=profile.printable_dots
                )
                if profile.native_qr:
                    items.append(NativeQr(block.data, qr_symbol))
                else:
                    items.append(centered(qr.raster(block.data, qr_symbol), profile))
            case Feed():
                items.append(FeedLines(block.lines))
            case Cut():
                items.append(CutPaper(block.partial))
            case DrawerKick():
                items.append(KickDrawer(block.pin))
    return items
