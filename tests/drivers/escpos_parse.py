"""An independent reader of the ESC/POS bytes the printing library produces, written from the command reference rather
than from python-escpos, so the tests check what a printer would do with the bytes.

It knows every command the renderer may emit and fails on any other byte sequence, so an unexpected command is a test
failure rather than garbage text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageOps

ESC, GS, DLE = 0x1B, 0x1D, 0x10
# ESC t n → Python codec, for the tables the tests use (Epson numbering).
CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}
ALIGNMENTS = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


@dataclass
class Line:
    text: str
    align: str
    bold: bool
    double_width: bool
    double_height: bool


@dataclass
class Raster:
    image: Image.Image  # greyscale, black ink on white, one pixel per dot
    offset: int  # byte offset of the GS v 0 command in the job


@dataclass
class Symbol2D:
    """A GS ( k symbol: the parameters set by functions 65–70 and the bytes stored with function 80."""

    kind: str  # "pdf417" or "qr"
    settings: dict[int, bytes] = field(default_factory=dict)
    data: bytes = b""
    printed: bool = False

    @property
    def pdf417_columns(self) -> int:
        return self.settings[65][0]

    @property
    def pdf417_module_dots(self) -> int:
        return self.settings[67][0]

    @property
    def pdf417_row_modules(self) -> int:
        return self.settings[68][0]

    @property
    def pdf417_error_level(self) -> int:
        mode, level = self.settings[69]
        if mode != 0x30:
            raise ValueError("error correction given as a ratio, not a level")
        return level - 0x30


@dataclass
class Job:
    lines: list[Line] = field(default_factory=list)
    rasters: list[Raster] = field(default_factory=list)
    symbols: list[Symbol2D] = field(default_factory=list)
    code_pages: list[int] = field(default_factory=list)
    drawer_kicks: list[tuple[int, int, int]] = field(default_factory=list)  # (m, on, off)
    cuts: list[int] = field(default_factory=list)
    feeds: list[int] = field(default_factory=list)
    initializations: int = 0
    status_queries: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class EscposSyntaxError(ValueError):
    pass


def parse(data: bytes) -> Job:
    job = Job()
    code_page = 0
    align = "left"
    bold = False
    double_width = double_height = False
    pending = bytearray()
    current_2d: dict[int, Symbol2D] = {}
    i = 0

    def need(count: int) -> bytes:
        if i + count > len(data):
            raise EscposSyntaxError(f"command at {i} truncated")
        return data[i : i + count]

    def flush_line() -> None:
        job.lines.append(
            Line(pending.decode(CODE_PAGES[code_page]), align, bold, double_width, double_height),
        )
        pending.clear()

    while i < len(data):
        byte = data[i]
        if byte == 0x0A:
            flush_line()
            i += 1
        elif byte >= 0x20 and byte != 0x7F:
            pending.append(byte)
            i += 1
        elif byte == ESC:
            command = need(2)[1]
            if command == ord("@"):
                job.initializations += 1
                code_page, align, bold, double_width, double_height = 0, "left", False, False, False
                i += 2
            elif command == ord("t"):
                code_page = need(3)[2]
                if code_page not in CODE_PAGES:
                    raise EscposSyntaxError(f"code page {code_page} unknown to the tests")
                job.code_pages.append(code_page)
                i += 3
            elif command == ord("!"):
                mode = need(3)[2]
                bold = bool(mode & 0x08)
                double_height = bool(mode & 0x10)
                double_width = bool(mode & 0x20)
                i += 3
            elif command == ord("E"):
                bold = bool(need(3)[2] & 1)
                i += 3
            elif command == ord("a"):
                align = ALIGNMENTS[need(3)[2]]
                i += 3
            elif command == ord("d"):
                if pending:
                    flush_line()
                job.feeds.append(need(3)[2])
                i += 3
            elif command == ord("p"):
                _, _, m, on, off = need(5)
                job.drawer_kicks.append((m, on, off))
                i += 5
            else:
                raise EscposSyntaxError(f"unexpected ESC {command:#04x} at {i}")
        elif byte == GS:
            command = need(2)[1]
            if command == ord("V"):
                mode = need(3)[2]
                length = 4 if mode in (65, 66) else 3
                job.cuts.append(mode)
                i += length
            elif command == ord("!"):
                size = need(3)[2]
                double_width = bool(size & 0xF0)
                double_height = bool(size & 0x0F)
                i += 3
            elif command == ord("v"):
                _, _, zero, _density, xl, xh, yl, yh = need(8)
                if zero not in (0, 0x30):
                    raise EscposSyntaxError(f"GS v {zero} at {i}")
                width_bytes, height = xl + 256 * xh, yl + 256 * yh
                start = i + 8
                bits = data[start : start + width_bytes * height]
                if len(bits) != width_bytes * height:
                    raise EscposSyntaxError(f"raster at {i} truncated")
                # ESC/POS: a 1 bit is a printed (black) dot; Pillow's "1" mode reads a 1 bit as white.
                image = ImageOps.invert(Image.frombytes("1", (width_bytes * 8, height), bits).convert("L"))
                job.rasters.append(Raster(image, i))
                i = start + width_bytes * height
            elif command == ord("(") and need(3)[2] == ord("k"):
                pl, ph = need(5)[3:5]
                length = pl + 256 * ph
                body = data[i + 5 : i + 5 + length]
                if len(body) != length or length < 2:
                    raise EscposSyntaxError(f"GS ( k at {i} truncated")
                cn, fn, parameters = body[0], body[1], body[2:]
                kind = {0x30: "pdf417", 0x31: "qr"}.get(cn)
                if kind is None:
                    raise EscposSyntaxError(f"GS ( k for symbol type {cn:#04x}")
                symbol = current_2d.setdefault(cn, Symbol2D(kind))
                if fn == 80:
                    if parameters[:1] != b"\x30":
                        raise EscposSyntaxError("GS ( k store data without m = 48")
                    symbol.data = parameters[1:]
                elif fn == 81:
                    symbol.printed = True
                    job.symbols.append(symbol)
                    del current_2d[cn]
                else:
                    symbol.settings[fn] = parameters
                i += 5 + length
            else:
                raise EscposSyntaxError(f"unexpected GS {command:#04x} at {i}")
        elif byte == DLE:
            if need(2)[1] != 0x04:
                raise EscposSyntaxError(f"unexpected DLE at {i}")
            job.status_queries.append(need(3)[2])
            i += 3
        else:
            raise EscposSyntaxError(f"unexpected control byte {byte:#04x} at {i}")
    if pending:
        flush_line()
    return job
