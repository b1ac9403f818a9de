"""Spanish text on a single-byte code page, and column layout on 32, 42 and 48 characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.printing import CP850, PAPER_58MM, PAPER_80MM, PAPER_80MM_42, ReceiptBuilder, Row
from drivers.printing.layout import TextLine, lay_out, row_lines

SPANISH = "Cañería ¿Año? ¡Sí! ° ü ÁÉÍÓÚ Ñandú º ª"


def test_every_spanish_character_is_printable_in_cp850() -> None:
    assert CP850.sanitize(SPANISH) == SPANISH
    assert CP850.encode(SPANISH).decode("cp850") == SPANISH


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("“Oferta” – 2×1 … €5", '"Oferta" - 2×1 . E5'),
        ("Ação crème brûlée", "Ação crème brûlée"),  # all in CP850
        ("Łódź Ærø ő", "Lódz Ærø o"),  # unaccented base letters where CP850 lacks the letter
        ("Café 🙂 日本", "Café ? ??"),
        ("e\u0301", "é"),  # decomposed accents are composed first
        ("Bebida\x1b@\x10\x04\x01 fría\ttab", "Bebida?@??? fría tab"),  # no command injection
    ],
)
def test_characters_outside_the_code_page_get_a_one_character_stand_in(text: str, printed: str) -> None:
    assert CP850.sanitize(text) == printed


@given(st.text())
def test_sanitize_never_fails_and_keeps_one_character_per_character(text: str) -> None:
    import unicodedata

    printed = CP850.sanitize(text)
    assert len(printed) == len(unicodedata.normalize("NFC", text))
    encoded = printed.encode("cp850")
    assert len(encoded) == len(printed)
    assert all(byte >= 0x20 and byte != 0x7F for byte in encoded)


@pytest.mark.parametrize("profile", [PAPER_58MM, PAPER_80MM_42, PAPER_80MM], ids=lambda p: p.name)
def test_amounts_are_right_aligned_and_descriptions_wrap(profile: object) -> None:
    from drivers.printing import PrinterProfile

    assert isinstance(profile, PrinterProfile)
    width = profile.columns
    receipt = (
        ReceiptBuilder()
        .row("Queso Mantecoso Laminado Colún 250 g Oferta Fin de Semana", "$3.990", widths=(10,))
        .row("Pan", "$600", widths=(10,))
        .row("Plátano", "1,250 kg", "$16.238", widths=(9, 10))
        .build()
    )
    lines = [item.text for item in lay_out(receipt, profile) if isinstance(item, TextLine)]
    assert all(len(line) <= width for line in lines)
    amount_lines = [line for line in lines if line.endswith(("$3.990", "$600", "$16.238"))]
    assert len(amount_lines) == 3
    assert {len(line) for line in amount_lines} == {width}  # every amount ends in the last column
    assert lines[0].startswith("Queso Mantecoso")
    # The description continues under itself and nothing of it is lost.
    description = " ".join(line[: width - 11].strip() for line in lines[: lines.index(amount_lines[1])])
    assert " ".join(description.split()) == "Queso Mantecoso Laminado Colún 250 g Oferta Fin de Semana"
    assert lines[-1].endswith(" 1,250 kg    $16.238")


def test_58mm_row_wraps_at_word_boundaries() -> None:
    lines = row_lines(Row(("Bebida Coca-Cola Sin Azúcar 1,5 L Desechable", "$2.290"), (10,)), 32)
    # 32 columns: 21 for the description, a space, 10 for the amount.
    assert lines == [f"{'Bebida Coca-Cola Sin':<21} {'$2.290':>10}", "Azúcar 1,5 L", "Desechable"]


def test_max_lines_truncates_the_description() -> None:
    row = Row(("Queso Mantecoso Laminado Colún 250 g Oferta Fin de Semana", "$3.990"), (10,), max_lines=1)
    assert row_lines(row, 32) == [f"{'Queso Mantecoso Lamin'} {'$3.990':>10}"]
    row = Row(row.cells, row.widths, max_lines=2)
    assert row_lines(row, 32) == [f"{'Queso Mantecoso':<21} {'$3.990':>10}", "Laminado Colún 250 g"]


def test_long_words_are_broken_rather_than_overflowing() -> None:
    assert row_lines(
        Row(
            ("Supercalifragilisticoespialidoso", "$1"),
        ),
        20,
    ) == [
        "Supercalifragilis $1",
        "ticoespialidoso",
    ]


def test_amounts_too_wide_for_the_paper_go_on_their_own_line() -> None:
    assert row_lines(Row(("Caja de vino tinto", "24 x $12.990", "$311.760")), 24) == [
        "Caja de vino tinto",
        "   24 x $12.990 $311.760",
    ]


def test_text_wraps_to_half_the_width_when_double_width() -> None:
    receipt = ReceiptBuilder().text("BOLETA ELECTRÓNICA N° 1234", double_width=True, align="center").build()
    lines = lay_out(receipt, PAPER_58MM)
    assert [item.text for item in lines if isinstance(item, TextLine)] == ["BOLETA", "ELECTRÓNICA N°", "1234"]


@given(
    description=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120),
    amount=st.integers(0, 99_999_999).map(lambda n: f"${n:,}".replace(",", ".")),
    width=st.sampled_from([32, 42, 48]),
    max_lines=st.one_of(st.none(), st.integers(1, 3)),
)
def test_rows_never_exceed_the_paper(description: str, amount: str, width: int, max_lines: int | None) -> None:
    row = Row((CP850.sanitize(description), amount), (12,), max_lines=max_lines)
    lines = row_lines(row, width)
    assert all(len(line) <= width for line in lines)
    assert lines[0].endswith(amount)
    if max_lines is not None:
        assert len(lines) <= max_lines
