"""Synthetic evdev key events, as a keyboard-wedge scanner sends them (UInput needs /dev/uinput, absent here)."""

from __future__ import annotations

import itertools

from evdev import InputEvent
from evdev import ecodes as e

from drivers.scanner.keymaps import Keymap, layout_named

_clock = itertools.count()


def event(type_: int, code: int, value: int) -> InputEvent:
    tick = next(_clock)
    return InputEvent(1_700_000_000 + tick // 1000, (tick % 1000) * 1000, type_, code, value)


def syn() -> InputEvent:
    return event(e.EV_SYN, e.SYN_REPORT, 0)


def press(code: int, *, shift: bool = False, altgr: bool = False) -> list[InputEvent]:
    """One key as a scanner types it: modifier down, MSC_SCAN + key down, key up, modifier up, with SYN reports."""
    modifier = e.KEY_RIGHTALT if altgr else e.KEY_LEFTSHIFT if shift else None
    events: list[InputEvent] = []
    if modifier is not None:
        events += [event(e.EV_KEY, modifier, 1), syn()]
    events += [event(e.EV_MSC, e.MSC_SCAN, 0x70000 + code), event(e.EV_KEY, code, 1), syn()]
    events += [event(e.EV_KEY, code, 0), syn()]
    if modifier is not None:
        events += [event(e.EV_KEY, modifier, 0), syn()]
    return events


def enter(code: int = e.KEY_ENTER) -> list[InputEvent]:
    return press(code)


def type_text(text: str, layout: Keymap | str) -> list[InputEvent]:
    """Events typing `text` then Enter, found through the layout (for round trips; explicit tests spell keys out)."""
    keymap = layout_named(layout) if isinstance(layout, str) else layout
    where: dict[str, tuple[int, int]] = {}
    for code, symbols in sorted(keymap.items()):
        for level, char in enumerate(symbols):
            where.setdefault(char, (code, level))
    events: list[InputEvent] = []
    for char in text:
        code, level = where[char]
        events += press(code, shift=level == 1, altgr=level == 2)
    return events + enter()
