"""Turning a keyboard-wedge scanner's key events back into the text of each scan."""

from __future__ import annotations

import unicodedata

from evdev import InputEvent
from evdev import ecodes as e

from drivers.scanner.keymaps import ACUTE, CIRCUMFLEX, DIAERESIS, GRAVE, TILDE, Keymap, layout_named

KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2
SHIFT_KEYS = frozenset({e.KEY_LEFTSHIFT, e.KEY_RIGHTSHIFT})
CONTROL_KEYS = frozenset({e.KEY_LEFTCTRL, e.KEY_RIGHTCTRL, e.KEY_LEFTALT})
ALTGR = e.KEY_RIGHTALT
END_KEYS = frozenset({e.KEY_ENTER, e.KEY_KPENTER})
_SPACING = {ACUTE: "´", DIAERESIS: "¨", GRAVE: "`", CIRCUMFLEX: "^", TILDE: "~"}


class KeyDecoder:
    """Feed it every event; it returns the scan's text when Enter (or keypad Enter) ends one, else None.

    Only key-down events type (key-up and auto-repeat are ignored: a scanner never holds a key long enough to repeat,
    so a repeat means a stuck key, not a doubled character). Shift and AltGr are tracked through their down/up events;
    Caps Lock is ignored because scanners send Shift explicitly. Keys held with Ctrl or left Alt type nothing, and keys
    the layout does not know (Tab, function keys) are skipped. A dead key (´ ¨ ` ^ ~ on latam/es) composes with the
    next letter (´ + a → á), or stands alone before a space or a letter it cannot accent.
    """

    def __init__(self, layout: Keymap | str = "us") -> None:
        self.layout = layout_named(layout) if isinstance(layout, str) else layout
        self._held: set[int] = set()
        self._chars: list[str] = []
        self._dead: str | None = None

    def reset(self) -> None:
        """Forget a half-typed scan and held modifiers (after the device went away mid-scan)."""
        self._held.clear()
        self._chars.clear()
        self._dead = None

    def feed(self, event: InputEvent) -> str | None:
        if event.type != e.EV_KEY:
            return None  # EV_SYN, EV_MSC scan codes, LEDs
        code, value = event.code, event.value
        if code in SHIFT_KEYS or code in CONTROL_KEYS or code == ALTGR:
            if value == KEY_UP:
                self._held.discard(code)
            else:
                self._held.add(code)
            return None
        if value != KEY_DOWN:
            return None
        if code in END_KEYS:
            return self._finish()
        if self._held & CONTROL_KEYS:
            return None
        symbols = self.layout.get(code, "")
        level = 2 if ALTGR in self._held else 1 if self._held & SHIFT_KEYS else 0
        char = symbols[level] if level < len(symbols) else ""
        if char:
            self._type(char)
        return None

    def _type(self, char: str) -> None:
        dead, self._dead = self._dead, None
        if unicodedata.combining(char):
            if dead is not None:
                self._chars.append(_SPACING[dead])  # two dead keys in a row: the first stands alone
            self._dead = char
            return
        if dead is None:
            self._chars.append(char)
        elif char == " ":
            self._chars.append(_SPACING[dead])
        else:
            composed = unicodedata.normalize("NFC", char + dead)
            self._chars.append(composed if len(composed) == 1 else _SPACING[dead] + char)

    def _finish(self) -> str | None:
        if self._dead is not None:
            self._chars.append(_SPACING[self._dead])
        text = "".join(self._chars)
        self._chars.clear()
        self._dead = None
        return text or None  # a bare Enter is not a scan
