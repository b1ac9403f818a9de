"""Keyboard-wedge decoding from synthetic evdev events, per layout: the keys are spelled out by hand here."""

from __future__ import annotations

import pytest
from evdev import InputEvent
from evdev import ecodes as e
from hypothesis import given
from hypothesis import strategies as st

from drivers.scanner import LAYOUTS, KeyDecoder
from tests.drivers.evdev_keys import enter, event, press, syn, type_text


def decode_all(events: list[InputEvent], layout: str) -> list[str]:
    decoder = KeyDecoder(layout)
    return [code for ev in events if (code := decoder.feed(ev)) is not None]


def keys(*spec: tuple[int, str]) -> list[InputEvent]:
    """(key, modifiers) pairs: "" plain, "S" shift, "G" AltGr; then Enter."""
    events: list[InputEvent] = []
    for code, modifiers in spec:
        events += press(code, shift="S" in modifiers, altgr="G" in modifiers)
    return events + enter()


# "AB-12/x" as a scanner set to each layout types it.
_AB, _12, _X = ((e.KEY_A, "S"), (e.KEY_B, "S")), ((e.KEY_1, ""), (e.KEY_2, "")), (e.KEY_X, "")
AB_12_X = {
    "us": keys(*_AB, (e.KEY_MINUS, ""), *_12, (e.KEY_SLASH, ""), _X),
    "latam": keys(*_AB, (e.KEY_SLASH, ""), *_12, (e.KEY_7, "S"), _X),  # '-' right of '.', '/' is Shift+7
    "es": keys(*_AB, (e.KEY_SLASH, ""), *_12, (e.KEY_7, "S"), _X),
}


@pytest.mark.parametrize("layout", ["us", "latam", "es"])
def test_letters_digits_dash_and_slash(layout: str) -> None:
    assert decode_all(AB_12_X[layout], layout) == ["AB-12/x"]


def test_decoding_with_the_wrong_layout_garbles() -> None:
    # Why the layout must match the scanner's setting: US key presses read as latam.
    assert decode_all(AB_12_X["us"], "latam") == ["AB'12-x"]
    assert decode_all(AB_12_X["latam"], "us") == ["AB/12&x"]


@pytest.mark.parametrize(
    ("layout", "spec", "expected"),
    [
        ("us", [(e.KEY_2, "S"), (e.KEY_3, "S"), (e.KEY_EQUAL, "S"), (e.KEY_SEMICOLON, "S")], "@#+:"),
        ("latam", [(e.KEY_2, "G"), (e.KEY_Q, "G"), (e.KEY_3, "S"), (e.KEY_RIGHTBRACE, ""), (e.KEY_DOT, "S")], "@@#+:"),
        ("es", [(e.KEY_2, "G"), (e.KEY_3, "G"), (e.KEY_3, "S"), (e.KEY_RIGHTBRACE, "S"), (e.KEY_DOT, "S")], "@#·*:"),
        ("latam", [(e.KEY_SEMICOLON, ""), (e.KEY_SEMICOLON, "S"), (e.KEY_0, "S"), (e.KEY_MINUS, "S")], "ñÑ=?"),
        ("es", [(e.KEY_BACKSLASH, ""), (e.KEY_GRAVE, ""), (e.KEY_SLASH, "S"), (e.KEY_102ND, "S")], "çº_>"),
        ("latam", [(e.KEY_GRAVE, ""), (e.KEY_APOSTROPHE, ""), (e.KEY_BACKSLASH, "S")], "|{]"),
    ],
)
def test_symbols_that_differ(layout: str, spec: list[tuple[int, str]], expected: str) -> None:
    assert decode_all(keys(*spec), layout) == [expected]


@pytest.mark.parametrize(
    ("layout", "spec", "expected"),
    [
        ("es", [(e.KEY_APOSTROPHE, ""), (e.KEY_A, "")], "á"),  # dead acute + a
        ("latam", [(e.KEY_LEFTBRACE, ""), (e.KEY_E, "S")], "É"),
        ("latam", [(e.KEY_LEFTBRACE, "S"), (e.KEY_U, "")], "ü"),  # dead diaeresis
        ("es", [(e.KEY_LEFTBRACE, "S"), (e.KEY_SPACE, "")], "^"),  # dead circumflex + space → ^
        ("latam", [(e.KEY_LEFTBRACE, ""), (e.KEY_1, "")], "´1"),  # nothing to accent: both stand
        ("es", [(e.KEY_1, ""), (e.KEY_LEFTBRACE, "")], "1`"),  # dead key right before Enter
    ],
)
def test_dead_keys(layout: str, spec: list[tuple[int, str]], expected: str) -> None:
    assert decode_all(keys(*spec), layout) == [expected]


def test_scans_split_by_enter_and_keypad_enter() -> None:
    events = type_text("7801234567890", "us") + press(e.KEY_KP4) + press(e.KEY_KP2) + enter(e.KEY_KPENTER)
    events += enter()  # a bare Enter is not a scan
    events += type_text("ABC", "us")
    assert decode_all(events, "us") == ["7801234567890", "42", "ABC"]


def test_key_up_and_auto_repeat_do_not_type() -> None:
    events = [event(e.EV_KEY, e.KEY_5, 1), syn(), *[event(e.EV_KEY, e.KEY_5, 2) for _ in range(5)]]
    events += [event(e.EV_KEY, e.KEY_5, 0), syn(), event(e.EV_KEY, e.KEY_5, 0)]
    assert decode_all(events + enter(), "us") == ["5"]


def test_held_shift_with_repeats_stays_held() -> None:
    events = [event(e.EV_KEY, e.KEY_LEFTSHIFT, 1), event(e.EV_KEY, e.KEY_LEFTSHIFT, 2)]
    events += [*press(e.KEY_A), event(e.EV_KEY, e.KEY_LEFTSHIFT, 2), *press(e.KEY_B)]
    events += [event(e.EV_KEY, e.KEY_LEFTSHIFT, 0), *press(e.KEY_C)]
    assert decode_all(events + enter(), "us") == ["ABc"]


def test_unknown_keys_and_control_chords_type_nothing() -> None:
    events = press(e.KEY_TAB) + press(e.KEY_F5) + press(e.KEY_9)
    events += [event(e.EV_KEY, e.KEY_LEFTCTRL, 1), *press(e.KEY_J), event(e.EV_KEY, e.KEY_LEFTCTRL, 0)]
    events += [event(e.EV_LED, e.LED_CAPSL, 1), *press(e.KEY_CAPSLOCK), *press(e.KEY_Z)]
    assert decode_all(events + enter(), "us") == ["9z"]


def test_reset_drops_a_half_scan() -> None:
    decoder = KeyDecoder("us")
    for ev in [event(e.EV_KEY, e.KEY_LEFTSHIFT, 1), *press(e.KEY_1)]:
        decoder.feed(ev)
    decoder.reset()
    assert [c for ev in type_text("2", "us") if (c := decoder.feed(ev))] == ["2"]


def test_unknown_layout() -> None:
    with pytest.raises(ValueError, match="known: us, latam, es"):
        KeyDecoder("fr")


BARCODE_CHARS = (
    st.text(
        alphabet=st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-./+$%*: "), min_size=1
    )
    .map(str.strip)
    .filter(bool)
)


@pytest.mark.parametrize("layout", list(LAYOUTS))
@given(text=BARCODE_CHARS)
def test_any_code128_text_round_trips(layout: str, text: str) -> None:
    assert decode_all(type_text(text, layout), layout) == [text]
