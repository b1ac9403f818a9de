import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.text import fold, to_latin1_safe, truncate


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Ñandú Pequeño", "nandu pequeno"),
        ("AZÚCAR IANSA 1 KG", "azucar iansa 1 kg"),
        ("Pingüino", "pinguino"),
        ("Café  con   leche ", "cafe con leche"),
        ("Straße", "strasse"),
        ("Smørrebrød", "smorrebrod"),
        ("ﬁdeos", "fideos"),
        ("Cafe\u0301", "cafe"),  # decomposed accent, as macOS types it
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_makes_accents_irrelevant_to_search() -> None:
    assert fold("LIMÓN") in fold("Jugo de limon Watt's")


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("Pan amasado", "Pan amasado"),
        ("Ñandú, pingüino, año", "Ñandú, pingüino, año"),  # Spanish letters are Latin-1
        ("“Oferta” de ‘Don Pepe’", "\"Oferta\" de 'Don Pepe'"),
        ("Watt’s", "Watt's"),
        ("Leche — entera – 1 L", "Leche - entera - 1 L"),
        ("Vino 5 €", "Vino 5 EUR"),
        ("Pan 🍞 amasado", "Pan  amasado"),
        ("Torta 🎂", "Torta "),
        ("Espera…", "Espera..."),
        ("Cafe\u0301", "Café"),
        ("Łódź", "Lódz"),  # ó is Latin-1 and stays
        ("Ovo\u0151", "Ovoo"),
        ("a\x00b\x1fc\td\ne", "abc\td\ne"),
        ("a\x85b", "ab"),
        ("100\u202f000", "100 000"),
    ],
)
def test_to_latin1_safe(text: str, safe: str) -> None:
    assert to_latin1_safe(text) == safe


@given(st.text())
def test_to_latin1_safe_always_encodes(text: str) -> None:
    safe = to_latin1_safe(text)
    safe.encode("iso-8859-1")
    assert to_latin1_safe(safe) == safe


@given(st.text(alphabet=st.characters(codec="latin-1", exclude_categories=["Cc"])))
def test_to_latin1_safe_keeps_printable_latin1(text: str) -> None:
    assert to_latin1_safe(text) == text


def test_truncate() -> None:
    name = "Galletas de chocolate rellenas con crema de vainilla 140 g"
    assert truncate(name, 40) == name[:40]
    assert len(truncate(name, 40)) == 40
    assert truncate("Pan", 40) == "Pan"
    assert truncate("Pan", 0) == ""
    assert truncate(name, 10, ellipsis="...") == "Galleta..."
    assert truncate("Galletas", 8, ellipsis="...") == "Galletas"
    assert truncate("Galletas", 2, ellipsis="...") == "Ga"


def test_truncate_rejects_negative() -> None:
    with pytest.raises(ValueError):
        truncate("Pan", -1)


@given(st.text(), st.integers(min_value=0, max_value=50), st.sampled_from(["", ".", "..."]))
def test_truncate_fits(text: str, n: int, ellipsis: str) -> None:
    cut = truncate(text, n, ellipsis=ellipsis)
    assert len(cut) <= n
    if len(text) <= n:
        assert cut == text
