"""Weights as exact integers of grams, and the decoded content of one scale frame."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


@dataclass(frozen=True)
class Weight:
    grams: int  # integer grams: quantities are exact in this project, never float kilograms
    stable: bool
    net: bool = False  # True when a tare is active (net weight), where the protocol says so

    @property
    def kilograms(self) -> Decimal:
        return Decimal(self.grams) / 1000


class ScaleStatus(enum.Enum):
    MOTION = "motion"
    OVER_CAPACITY = "over capacity"
    UNDER_ZERO = "under zero"
    ZERO_ERROR = "outside zero capture range"
    CENTER_OF_ZERO = "center of zero"
    NET = "net weight"


@dataclass(frozen=True)
class Frame:
    """One decoded frame: a weight (None for status-only frames) and the status flags it carried."""

    grams: int | None
    status: frozenset[ScaleStatus] = field(default_factory=frozenset)

    @property
    def stable(self) -> bool:
        return ScaleStatus.MOTION not in self.status


_UNIT_GRAMS = {"kg": 1000, "g": 1}


def parse_grams(text: str, unit: str = "kg") -> int:
    """'  1.250' kg → 1250; '-0.005' → -5. Spaces inside the field are padding. Rounds half-up past 1 g."""
    cleaned = text.replace(" ", "")
    try:
        factor = _UNIT_GRAMS[unit.strip().lower()]
    except KeyError:
        raise ValueError(f"unsupported unit {unit!r}: set the scale to kg") from None
    try:
        value = Decimal(cleaned) * factor
    except InvalidOperation:
        raise ValueError(f"not a weight: {text!r}") from None
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
