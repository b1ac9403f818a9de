"""Pure values shared by every layer: money, quantities, RUT, barcodes, clock, text. No framework imports here."""

from appliance.core.barcodes import (
    InvalidBarcode,
    InvalidBarcodeLayout,
    VariableMeasureLayout,
    VariableMeasureScan,
    build_variable_measure,
    ean_check_digit,
    gtin_kind,
    is_valid_gtin,
    lookup_keys,
    parse_variable_measure,
    validate_barcode,
)
from appliance.core.clock import CHILE_TZ, Clock, FixedClock, SystemClock
from appliance.core.errors import DomainError
from appliance.core.money import (
    IVA_RATE,
    InvalidAmount,
    cash_rounding,
    format_clp,
    iva_on_net,
    parse_clp,
    round_half_up,
    split_gross,
)
from appliance.core.quantity import MILLI, InvalidQuantity, format_quantity, line_amount, parse_quantity
from appliance.core.rut import ANONYMOUS_RUT, SII_RUT, InvalidRut, Rut, compute_dv, is_valid_rut
from appliance.core.text import fold, to_latin1_safe, truncate

__all__ = [
    "ANONYMOUS_RUT",
    "CHILE_TZ",
    "IVA_RATE",
    "MILLI",
    "SII_RUT",
    "Clock",
    "DomainError",
    "FixedClock",
    "InvalidAmount",
    "InvalidBarcode",
    "InvalidBarcodeLayout",
    "InvalidQuantity",
    "InvalidRut",
    "Rut",
    "SystemClock",
    "VariableMeasureLayout",
    "VariableMeasureScan",
    "build_variable_measure",
    "cash_rounding",
    "compute_dv",
    "ean_check_digit",
    "fold",
    "format_clp",
    "format_quantity",
    "gtin_kind",
    "is_valid_gtin",
    "is_valid_rut",
    "iva_on_net",
    "line_amount",
    "lookup_keys",
    "parse_clp",
    "parse_quantity",
    "parse_variable_measure",
    "round_half_up",
    "split_gross",
    "to_latin1_safe",
    "truncate",
    "validate_barcode",
]
