"""A receipt as a list of device-independent blocks: what to print, never how a printer is told to print it.

The same `Receipt` renders to ESC/POS bytes (`escpos_render`) and to a PNG (`preview`), so the back office shows what
the customer got. Widths are decided at render time from the printer profile, which is why rows carry cells and not
pre-padded strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from PIL import Image

Align: TypeAlias = Literal["left", "center", "right"]
DrawerPin: TypeAlias = Literal[2, 5]


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph: wrapped at word boundaries to the paper width (halved for double width)."""

    text: str
    align: Align = "left"
    bold: bool = False
    double_width: bool = False
    double_height: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    """Two or three cells on one line: a description that takes the remaining width, then right-aligned cells.

    `widths` fixes the width in characters of the right-hand cells (None: as wide as their text) so a column of
    amounts lines up across rows. The description wraps onto following lines; `max_lines` truncates it instead.
    """

    cells: tuple[str, ...]
    widths: tuple[int | None, ...] | None = None
    bold: bool = False
    max_lines: int | None = None

    def __post_init__(self) -> None:
        if len(self.cells) not in (2, 3):
            raise ValueError(f"a row has 2 or 3 cells, not {len(self.cells)}")
        if self.widths is not None:
            if len(self.widths) != len(self.cells) - 1:
                raise ValueError("widths gives one width per right-hand cell (all cells but the first)")
            if any(width is not None and width < 1 for width in self.widths):
                raise ValueError("cell widths must be positive")
        if self.max_lines is not None and self.max_lines < 1:
            raise ValueError("max_lines must be at least 1")


@dataclass(frozen=True, slots=True)
class Separator:
    char: str = "-"

    def __post_init__(self) -> None:
        if len(self.char) != 1:
            raise ValueError("a separator is drawn with exactly one character")


@dataclass(frozen=True, slots=True)
class Logo:
    """A picture (shop logo), scaled down to fit `max_width_mm` or the printable width, centered, dithered."""

    image: Image.Image
    max_width_mm: float | None = None


@dataclass(frozen=True, slots=True)
class Pdf417:
    """A PDF417 symbol such as the SII timbre: `payload` is the exact bytes to encode (the TED in ISO-8859-1).

    The renderer picks module size and column count so the symbol is at least `min_width_mm` × `min_height_mm`
    (SII: 4,5 × 2 cm) on the profile's paper, preferring `columns` data columns.
    """

    payload: bytes
    min_width_mm: float = 45.0
    min_height_mm: float = 20.0
    error_correction: int = 5
    columns: int = 13

    def __post_init__(self) -> None:
        if not self.payload:
            raise ValueError("a PDF417 symbol needs a payload")
        if not 0 <= self.error_correction <= 8:
            raise ValueError("PDF417 error-correction level is 0 to 8")
        if not 1 <= self.columns <= 30:
            raise ValueError("PDF417 has 1 to 30 data columns")


@dataclass(frozen=True, slots=True)
class QrCode:
    data: str
    size_mm: float = 25.0

    def __post_init__(self) -> None:
        if not self.data:
            raise ValueError("a QR code needs data")


@dataclass(frozen=True, slots=True)
class Feed:
    lines: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.lines <= 255:
            raise ValueError("feed 0 to 255 lines")


@dataclass(frozen=True, slots=True)
class Cut:
    """Feed the paper past the cutter and cut (partially, leaving a hinge, if asked and the printer can)."""

    partial: bool = False


@dataclass(frozen=True, slots=True)
class DrawerKick:
    """Pulse the cash-drawer connector: pin 2 is the usual drawer, pin 5 a second one."""

    pin: DrawerPin = 2

    def __post_init__(self) -> None:
        if self.pin not in (2, 5):
            raise ValueError(f"the drawer connector has pins 2 and 5, not {self.pin}")


Block: TypeAlias = Text | Row | Separator | Logo | Pdf417 | QrCode | Feed | Cut | DrawerKick


@dataclass(frozen=True, slots=True)
class Receipt:
    blocks: tuple[Block, ...] = ()

    @property
    def opens_drawer(self) -> bool:
        return any(isinstance(block, DrawerKick) for block in self.blocks)

    def without_drawer_kick(self) -> Receipt:
        """The same receipt that leaves the drawer shut (a reprint, or a job printed long after the sale)."""
        return Receipt(tuple(block for block in self.blocks if not isinstance(block, DrawerKick)))

    def __add__(self, other: Receipt) -> Receipt:
        return Receipt(self.blocks + other.blocks)


@dataclass(slots=True)
class ReceiptBuilder:
    """Fluent construction: `ReceiptBuilder().text("Hola", align="center").row("Pan", "$1.200").cut().build()`."""

    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> ReceiptBuilder:
        self.blocks.extend(blocks)
        return self

    def text(
        self,
        text: str = "",
        *,
        align: Align = "left",
        bold: bool = False,
        double_width: bool = False,
        double_height: bool = False,
    ) -> ReceiptBuilder:
        return self.add(Text(text, align, bold, double_width, double_height))

    def row(
        self,
        *cells: str,
        widths: Iterable[int | None] | None = None,
        bold: bool = False,
        max_lines: int | None = None,
    ) -> ReceiptBuilder:
        return self.add(Row(tuple(cells), None if widths is None else tuple(widths), bold, max_lines))

    def separator(self, char: str = "-") -> ReceiptBuilder:
        return self.add(Separator(char))

    def logo(self, image: Image.Image, *, max_width_mm: float | None = None) -> ReceiptBuilder:
        return self.add(Logo(image, max_width_mm))

    def pdf417(
        self, payload: bytes, *, min_width_mm: float = 45.0, min_height_mm: float = 20.0, columns: int = 13
    ) -> ReceiptBuilder:
        return self.add(Pdf417(payload, min_width_mm, min_height_mm, columns=columns))

    def qr(self, data: str, *, size_mm: float = 25.0) -> ReceiptBuilder:
        return self.add(QrCode(data, size_mm))

    def feed(self, lines: int = 1) -> ReceiptBuilder:
        return self.add(Feed(lines))

    def cut(self, *, partial: bool = False) -> ReceiptBuilder:
        return self.add(Cut(partial))

    def kick_drawer(self, pin: DrawerPin = 2) -> ReceiptBuilder:
        return self.add(DrawerKick(pin))

    def build(self) -> Receipt:
        return Receipt(tuple(self.blocks))
