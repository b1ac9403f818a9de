"""The timbre's own raster path against pdf417gen's: the same codewords, the same error correction, the same dots.

The raster is drawn here (whole rows of bits, a packed error correction, a table-driven compaction) because
pdf417gen's module-by-module drawing, its error correction and its compaction held the interpreter for ~10 ms a
receipt; these tests pin it to pdf417gen's output so that the decode tests in test_printer_escpos.py and the
reference renderer cannot drift apart.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdf417gen import encode, render_image
from pdf417gen.compaction import compact as reference_compact
from pdf417gen.error_correction import compute_error_correction_code_words
from PIL import Image

from drivers.printing import pdf417, pdf417_compaction
from tests.drivers.printer_doubles import ted_payload


def reference_raster(payload: bytes, symbol: pdf417.Pdf417Plan) -> Image.Image:
    codes = encode(payload, columns=symbol.columns, security_level=symbol.error_correction)
    image = render_image(codes, scale=symbol.module_dots, ratio=symbol.row_modules, padding=2 * symbol.module_dots)
    return image.convert("1", dither=Image.Dither.NONE)


@pytest.mark.parametrize("level", range(9))
def test_error_correction_matches_pdf417gen_at_every_level(level: int) -> None:
    rng = random.Random(level)
    for length in (1, 2, 17, 300, 928 - 2 ** (level + 1)):
        words = [rng.randrange(929) for _ in range(length)]
        assert pdf417.error_correction(words, level) == compute_error_correction_code_words(words, level)


def test_error_correction_refuses_more_codewords_than_a_symbol_holds() -> None:
    with pytest.raises(ValueError, match="928"):
        pdf417.error_correction([1] * 929, 5)


@pytest.mark.parametrize(("printable_dots", "max_module_dots"), [(576, 2), (384, 2), (576, 1)])
def test_the_timbre_raster_is_pdf417gens_dot_for_dot(printable_dots: int, max_module_dots: int) -> None:
    payload = ted_payload()
    symbol = pdf417.plan(payload, printable_dots=printable_dots, dpi=203, max_module_dots=max_module_dots)
    mine, reference = pdf417.raster(payload, symbol), reference_raster(payload, symbol)
    assert (mine.mode, mine.size) == (reference.mode, reference.size)
    assert mine.tobytes() == reference.tobytes()


@settings(max_examples=40, deadline=None)
@given(payload=st.binary(min_size=1, max_size=700))
def test_any_payload_rasters_as_pdf417gen_draws_it(payload: bytes) -> None:
    symbol = pdf417.plan(payload, printable_dots=576, dpi=203)
    assert pdf417.raster(payload, symbol).tobytes() == reference_raster(payload, symbol).tobytes()


# Runs of each kind the compaction tells apart: digits (long and short), text in every submode, other bytes.
_PIECES = st.sampled_from(
    [b"0123456789012345", b"42", b"ABC", b"abc", b"#$%&", b"<DD><RE>", b"\t\n\r ", b"\xe9\xf1\x00", b"\xff" * 6]
)


@settings(max_examples=300, deadline=None)
@given(payload=st.one_of(st.binary(max_size=300), st.lists(_PIECES, max_size=40).map(b"".join)))
def test_compaction_makes_pdf417gens_codewords(payload: bytes) -> None:
    assert pdf417_compaction.compact(payload) == list(reference_compact(payload))


def test_the_timbre_compacts_as_pdf417gen_compacts_it() -> None:
    payload = ted_payload()
    assert pdf417_compaction.compact(payload) == list(reference_compact(payload))
    assert pdf417_compaction.compact(b"") == []
