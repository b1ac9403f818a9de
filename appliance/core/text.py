"""Text helpers: folding for search, and keeping text inside ISO-8859-1 for the SII's files."""

from __future__ import annotations

import re
import unicodedata

# Letters that NFKD does not decompose into a base letter plus marks.
_FOLD_EXTRA = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"})

# Common characters outside Latin-1, mostly pasted from word processors and supplier spreadsheets.
_LATIN1_REPLACEMENTS = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "…": "...",
        "€": "EUR",
        "•": "-",
        "™": "(TM)",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "\u2009": " ",  # thin space
        "\u202f": " ",  # narrow no-break space, which some locales put in numbers
    }
)


def fold(text: str) -> str:
    """The search form of `text`: lower-case, without accents or diacritics, spaces collapsed.

    "Ñandú  Pequeño" → "nandu pequeno", so a cashier typing "nandu" finds it.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.translate(_FOLD_EXTRA).split())


# What passes through unchanged: tab, line breaks, printable ASCII and printable Latin-1.
_PLAIN_LATIN1 = re.compile("[\t\n\r\x20-\x7e\xa0-\xff]*")


def _latin1_char(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        # Other control characters are not allowed in XML 1.0.
        return char if char in "\t\n\r" else ""
    if 0x7F <= code <= 0x9F:
        return ""  # DEL and the C1 controls: invisible, and rejected by strict XML readers
    if code <= 0xFF:
        return char
    # "ő" → "o", "ﬁ" → "fi": keep whatever of the compatibility decomposition fits; emoji and the like vanish.
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(part for part in decomposed if ord(part) <= 0xFF and not unicodedata.combining(part))


def to_latin1_safe(text: str) -> str:
    """`text` with every character encodable in ISO-8859-1, the encoding of the SII's XML files.

    Curly quotes become straight, dashes "-", "€" "EUR", and emoji disappear; accented Spanish letters (á, ñ, ü)
    are Latin-1 and stay.
    """
    # NFC first, so an "e" followed by a combining accent (as macOS sends it) becomes "é" instead of losing the accent.
    composed = unicodedata.normalize("NFC", text).translate(_LATIN1_REPLACEMENTS)
    if _PLAIN_LATIN1.fullmatch(composed):
        return composed  # nearly every name and address: no need to look at each character (a sale has dozens)
    return "".join(_latin1_char(char) for char in composed)


def truncate(text: str, n: int, *, ellipsis: str = "") -> str:
    """At most `n` characters of `text`. The SII cuts names plainly (`ellipsis=""`), e.g. RSR and IT1 at 40.

    With an `ellipsis`, a cut text ends in it and still fits in `n`.
    """
    if n < 0:
        raise ValueError(f"cannot truncate to {n} characters")
    if len(text) <= n:
        return text
    if len(ellipsis) >= n:
        return text[:n]
    return text[: n - len(ellipsis)] + ellipsis


_ASCII_DIGITS = re.compile(r"[0-9]+")


def is_digits(text: str, max_len: int = 18) -> bool:
    """1 to `max_len` ASCII digits. `str.isdigit()` also accepts "²" or "٣", which `int()` refuses or misreads; and
    past 18 digits a number no longer fits SQLite's integers (past 4.300, Python's `int()` refuses it). A test
    forbids `isdigit()` in the product's code."""
    return len(text) <= max_len and _ASCII_DIGITS.fullmatch(text) is not None
