"""Sizing, rasterizing and the native `GS ( k` commands for PDF417 symbols (the SII timbre).

The SII asks for a symbol of at least 2 × 4,5 cm printed at more than 200 dpi with error-correction level 5. At
203 dpi a symbol is `module × (17 × columns + 69)` dots wide, so the paper decides what is possible: 80 mm paper
(576 dots) fits 2-dot modules up to 12 data columns (13 would need 580 dots); a real TED (~760 bytes) needs more rows
than PDF417's 90 at the 7 columns that fit 58 mm with 2-dot modules, so 58 mm paper gets 1-dot modules and 18 columns.
`plan` makes that choice for any payload and paper; both renderers draw from the same plan.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_ROWS = 90
MIN_ROWS = 3
MAX_CODEWORDS = 928
# Start pattern, left and right row indicators and stop pattern around the data columns, in modules.
_OVERHEAD_MODULES = 17 + 17 + 17 + 18
# A printed quiet zone of two modules on each side (ISO 15438 asks for 2X).
_QUIET_MODULES = 2
# Native GS ( k accepts module widths 2–8 dots and row heights 2–8 modules.
_NATIVE_MODULE_RANGE = range(2, 9)
_NATIVE_ROW_RANGE = range(2, 9)
_GS = b"\x1d"


@dataclass(frozen=True, slots=True)
class Pdf417Plan:
    columns: int
    rows: int
    module_dots: int  # width of the narrowest bar
    row_modules: int  # row height as a multiple of the module width
    error_correction: int

    @property
    def width_modules(self) -> int:
        return 17 * self.columns + _OVERHEAD_MODULES

    @property
    def width_dots(self) -> int:
        return self.module_dots * self.width_modules

    @property
    def row_dots(self) -> int:
        return self.module_dots * self.row_modules

    @property
    def height_dots(self) -> int:
        return self.rows * self.row_dots

    @property
    def fits_native(self) -> bool:
        return self.module_dots in _NATIVE_MODULE_RANGE and self.row_modules in _NATIVE_ROW_RANGE


@functools.lru_cache(maxsize=32)
def codeword_count(payload: bytes) -> int:
    """Data codewords pdf417gen produces for `payload` (before the length descriptor and error correction)."""
    from pdf417gen.compaction import compact

    return len(list(compact(payload)))


def plan(
    payload: bytes,
    *,
    printable_dots: int,
    dpi: int,
    min_width_mm: float = 45.0,
    min_height_mm: float = 20.0,
    error_correction: int = 5,
    preferred_columns: int = 13,
    max_module_dots: int = 2,
) -> Pdf417Plan:
    """The largest module (up to `max_module_dots`) and the column count nearest `preferred_columns` for which the
    symbol is at least the minimum size and fits the paper with its quiet zone; rows are made tall enough for the
    minimum height (at least 3 modules, PDF417's minimum row height)."""
    min_width = math.ceil(min_width_mm * dpi / 25.4 - 1e-9)
    min_height = math.ceil(min_height_mm * dpi / 25.4 - 1e-9)
    total = codeword_count(payload) + 1 + 2 ** (error_correction + 1)
    for module in range(max_module_dots, 0, -1):
        candidates = []
        for columns in range(1, 31):
            rows = math.ceil(total / columns)
            width = module * (17 * columns + _OVERHEAD_MODULES)
            fits_paper = width + 2 * _QUIET_MODULES * module <= printable_dots
            if fits_paper and width >= min_width and MIN_ROWS <= rows <= MAX_ROWS and columns * rows <= MAX_CODEWORDS:
                candidates.append((abs(columns - preferred_columns), -columns, columns, rows))
        if candidates:
            _, _, columns, rows = min(candidates)
            row_modules = max(3, math.ceil(min_height / (rows * module)))
            return Pdf417Plan(columns, rows, module, row_modules, error_correction)
    raise ValueError(
        f"a PDF417 of {len(payload)} bytes at error-correction level {error_correction} cannot be printed "
        f"{min_width_mm} mm wide within {printable_dots} dots at {dpi} dpi"
    )


def raster(payload: bytes, symbol: Pdf417Plan) -> Image.Image:
    """The symbol as a 1-bit image (black = ink), with its quiet zone, exactly `symbol`'s size in dots."""
    return _raster(payload, symbol).copy()  # a copy: the caller may draw on it


# A receipt's timbre is encoded for the printer and again for its preview (and again for a reprint).
@functools.lru_cache(maxsize=16)
def _raster(payload: bytes, symbol: Pdf417Plan) -> Image.Image:
    codes = _codes(payload, symbol)
    width = 17 * len(codes[0]) + 1  # 17 modules a codeword, and the stop pattern's extra one
    stride = (width + 7) // 8
    spare = 8 * stride - width
    mask = (1 << width) - 1
    # One bit a module, drawn as whole rows (Pillow's "1" mode: a set bit is white), then scaled by Pillow: drawing
    # module by module in Python, as pdf417gen's renderer does, held the interpreter for milliseconds a receipt.
    rows = b"".join((((~_row_bits(row)) & mask) << spare).to_bytes(stride, "big") for row in codes)
    modules = Image.frombytes("1", (width, len(codes)), rows)
    scaled = modules.resize((width * symbol.module_dots, len(codes) * symbol.row_dots), Image.Resampling.NEAREST)
    return ImageOps.expand(scaled, _QUIET_MODULES * symbol.module_dots, fill=255)


def _row_bits(row: list[int]) -> int:
    bits = 0
    for pattern in row:
        bits = (bits << pattern.bit_length()) | pattern  # every bar pattern starts with a bar: no leading zeros
    return bits


def _codes(payload: bytes, symbol: Pdf417Plan) -> list[list[int]]:
    """The symbol's rows of bar patterns, as `pdf417gen.encode` makes them, with a faster compaction and error
    correction."""
    from pdf417gen.encoding import encode_rows, get_padding

    from drivers.printing.pdf417_compaction import compact

    data = compact(payload)
    ec_count = 2 ** (symbol.error_correction + 1)
    padding = get_padding(len(data), ec_count, symbol.columns)
    words = [1 + len(data) + len(padding), *data, *padding]
    words += error_correction(words, symbol.error_correction)
    if len(words) != symbol.columns * symbol.rows:
        raise AssertionError(f"{len(words)} codewords do not fill the {symbol.columns} × {symbol.rows} planned")
    rows = [words[start : start + symbol.columns] for start in range(0, len(words), symbol.columns)]
    return list(encode_rows(rows, symbol.columns, symbol.error_correction))


_SLOT_BITS = 32  # a slot sums up to 928 products of two numbers below 929: under 2^30


def error_correction(words: list[int], level: int) -> list[int]:
    """PDF417's Reed-Solomon error-correction codewords for `words` (ISO 15438 Annex F), as pdf417gen computes them.

    The division is linear in the data: each codeword adds its value times the remainder of a lone 1 followed by as
    many zeros as codewords come after it. Those remainders are computed once per level and packed into one integer
    each, so the whole division is one multiply-add of big integers per codeword instead of 2^(level+1) of them.
    """
    responses = _impulse_responses(level)
    if len(words) > len(responses):
        raise ValueError(f"{len(words)} codewords: a PDF417 holds at most {MAX_CODEWORDS}")
    last = len(words) - 1
    total = 0
    for position, word in enumerate(words):
        total += word * responses[last - position]
    slot = (1 << _SLOT_BITS) - 1
    count = 2 ** (level + 1)
    remainder = [(total >> (_SLOT_BITS * index)) & slot for index in range(count)]
    return [(-value) % 929 for value in reversed(remainder)]


@functools.cache
def _impulse_responses(level: int) -> tuple[int, ...]:
    """Packed remainders of 1, 10, 100, … (base 929): entry m is a lone 1 followed by m zero codewords."""
    from pdf417gen.data import ERROR_CORRECTION_FACTORS

    factors = ERROR_CORRECTION_FACTORS[level]
    count = 2 ** (level + 1)
    state = [0] * count
    packed = []
    word = 1
    for _ in range(MAX_CODEWORDS):
        feedback = (word + state[-1]) % 929
        state = [((state[x - 1] if x else 0) - feedback * factors[x]) % 929 for x in range(count)]
        packed.append(sum(value << (_SLOT_BITS * index) for index, value in enumerate(state)))
        word = 0
    return tuple(packed)


def native_commands(payload: bytes, symbol: Pdf417Plan) -> bytes:
    """`GS ( k` function 065–070 settings, 080 store and 081 print for a symbol of `symbol`'s geometry.

    Rows are left to the printer (0 = automatic): its own compaction may differ slightly from pdf417gen's, and a
    fixed row count that is one too small would make the printer silently print nothing.
    """
    if not symbol.fits_native:
        raise ValueError(f"{symbol.module_dots}-dot modules, {symbol.row_modules}-module rows: outside GS ( k's range")

    def function(fn: int, parameters: bytes) -> bytes:
        body = b"\x30" + bytes((fn,)) + parameters  # cn = 48: PDF417
        return _GS + b"(k" + len(body).to_bytes(2, "little") + body

    if len(payload) > 65535 - 3:
        raise ValueError("PDF417 payload too long for one GS ( k store command")
    return b"".join(
        (
            function(65, bytes((symbol.columns,))),
            function(66, b"\x00"),
            function(67, bytes((symbol.module_dots,))),
            function(68, bytes((symbol.row_modules,))),
            function(69, b"\x30" + bytes((0x30 + symbol.error_correction,))),  # m = 48: by level
            function(70, b"\x00"),  # standard (not truncated) PDF417
            function(80, b"\x30" + payload),
            function(81, b"\x30"),
        )
    )
