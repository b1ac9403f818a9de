"""The single-byte code page the printer is switched to, and how Unicode text is made to fit it.

A thermal printer prints bytes, not Unicode: the job selects one code page with `ESC t n` and every character must be
one byte of it. Receipt text comes from product names typed by people, so it can hold anything (curly quotes, €, emoji,
control characters). `sanitize` maps each character to exactly one printable character of the code page, so column
layout done on the sanitized text stays aligned on paper and no product name can inject a printer command.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

# Characters with no decomposition to ASCII that still have an obvious one-character look-alike.
_LOOK_ALIKES = {
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’
    "\u201a": "'",  # ‚
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u201e": '"',  # „
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2212": "-",  # − minus
    "\u2026": ".",  # … (one character in, one out: layout widths must not change)
    "\u2022": "*",  # •
    "\u20ac": "E",  # € (absent from CP850)
    "\u2116": "N",  # №
    "\u0141": "L",  # Ł
    "\u0142": "l",  # ł
    "\u0110": "D",  # Đ
    "\u0111": "d",  # đ
    "\u0152": "O",  # Œ
    "\u0153": "o",  # œ
    "\u00a0": " ",  # no-break space prints as a blank cell anyway; keep it a plain space
    "\u00ad": "-",  # soft hyphen
}


@dataclass(frozen=True, slots=True)
class CodePage:
    """A printer code page: its python-escpos name, its `ESC t` number, and the Python codec that encodes it."""

    name: str
    escpos_number: int
    codec: str

    def can_print(self, char: str) -> bool:
        return _prints(self.codec, char)

    def fallback(self, char: str) -> str:
        """One printable character standing in for `char`: a look-alike, its unaccented base letter, or '?'."""
        if char in "\t\r\n\v\f":
            return " "
        look_alike = _LOOK_ALIKES.get(char)
        if look_alike is not None and self.can_print(look_alike):
            return look_alike
        base = unicodedata.normalize("NFKD", char)[:1]
        if base and base != char and self.can_print(base):
            return base
        return "?"

    def sanitize(self, text: str) -> str:
        """`text` with every character printable in this code page; one output character per input character
        (after NFC composition, so a decomposed "é" counts as one)."""
        composed = unicodedata.normalize("NFC", text)
        if composed.isascii() and composed.isprintable():
            return composed  # the code pages here all keep ASCII's printable range where ASCII has it
        return "".join(char if self.can_print(char) else self.fallback(char) for char in composed)

    def encode(self, text: str) -> bytes:
        return self.sanitize(text).encode(self.codec)


@functools.lru_cache(maxsize=4096)
def _prints(codec: str, char: str) -> bool:
    # Cached: a receipt asks about every character it prints, some hundreds of times a sale.
    if len(char) != 1 or unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
        return False
    try:
        return len(char.encode(codec)) == 1
    except UnicodeEncodeError:
        return False


# CP850 (Multilingual Latin-1) holds every Spanish letter and sign a boleta needs (ñ Ñ á é í ó ú ü ¿ ¡ ° º ª) and sits
# at ESC t 2 on Epson and on the Chinese clones alike, where CP858 and WPC1252 move between firmware tables.
CP850 = CodePage(name="CP850", escpos_number=2, codec="cp850")
CP858 = CodePage(name="CP858", escpos_number=19, codec="cp858")
WPC1252 = CodePage(name="CP1252", escpos_number=16, codec="cp1252")
