"""The timbre as a PDF417 symbol, for the printed receipt and the PDF representation (NOTES §7).

The SII asks for error-correction level 5; 13 columns is what most implementations use and keeps the symbol within
a 57–80 mm receipt. The symbol encodes the TED bytes exactly (`ted.ted_for_pdf417`): ISO-8859-1, never re-encoded.
Printed, it must measure at least 2 × 4,5 cm at over 200 dpi: pick `scale` for the printer's resolution.
"""

from __future__ import annotations

from io import BytesIO

from pdf417gen import encode, render_image, render_svg
from PIL import Image

ERROR_CORRECTION_LEVEL = 5
COLUMNS = 13


def pdf417_codes(ted: bytes) -> list[list[int]]:
    """The PDF417 codewords, row by row (what an ESC/POS printer's own PDF417 command would be fed as bytes)."""
    codes: list[list[int]] = encode(ted, columns=COLUMNS, security_level=ERROR_CORRECTION_LEVEL)
    return codes


def render_pdf417(ted: bytes, *, scale: int = 2, ratio: int = 3, padding: int = 10) -> Image.Image:
    """A black-on-white image of the timbre; `scale` is the module width in pixels, `ratio` its height in modules."""
    image: Image.Image = render_image(pdf417_codes(ted), scale=scale, ratio=ratio, padding=padding)
    return image


def render_pdf417_png(ted: bytes, *, scale: int = 2, ratio: int = 3, padding: int = 10) -> bytes:
    buffer = BytesIO()
    render_pdf417(ted, scale=scale, ratio=ratio, padding=padding).save(buffer, format="PNG")
    return buffer.getvalue()


def render_pdf417_svg(ted: bytes, *, scale: int = 2, ratio: int = 3) -> bytes:
    """An SVG of the timbre, for the PDF (WeasyPrint) representation."""
    tree = render_svg(pdf417_codes(ted), scale=scale, ratio=ratio)
    root = tree.getroot()
    # A viewBox lets the page or the PDF scale the symbol instead of cropping it.
    root.set("viewBox", f"0 0 {root.get('width')} {root.get('height')}")
    buffer = BytesIO()
    tree.write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue()
