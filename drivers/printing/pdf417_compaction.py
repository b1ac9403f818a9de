"""PDF417 data compaction (ISO 15438 §5.4): bytes to data codewords, exactly as pdf417gen's `compact` makes them.

pdf417gen walks the payload through chains of generators and dictionary lookups, a few microseconds a byte: half of
what drawing a receipt's timbre cost (~5 ms for a TED of ~760 bytes), on the printer thread that shares the
interpreter with the counter's requests. Here the same steps run over whole runs of bytes, with pdf417gen's own
character and switch tables turned into one lookup per byte: the runs (digits, text, other bytes) found by one
regular expression, short digit runs next to text kept as text, each text run starting in upper case, the same
latch codes. tests/drivers/test_pdf417_raster.py checks the codewords against pdf417gen's.
"""

from __future__ import annotations

import re

from pdf417gen.data import CHARACTERS_LOOKUP, SWITCH_CODES, Submode
from pdf417gen.util import switch_base, to_base

TEXT_LATCH = 900
BYTE_LATCH = 901
BYTE_LATCH_SIX = 924  # byte compaction of a multiple of 6 bytes
NUMERIC_LATCH = 902
_PAD = 29  # a switch in every text submode: pads an odd number of text values
_SHORT_DIGITS = 13  # fewer digits than this next to text are cheaper as text (ISO 15438 §5.4.4)
_DIGITS_PER_GROUP = 44
_NUMERIC, _TEXT, _BYTES = "n", "t", "b"
# pdf417gen's order of preference when a character is not in the current submode.
_PREFERENCE = (Submode.LOWER, Submode.UPPER, Submode.MIXED, Submode.PUNCT)


def _text_steps() -> dict[int, dict[int, tuple[tuple[int, ...], int]]]:
    """For each submode and text byte: the values to emit (any switch, then the character) and the next submode."""
    steps: dict[int, dict[int, tuple[tuple[int, ...], int]]] = {}
    for current in _PREFERENCE:
        row = steps[current] = {}
        for char, modes in CHARACTERS_LOOKUP.items():
            if current in modes:
                row[char] = ((modes[current],), current)
            else:
                chosen = next(mode for mode in _PREFERENCE if mode in modes)
                row[char] = ((*SWITCH_CODES[current][chosen], modes[chosen]), chosen)
    return steps


_STEPS = _text_steps()
_TEXT_CLASS = b"".join(re.escape(bytes([c])) for c in sorted(CHARACTERS_LOOKUP) if not 48 <= c <= 57)
_RUNS = re.compile(rb"(?P<n>[0-9]+)|(?P<t>[" + _TEXT_CLASS + rb"]+)|(?P<b>[^0-9" + _TEXT_CLASS + rb"]+)")


def compact(data: bytes) -> list[int]:
    """The data codewords for `data`, latches included, as `pdf417gen.compaction.compact` returns them."""
    runs: list[tuple[str, bytes]] = []
    for found in _RUNS.finditer(data):
        kind = found.lastgroup
        assert kind is not None
        runs.append((kind, found.group()))
    kinds = [kind for kind, _ in runs]
    merged: list[tuple[str, bytes]] = []
    for index, (kind, run) in enumerate(runs):
        if kind == _NUMERIC and len(run) < _SHORT_DIGITS:
            before = kinds[index - 1] if index > 0 else None
            after = kinds[index + 1] if index + 1 < len(kinds) else None
            if _TEXT in (before, after):  # the neighbours as they were split, as pdf417gen decides
                kind = _TEXT
        if merged and merged[-1][0] == kind:
            merged[-1] = (kind, merged[-1][1] + run)
        else:
            merged.append((kind, run))
    words: list[int] = []
    for ordinal, (kind, run) in enumerate(merged):
        if kind == _TEXT:
            if ordinal > 0:
                words.append(TEXT_LATCH)
            words += _text(run)
        elif kind == _NUMERIC:
            words.append(NUMERIC_LATCH)
            for start in range(0, len(run), _DIGITS_PER_GROUP):
                words += to_base(int(b"1" + run[start : start + _DIGITS_PER_GROUP]), 900)
        else:
            words.append(BYTE_LATCH_SIX if len(run) % 6 == 0 else BYTE_LATCH)
            words += _bytes(run)
    return words


def _text(run: bytes) -> list[int]:
    submode = Submode.UPPER  # every text run starts in upper case
    values: list[int] = []
    steps = _STEPS
    for char in run:
        emitted, submode = steps[submode][char]
        values += emitted
    if len(values) % 2:
        values.append(_PAD)
    return [30 * high + low for high, low in zip(values[::2], values[1::2], strict=True)]


def _bytes(run: bytes) -> list[int]:
    words: list[int] = []
    for start in range(0, len(run), 6):
        group = list(run[start : start + 6])
        if len(group) == 6:
            base900 = switch_base(group, 256, 900)
            words += [0] * (5 - len(base900)) + base900
        else:
            words += group
    return words
