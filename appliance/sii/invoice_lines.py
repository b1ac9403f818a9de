"""A factura at the counter: the shelf shows gross prices, a factura carries net ones with IVA and ILA on top.

The net unit price is the gross one divided by (1 + IVA + the line's ILA rate), kept to the 6 decimals PrcItem allows,
so that the factura's total comes back to the shelf price give or take a peso of rounding. The buyer can then use
the IVA and the ILA as credit, which a boleta would not allow.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from appliance.core.money import IVA_RATE, round_half_up
from appliance.sii.amounts import ILA_RATES
from appliance.sii.spec import Line, LineKind

_SIX = Decimal("0.000001")


def net_line(
    name: str,
    quantity_milli: int,
    gross_unit_price: int,
    gross_discount: int,
    *,
    exempt: bool,
    deposit: bool,
    ila_code: int | None,
    weighed: bool,
    code: str = "",
) -> Line:
    if exempt or deposit:
        return Line(
            name=name,
            quantity_milli=quantity_milli,
            unit_price=gross_unit_price,
            discount=gross_discount,
            kind=LineKind.DEPOSITO if deposit else LineKind.EXENTO,
            weighed=weighed,
            code=code,
        )
    factor = 1 + IVA_RATE + (ILA_RATES[ila_code] / 100 if ila_code in ILA_RATES else 0)
    net_price = (Decimal(gross_unit_price) / factor).quantize(_SIX, rounding=ROUND_HALF_UP)
    # Never more than the line is worth net: a free unit (lleve N pague M, 100 %) would otherwise round above it.
    net_value = (net_price * quantity_milli / 1000).to_integral_value(rounding=ROUND_DOWN)
    return Line(
        name=name,
        quantity_milli=quantity_milli,
        unit_price=net_price.normalize() if net_price != net_price.to_integral() else int(net_price),
        discount=min(round_half_up(Decimal(gross_discount) / factor), int(net_value)),
        kind=LineKind.AFECTO,
        ila_code=ila_code if ila_code in ILA_RATES else None,
        weighed=weighed,
        code=code,
    )
