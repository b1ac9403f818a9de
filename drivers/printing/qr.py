"""QR codes: module size for a target physical size, and the raster image when the printer cannot draw them."""

from __future__ import annotations

from dataclasses import dataclass

# python-escpos depends on qrcode, which ships no type information.
import qrcode  # type: ignore[import-untyped]
from PIL import Image

_QUIET_MODULES = 4  # the QR specification's quiet zone


@dataclass(frozen=True, slots=True)
class QrPlan:
    version_modules: int  # modules per side, without the quiet zone
    module_dots: int

    @property
    def width_dots(self) -> int:
        return (self.version_modules + 2 * _QUIET_MODULES) * self.module_dots


def _matrix(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=_QUIET_MODULES)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return code


def plan(data: str, *, size_mm: float, dpi: int, printable_dots: int) -> QrPlan:
    """Module size (1–16 dots, the range of native `GS ( k`) closest to `size_mm`, never wider than the paper."""
    modules = int(_matrix(data).modules_count)
    wanted = round(size_mm * dpi / 25.4 / modules)
    widest = printable_dots // (modules + 2 * _QUIET_MODULES)
    module = max(1, min(16, wanted, widest))
    if widest < 1:
        raise ValueError(f"a QR code of {len(data)} characters does not fit {printable_dots} dots")
    return QrPlan(modules, module)


def raster(data: str, symbol: QrPlan) -> Image.Image:
    """The QR code as a 1-bit image (black = ink) with its quiet zone, `symbol.width_dots` square."""
    code = _matrix(data)
    image = code.make_image().get_image().convert("L")
    size = symbol.width_dots
    scaled: Image.Image = image.resize((size, size), Image.Resampling.NEAREST).convert("1", dither=Image.Dither.NONE)
    return scaled
