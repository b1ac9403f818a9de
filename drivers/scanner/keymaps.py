"""Keyboard layouts a keyboard-wedge scanner may be set to emulate: evdev key code → (plain, shift, AltGr).

A wedge scanner sends the key presses that would type the barcode on a keyboard of the layout it is configured for,
so the box must decode with that same layout. Letters sit where US QWERTY has them in all three; the digit row's shifted
symbols and the punctuation keys differ. Taken from xkeyboard-config (symbols/us, latam, es). A dead key is stored as
its combining mark (U+0300…), which `KeyDecoder` composes with the next key.

What matters most for barcodes: '-' is KEY_MINUS on us but KEY_SLASH on latam/es; '/' is KEY_SLASH on us but
Shift+KEY_7 on latam/es; '@' is Shift+2 on us, AltGr+2 (or AltGr+Q on latam) elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping

from evdev import ecodes as e

Keymap = Mapping[int, str]  # key code → up to three characters: plain, shift, AltGr ("" where nothing)

ACUTE, DIAERESIS, GRAVE, CIRCUMFLEX, TILDE = "\u0301", "\u0308", "\u0300", "\u0302", "\u0303"

_LETTERS = {getattr(e, f"KEY_{c.upper()}"): c + c.upper() for c in "abcdefghijklmnopqrstuvwxyz"}

# Keypad keys type the same in every layout (NumLock on, as scanners assume).
_KEYPAD = {
    **{getattr(e, f"KEY_KP{d}"): d + d for d in "0123456789"},
    e.KEY_KPDOT: "..",
    e.KEY_KPMINUS: "--",
    e.KEY_KPPLUS: "++",
    e.KEY_KPASTERISK: "**",
    e.KEY_KPSLASH: "//",
    e.KEY_SPACE: "  ",
}


def _layout(symbols: Mapping[int, str], altgr_letters: Mapping[int, str] | None = None) -> Keymap:
    table = {**_LETTERS, **_KEYPAD, **symbols}
    for key, char in (altgr_letters or {}).items():
        table[key] = table[key][:2] + char
    return table


US: Keymap = _layout(
    {
        e.KEY_GRAVE: "`~",
        e.KEY_1: "1!",
        e.KEY_2: "2@",
        e.KEY_3: "3#",
        e.KEY_4: "4$",
        e.KEY_5: "5%",
        e.KEY_6: "6^",
        e.KEY_7: "7&",
        e.KEY_8: "8*",
        e.KEY_9: "9(",
        e.KEY_0: "0)",
        e.KEY_MINUS: "-_",
        e.KEY_EQUAL: "=+",
        e.KEY_LEFTBRACE: "[{",
        e.KEY_RIGHTBRACE: "]}",
        e.KEY_SEMICOLON: ";:",
        e.KEY_APOSTROPHE: "'\"",
        e.KEY_BACKSLASH: "\\|",
        e.KEY_COMMA: ",<",
        e.KEY_DOT: ".>",
        e.KEY_SLASH: "/?",
    }
)

# Spanish (Latin American), xkb "latam".
LATAM: Keymap = _layout(
    {
        e.KEY_GRAVE: "|°¬",
        e.KEY_1: "1!|",
        e.KEY_2: '2"@',
        e.KEY_3: "3#·",
        e.KEY_4: "4$~",
        e.KEY_5: "5%½",
        e.KEY_6: "6&¬",
        e.KEY_7: "7/{",
        e.KEY_8: "8([",
        e.KEY_9: "9)]",
        e.KEY_0: "0=}",
        e.KEY_MINUS: "'?\\",
        e.KEY_EQUAL: "¿¡",
        e.KEY_LEFTBRACE: ACUTE + DIAERESIS + DIAERESIS,
        e.KEY_RIGHTBRACE: "+*~",
        e.KEY_SEMICOLON: "ñÑ~",
        e.KEY_APOSTROPHE: "{[" + CIRCUMFLEX,
        e.KEY_BACKSLASH: "}]" + GRAVE,
        e.KEY_102ND: "<>\\",
        e.KEY_COMMA: ",;",
        e.KEY_DOT: ".:",
        e.KEY_SLASH: "-_",
    },
    {e.KEY_Q: "@", e.KEY_E: "€"},
)

# Spanish (Spain), xkb "es".
ES: Keymap = _layout(
    {
        e.KEY_GRAVE: "ºª\\",
        e.KEY_1: "1!|",
        e.KEY_2: '2"@',
        e.KEY_3: "3·#",
        e.KEY_4: "4$~",
        e.KEY_5: "5%½",
        e.KEY_6: "6&¬",
        e.KEY_7: "7/{",
        e.KEY_8: "8([",
        e.KEY_9: "9)]",
        e.KEY_0: "0=}",
        e.KEY_MINUS: "'?\\",
        e.KEY_EQUAL: "¡¿",
        e.KEY_LEFTBRACE: GRAVE + CIRCUMFLEX + "[",
        e.KEY_RIGHTBRACE: "+*]",
        e.KEY_SEMICOLON: "ñÑ" + TILDE,
        e.KEY_APOSTROPHE: ACUTE + DIAERESIS + "{",
        e.KEY_BACKSLASH: "çÇ}",
        e.KEY_102ND: "<>|",
        e.KEY_COMMA: ",;",
        e.KEY_DOT: ".:",
        e.KEY_SLASH: "-_",
    },
    {e.KEY_E: "€"},
)

LAYOUTS: Mapping[str, Keymap] = {"us": US, "latam": LATAM, "es": ES}


def layout_named(name: str) -> Keymap:
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ValueError(f"unknown keyboard layout {name!r}; known: {', '.join(LAYOUTS)}") from None
