"""Totals as the SII recomputes them (NOTES §4): the documented examples and properties over many documents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.money import round_half_up
from appliance.sii.amounts import ILA_RATES, compute_totals, line_amount, quantity_decimal
from appliance.sii.doctypes import TipoDTE
from appliance.sii.errors import DocumentInvalid
from appliance.sii.spec import GlobalDiscount, Line, LineKind


def unit(name: str, quantity: int, price: int, **kwargs: object) -> Line:
    return Line(name=name, quantity_milli=quantity * 1000, unit_price=price, **kwargs)  # type: ignore[arg-type]


def test_round_half_up_is_not_bankers_rounding() -> None:
    assert round(1492.5) == 1492  # Python's round: half to even
    assert round_half_up(Decimal("1492.5")) == 1493  # the SII's
    assert line_amount(1000, Decimal("1492.5")) == 1493


def test_boleta_gross_lines_split_into_neto_and_iva() -> None:
    totals = compute_totals(
        TipoDTE.BOLETA,
        [unit("Pan", 2, 1000), unit("Leche", 1, 1500), unit("Huevo", 3, 500)],
        gross=True,
    )
    assert (totals.neto, totals.iva, totals.total) == (4202, 798, 5000)


def test_factura_net_lines() -> None:
    totals = compute_totals(TipoDTE.FACTURA, [unit("Bebida", 450, 70)], gross=False)
    assert (totals.neto, totals.iva, totals.total) == (31500, 5985, 37485)


def test_factura_with_ila_24_itemises_the_additional_tax() -> None:
    totals = compute_totals(TipoDTE.FACTURA, [unit("Pisco", 1, 1000, ila_code=24)], gross=False)
    assert (totals.neto, totals.iva, totals.total) == (1000, 190, 1505)
    assert [(tax.code, tax.rate, tax.amount) for tax in totals.taxes] == [(24, Decimal("31.5"), 315)]


def test_ila_rates_are_the_sii_codes() -> None:
    assert {
        24: Decimal("31.5"),
        25: Decimal("20.5"),
        26: Decimal("20.5"),
        27: Decimal("10"),
        271: Decimal("18"),
    } == ILA_RATES


def test_weighed_item_quantity_and_amount() -> None:
    assert quantity_decimal(1250) == Decimal("1.25")
    assert str(quantity_decimal(3000)) == "3"
    assert str(quantity_decimal(1)) == "0.001"
    # 1,250 kg × $12.990 = 16.237,5 → 16.238 (half up), minus a $500 line discount.
    assert line_amount(1250, 12990) == 16238
    assert line_amount(1250, 12990, 500) == 15738


def test_boleta_deposit_is_exempt_and_factura_deposit_is_grntdep() -> None:
    lines = [unit("Bebida 2 L", 1, 2190), unit("Envase 2 L", 1, 450, kind=LineKind.DEPOSITO)]
    boleta = compute_totals(TipoDTE.BOLETA, lines, gross=True)
    assert (boleta.exento, boleta.deposito, boleta.total) == (450, 0, 2640)
    factura = compute_totals(TipoDTE.FACTURA, lines, gross=False)
    assert (factura.exento, factura.deposito) == (0, 450)
    assert factura.total == 2190 + iva(2190) + 450


def test_global_discount_on_boleta_and_percentage_discount() -> None:
    lines = [unit("Arroz", 2, 1500), unit("Aceite", 1, 2990)]
    fixed = compute_totals(TipoDTE.BOLETA, lines, [GlobalDiscount(value=990)], gross=True)
    assert fixed.discount_amounts == (990,)
    assert fixed.total == 5000
    percent = compute_totals(TipoDTE.BOLETA, lines, [GlobalDiscount(value=Decimal("10"), percent=True)], gross=True)
    assert percent.discount_amounts == (599,)  # 10 % of 5.990 = 599
    assert percent.total == 5391


def test_global_discount_reduces_the_ila_base_proportionally() -> None:
    lines = [unit("Cerveza", 10, 1000, ila_code=26), unit("Pan", 10, 1000)]
    totals = compute_totals(TipoDTE.FACTURA, lines, [GlobalDiscount(value=Decimal("10"), percent=True)], gross=False)
    assert totals.neto == 18000
    assert [(tax.code, tax.base, tax.amount) for tax in totals.taxes] == [(26, 9000, 1845)]


@pytest.mark.parametrize(
    ("tipo", "lines", "message"),
    [
        (TipoDTE.BOLETA, [], "no tiene líneas"),
        (TipoDTE.FACTURA_EXENTA, [unit("Queso", 1, 1000)], "afecto a IVA"),
        (TipoDTE.FACTURA, [unit("Libro", 1, 1000, kind=LineKind.EXENTO)], "factura exenta"),
        (TipoDTE.FACTURA, [unit("Vodka", 1, 1000, ila_code=99)], "impuesto adicional 99"),
        (TipoDTE.BOLETA, [unit("Pan", 1, 100, discount=200)], "descuento es mayor"),
        (TipoDTE.FACTURA, [unit("Pan", 1, 1000)] * 61, "hasta 60 líneas"),
        (TipoDTE.BOLETA, [Line(name="Pan", quantity_milli=1000, unit_price=Decimal("1.0000001"))], "6 decimales"),
    ],
)
def test_rejected_combinations(tipo: TipoDTE, lines: list[Line], message: str) -> None:
    with pytest.raises(DocumentInvalid, match=message):
        compute_totals(tipo, lines, gross=tipo.is_boleta)


def iva(neto: int) -> int:
    return round_half_up(Decimal(neto) * Decimal("0.19"))


line_strategy = st.builds(
    Line,
    name=st.just("x"),
    quantity_milli=st.integers(min_value=1, max_value=50_000),
    unit_price=st.one_of(
        st.integers(min_value=1, max_value=200_000),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("200000"), places=2),
    ),
    kind=st.sampled_from(list(LineKind)),
    ila_code=st.one_of(st.none(), st.sampled_from(sorted(ILA_RATES))),
)


def plausible(line: Line) -> Line:
    # Exempt lines carry no ILA: drop it rather than filter the example away.
    return line if line.kind is LineKind.AFECTO else Line(**{**line.__dict__, "ila_code": None})


@given(lines=st.lists(line_strategy, min_size=1, max_size=20), tipo=st.sampled_from([TipoDTE.BOLETA, TipoDTE.FACTURA]))
def test_total_is_the_sum_of_its_parts(lines: list[Line], tipo: TipoDTE) -> None:
    lines = [plausible(line) for line in lines]
    if tipo is TipoDTE.FACTURA and all(line.kind is LineKind.EXENTO for line in lines):
        return  # rejected on purpose, tested above
    totals = compute_totals(tipo, lines, gross=tipo.is_boleta)
    assert totals.neto + totals.iva + totals.taxes_total + totals.exento + totals.deposito == totals.total
    afecto = sum(a for a, line in zip(totals.line_amounts, lines, strict=True) if line.kind is LineKind.AFECTO)
    if tipo.is_boleta:
        # Gross lines: the document's total is exactly what the lines add up to; IVA takes the rounding.
        assert totals.total == sum(totals.line_amounts)
        assert totals.neto == round_half_up(Decimal(afecto) / Decimal("1.19"))
    else:
        assert totals.iva == iva(totals.neto)
        for tax in totals.taxes:
            assert tax.amount == round_half_up(Decimal(tax.base) * tax.rate / 100)


@given(
    quantity=st.integers(min_value=1, max_value=999_999),
    price=st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("999999"), places=6),
    discount_share=st.floats(min_value=0, max_value=1),
)
def test_monto_item_is_quantity_times_price_minus_discount(
    quantity: int, price: Decimal, discount_share: float
) -> None:
    gross = Decimal(quantity) / 1000 * price
    discount = int(gross * Decimal(str(discount_share)))
    assert line_amount(quantity, price, discount) == round_half_up(gross - discount)
