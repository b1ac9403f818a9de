"""The promotions engine: pack price, percentage for a period, lleve N pague M; one promotion per line."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from appliance.sales.promotions import PricedLine, Rule, apply

DAY = date(2026, 11, 20)


def unit(line_no: int, product_id: int, units: int, price: int, *, manual: bool = False) -> PricedLine:
    return PricedLine(line_no, product_id, units * 1000, price, weighed=False, manual=manual)


def test_pack_price_three_for_two_thousand() -> None:
    rule = Rule(1, "Yogur", "pack", frozenset({10}), quantity=3, price=2_000)
    # 7 yogurts at $790: two packs ($4.000 instead of $4.740) and one at list price.
    applied = apply([unit(1, 10, 7, 790)], [rule], DAY)
    assert applied[1].discount == 740 and applied[1].label == "3 x $2.000"
    assert apply([unit(1, 10, 2, 790)], [rule], DAY) == {}  # not a full pack yet


def test_pack_across_a_group_takes_the_dearest_units_and_splits_the_saving() -> None:
    rule = Rule(1, "Galletas", "pack", frozenset({10, 11}), quantity=3, price=2_000)
    lines = [unit(1, 10, 2, 900), unit(2, 11, 2, 700)]  # 900+900+700 = 2.500 in the pack, one 700 outside
    applied = apply(lines, [rule], DAY)
    assert sum(a.discount for a in applied.values()) == 500
    assert (applied[1].discount, applied[2].discount) == (360, 140)  # 500 × 1.800/2.500 and × 700/2.500


def test_a_pack_dearer_than_the_list_price_gives_nothing() -> None:
    rule = Rule(1, "Mal configurada", "pack", frozenset({10}), quantity=3, price=3_000)
    assert apply([unit(1, 10, 3, 500)], [rule], DAY) == {}


def test_percentage_for_a_period_only_inside_the_period() -> None:
    rule = Rule(2, "Lácteos", "percent", frozenset({10}), percent=15, starts_on=date(2026, 11, 1), ends_on=DAY)
    weighed = PricedLine(1, 10, 1_250, 2_490, weighed=True)  # 1,250 kg: $3.113, 15 % = 466,95 → 467
    assert apply([weighed], [rule], DAY)[1].discount == 467
    assert apply([weighed], [rule], date(2026, 11, 21)) == {}
    assert apply([weighed], [rule], date(2026, 10, 31)) == {}


def test_lleve_tres_pague_dos_frees_the_cheapest() -> None:
    rule = Rule(3, "Bebidas", "nxm", frozenset({10, 11}), quantity=3, pay=2)
    lines = [unit(1, 10, 2, 1_500), unit(2, 11, 4, 1_000)]  # 6 units: two sets, two free (the $1.000 ones)
    applied = apply(lines, [rule], DAY)
    assert applied == {2: applied[2]} and applied[2].discount == 2_000
    assert applied[2].label == "Lleve 3 pague 2"


def test_one_promotion_per_line_and_none_on_manual_prices() -> None:
    first = Rule(1, "A", "percent", frozenset({10}), percent=10)
    second = Rule(2, "B", "percent", frozenset({10}), percent=50)
    assert apply([unit(1, 10, 1, 1_000)], [second, first], DAY)[1].rule_id == 1  # oldest first, once
    assert apply([unit(1, 10, 1, 1_000, manual=True)], [first], DAY) == {}


@given(
    units=st.lists(st.tuples(st.integers(1, 12), st.integers(10, 5_000)), min_size=1, max_size=6),
    size=st.integers(2, 6),
    pay_gap=st.integers(1, 5),
    pack_price=st.integers(1, 20_000),
)
def test_promotions_never_charge_more_nor_below_zero(
    units: list[tuple[int, int]], size: int, pay_gap: int, pack_price: int
) -> None:
    lines = [unit(n, 10, q, p) for n, (q, p) in enumerate(units, start=1)]
    regular = {ln.line_no: ln.unit_price * ln.quantity // 1000 for ln in lines}
    rules = [
        Rule(1, "pack", "pack", frozenset({10}), quantity=size, price=pack_price),
        Rule(2, "nxm", "nxm", frozenset({10}), quantity=size, pay=max(1, size - pay_gap)),
    ]
    for rule in rules:
        applied = apply(lines, [rule], DAY)
        for line_no, a in applied.items():
            assert 0 < a.discount <= regular[line_no]
        if rule.kind == "nxm":
            total_units = sum(q for q, _ in units)
            free = (total_units // size) * (size - (rule.pay or 0))
            cheapest = sorted(p for q, p in units for _ in range(q))[:free]
            assert sum(a.discount for a in applied.values()) == sum(cheapest)
        else:
            total_units = sum(q for q, _ in units)
            packs = total_units // size
            dearest = sorted((p for q, p in units for _ in range(q)), reverse=True)[: packs * size]
            expected = max(0, sum(dearest) - packs * pack_price)
            assert sum(a.discount for a in applied.values()) == expected
