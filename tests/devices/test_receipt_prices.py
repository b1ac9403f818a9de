"""A factura's net unit prices carry up to 6 decimals (PrcItem): the paper shows them to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from appliance.devices.receipts import _money


@pytest.mark.parametrize(
    ("price", "shown"),
    [
        ("12990", "$12.990"),
        ("840.333334", "$840,33"),
        ("840.005", "$840,01"),
        ("840.996", "$841,00"),  # the cents alone rounded to 100 and printed "$840,100"
        ("1234567.891", "$1.234.567,89"),
        ("-0.5", "-$0,50"),
    ],
)
def test_net_unit_prices_are_printed_to_the_cent(price: str, shown: str) -> None:
    assert _money(Decimal(price)) == shown
