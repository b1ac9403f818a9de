"""Paying a sale: cash rounding only on the cash part, mixed tenders, change; examples and properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.db.models import PaymentMethod as M
from appliance.sales.tenders import Tender, TenderError, quick_tenders, settle


def test_cash_only_rounds_the_cash_part_and_gives_change() -> None:
    s = settle(1_234, [Tender(M.EFECTIVO, 2_000)])
    assert s.cash_due == 1_230 and s.rounding == -4 and s.change == 770 and s.total == 1_234
    s = settle(1_236, [Tender(M.EFECTIVO, 1_240)])
    assert s.cash_due == 1_240 and s.rounding == 4 and s.change == 0


def test_cards_are_never_rounded() -> None:
    s = settle(1_234, [Tender(M.DEBITO, 1_234, "123456")])
    assert s.rounding == 0 and s.cash_due == 0 and s.payments[0].reference == "123456"


def test_mixed_cash_and_debit_rounds_only_what_is_left_in_cash() -> None:
    s = settle(10_999, [Tender(M.DEBITO, 5_000), Tender(M.EFECTIVO, 10_000)])
    assert s.cash_due == 6_000 and s.rounding == 1 and s.change == 4_000


@pytest.mark.parametrize(
    ("total", "tenders", "message"),
    [
        (1_000, [], "Indique cómo paga"),
        (1_000, [Tender(M.DEBITO, 1_500)], "no se les da vuelto"),
        (1_000, [Tender(M.DEBITO, 600)], "Faltan $400"),
        (1_000, [Tender(M.EFECTIVO, 500)], "faltan $500"),
        (1_000, [Tender(M.DEBITO, 1_000), Tender(M.EFECTIVO, 100)], "quite el pago en efectivo"),
        (1_000, [Tender(M.EFECTIVO, 0)], "mayor que cero"),
    ],
)
def test_bad_tenders_say_why(total: int, tenders: list[Tender], message: str) -> None:
    with pytest.raises(TenderError, match=re.escape(message)):
        settle(total, tenders)


def test_quick_tender_buttons() -> None:
    assert quick_tenders(3_456) == [3_460, 4_000, 5_000, 10_000, 20_000]
    assert quick_tenders(995) == [990, 1_000, 2_000, 5_000, 10_000]  # 995 rounds down: ends in 5


amounts = st.integers(min_value=1, max_value=2_000_000)


@given(total=amounts, card_share=st.floats(min_value=0, max_value=1), extra=st.integers(0, 50_000))
def test_mixed_settlement_properties(total: int, card_share: float, extra: int) -> None:
    card = int(total * card_share)
    tenders = [Tender(M.DEBITO, card)] if card else []
    remainder = total - card
    if remainder:
        tenders.append(Tender(M.EFECTIVO, remainder + 5 + extra))  # always enough after rounding up to 5
    s = settle(total, tenders)
    covered = sum(p.amount for p in s.payments)
    assert covered == total + s.rounding  # what the payments cover is the total plus the rounding
    assert abs(s.rounding) <= 5 and s.cash_due % 10 == 0
    assert all(p.amount == card for p in s.payments if p.method == M.DEBITO)
    handed = sum(t.amount for t in tenders if t.method == M.EFECTIVO)
    assert s.change == handed - s.cash_due >= 0
    if not remainder:
        assert s.rounding == 0
