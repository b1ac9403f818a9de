"""Draws a `Receipt` the way the printer will: a strip of white paper as wide as the printable dots, monospace text on
the same character grid, and the same raster images, for the back office's "Últimos tickets".

Text is drawn with DejaVu Sans Mono (Debian's fonts-dejavu-core) sized so one character is one printer cell; without
it, Pillow's built-in font is used and the preview is smaller but still aligned.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from drivers.printing import pdf417, qr
from drivers.printing.layout import (
    Bitmap,
    CutPaper,
    FeedLines,
    KickDrawer,
    NativePdf417,
    NativeQr,
    PrintItem,
    TextLine,
    centered,
    lay_out,
)
from drivers.printing.profiles import PrinterProfile
from drivers.printing.receipt import Receipt

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_REGULAR = FONT_DIR / "DejaVuSansMono.ttf"
_BOLD = FONT_DIR / "DejaVuSansMono-Bold.ttf"
_MARGIN_LINES = 1
_CUT_GREY = 150

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.lru_cache(maxsize=8)
def _fonts(cell_width: float) -> tuple[Font, Font]:
    """Regular and bold fonts whose advance is one printer character cell."""
    if not _REGULAR.exists():
        default = ImageFont.load_default()
        return default, default
    probe = ImageFont.truetype(str(_REGULAR), 100)
    size = cell_width * 100 / probe.getlength("M")
    regular = ImageFont.truetype(str(_REGULAR), size)
    bold = ImageFont.truetype(str(_BOLD), size) if _BOLD.exists() else regular
    return regular, bold


def _line_height(profile: PrinterProfile) -> int:
    return round(profile.dpi / 6)  # ESC/POS default line spacing: 1/6 inch


def _text_strip(line: TextLine, profile: PrinterProfile) -> Image.Image:
    cell = profile.printable_dots / profile.columns
    regular, bold = _fonts(cell)
    font = bold if line.bold else regular
    height = _line_height(profile)
    glyphs = Image.new("L", (max(1, round(len(line.text) * cell)), height), 255)
    draw = ImageDraw.Draw(glyphs)
    _, top, _, bottom = draw.textbbox((0, 0), "ÁÑgjy|", font=font)
    draw.text((0, (height - (bottom - top)) / 2 - top), line.text, font=font, fill=0)
    width_factor = 2 if line.double_width else 1
    height_factor = 2 if line.double_height else 1
    if width_factor > 1 or height_factor > 1:
        glyphs = glyphs.resize((glyphs.width * width_factor, height * height_factor), Image.Resampling.BICUBIC)
    strip = Image.new("L", (profile.printable_dots, glyphs.height), 255)
    free = profile.printable_dots - glyphs.width
    x = {"left": 0, "center": free // 2, "right": free}[line.align]
    strip.paste(glyphs, (max(0, x), 0))
    return strip


def _cut_strip(profile: PrinterProfile) -> Image.Image:
    height = _line_height(profile)
    strip = Image.new("L", (profile.printable_dots, height * 2), 255)
    draw = ImageDraw.Draw(strip)
    y = height
    for x in range(0, profile.printable_dots, 12):
        draw.line((x, y, x + 6, y), fill=_CUT_GREY, width=2)
    return strip


def _strip(item: PrintItem, profile: PrinterProfile) -> Image.Image | None:
    match item:
        case TextLine():
            return _text_strip(item, profile)
        case Bitmap():
            return item.image.convert("L")
        case NativePdf417():
            # What the printer draws from GS ( k: the same geometry, so the same image give or take its compaction.
            return centered(pdf417.raster(item.payload, item.symbol), profile).image.convert("L")
        case NativeQr():
            return centered(qr.raster(item.data, item.symbol), profile).image.convert("L")
        case FeedLines():
            return Image.new("L", (profile.printable_dots, item.lines * _line_height(profile)), 255)
        case CutPaper():
            return _cut_strip(profile)
        case KickDrawer():
            return None
    return None


def render_preview(receipt: Receipt, profile: PrinterProfile) -> Image.Image:
    """The receipt as a greyscale image `profile.printable_dots` wide, at the printer's resolution."""
    margin = Image.new("L", (profile.printable_dots, _MARGIN_LINES * _line_height(profile)), 255)
    items = lay_out(receipt, profile)
    strips = [margin]
    for item in items:
        strip = _strip(item, profile)
        if strip is not None:
            strips.append(strip)
    if not any(isinstance(item, CutPaper) for item in items):
        strips.append(margin)  # a cut already leaves paper below the last line
    page = Image.new("L", (profile.printable_dots, sum(strip.height for strip in strips)), 255)
    y = 0
    for strip in strips:
        page.paste(strip, (0, y))
        y += strip.height
    page.info["dpi"] = (profile.dpi, profile.dpi)
    return page


def render_preview_png(receipt: Receipt, profile: PrinterProfile) -> bytes:
    image = render_preview(receipt, profile)
    buffer = io.BytesIO()
    # Fastest zlib level: half the time of the default for files ~25 % larger (mostly white paper); no
    # optimize=True, ten times slower for files 5 % smaller. It runs after every sale on the box's CPU.
    image.save(buffer, format="PNG", dpi=(profile.dpi, profile.dpi), compress_level=1)
    return buffer.getvalue()
