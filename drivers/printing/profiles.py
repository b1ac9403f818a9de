"""What the printer and its paper can do: printable width in dots and characters, resolution, code page, and whether
the firmware draws PDF417 and QR codes itself (`GS ( k`) or needs them sent as raster images.

The presets cover the two paper widths sold in Chile. Raster is the default for codes because every ESC/POS printer
prints raster images and the size of the timbre is then exactly what we computed; turn the native commands on per
printer (`replace(PAPER_80MM, native_pdf417=True)`) when the model is known to support them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from drivers.printing.codepage import CP850, CodePage

MM_PER_INCH = 25.4


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    name: str
    paper_width_mm: float
    printable_dots: int
    columns: int  # characters per line in font A
    dpi: int = 203
    code_page: CodePage = field(default=CP850)
    native_pdf417: bool = False
    native_qr: bool = False
    cutter: bool = True
    partial_cut: bool = True

    def __post_init__(self) -> None:
        if self.paper_width_mm < 57:
            raise ValueError(f"paper {self.paper_width_mm} mm is narrower than the SII's 5,7 cm minimum for boletas")
        if self.dpi <= 200:
            raise ValueError(f"{self.dpi} dpi: the SII requires the timbre printed at more than 200 dpi")
        if self.printable_dots % 8:
            raise ValueError("printable_dots must be a multiple of 8 (raster images are sent in whole bytes)")
        if not 16 <= self.columns <= 80:
            raise ValueError(f"columns must be between 16 and 80, not {self.columns}")

    def dots(self, mm: float) -> int:
        """The number of dots covering at least `mm` millimetres."""
        return -(-round(mm * self.dpi * 1000) // round(MM_PER_INCH * 1000))

    def mm(self, dots: int) -> float:
        return dots * MM_PER_INCH / self.dpi

    def escpos_profile(self) -> Any:
        """A python-escpos profile object describing this printer (python-escpos is untyped, hence Any).

        It lists only our code page, so python-escpos's automatic code-page switching can never pick another one.
        """
        from escpos.capabilities import Profile

        features = {
            "bitImageRaster": True,
            "bitImageColumn": True,
            "graphics": False,
            "highDensity": True,
            "paperFullCut": self.cutter,
            "paperPartCut": self.cutter and self.partial_cut,
            "pdf417Code": self.native_pdf417,
            "qrCode": self.native_qr,
            "pulseStandard": True,
            "pulseBel": False,
            "barcodeA": True,
            "barcodeB": True,
            "starCommands": False,
        }
        profile = Profile(columns=self.columns, features=features)
        profile.profile_data = {
            "name": f"minimarket-{self.name}",
            "vendor": "Generic",
            "notes": "",
            "codePages": {str(self.code_page.escpos_number): self.code_page.name},
            "colors": {"0": "black"},
            "features": features,
            "fonts": {"0": {"columns": self.columns, "name": "Font A"}},
            "media": {"dpi": self.dpi, "width": {"mm": self.paper_width_mm, "pixels": self.printable_dots}},
        }
        return profile


# 58 mm paper: 48 mm printable, 384 dots, 32 characters of the 12×24 font A.
PAPER_58MM = PrinterProfile(name="58mm", paper_width_mm=58, printable_dots=384, columns=32)
# 80 mm paper: 72 mm printable, 576 dots; 48 characters of font A (Epson TM-T20 and most clones) ...
PAPER_80MM = PrinterProfile(name="80mm", paper_width_mm=80, printable_dots=576, columns=48)
# ... or 42 on printers whose font A is wider or whose firmware is set to 42 columns.
PAPER_80MM_42 = PrinterProfile(name="80mm-42", paper_width_mm=80, printable_dots=576, columns=42)

PROFILES = {profile.name: profile for profile in (PAPER_58MM, PAPER_80MM, PAPER_80MM_42)}


def profile_by_name(name: str, *, native_pdf417: bool = False, native_qr: bool = False) -> PrinterProfile:
    """The preset called `name` ("58mm", "80mm", "80mm-42"), with the native code commands switched as asked."""
    try:
        preset = PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown printer profile {name!r}; known: {', '.join(PROFILES)}") from None
    return replace(preset, native_pdf417=native_pdf417, native_qr=native_qr)
