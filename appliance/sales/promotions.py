"""Which promotion discounts which line of a cart, and by how much. Pure: no database, no framework.

Rules a cashier can explain to a customer:
- A line takes at most one promotion; a line with a manual discount or price override takes none.
- Promotions are tried in a fixed order (oldest first); the lines one promotion used are not offered to the next.
- pack (3 × $2.000): the group's units are counted across its lines; each full pack costs the pack price. The packs
  take the dearest units first (the customer never pays more than without the promotion).
- percent: that percent off every unit of the group, weighed products included.
- nxm (lleve 3 pague 2): for each full set of `quantity` units the cheapest `quantity − pay` are free.
Only whole units count for pack and nxm; weighed products take part only in percentage promotions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from appliance.core.money import format_clp, round_half_up
from appliance.core.quantity import line_amount


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    kind: str  # pack | percent | nxm
    product_ids: frozenset[int]
    quantity: int | None = None
    price: int | None = None
    percent: int | None = None
    pay: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None

    def valid_on(self, day: date) -> bool:
        return (self.starts_on is None or self.starts_on <= day) and (self.ends_on is None or day <= self.ends_on)

    @property
    def label(self) -> str:
        """What the receipt prints under the line."""
        if self.kind == "pack":
            return f"{self.quantity} x {format_clp(self.price or 0)}"
        if self.kind == "percent":
            return f"{self.percent}% dcto"
        return f"Lleve {self.quantity} pague {self.pay}"


@dataclass(frozen=True)
class PricedLine:
    line_no: int
    product_id: int
    quantity: int  # milli-units
    unit_price: int
    weighed: bool
    manual: bool = False  # a manual discount or price override: no promotion on top


@dataclass(frozen=True)
class Applied:
    rule_id: int
    label: str
    discount: int  # pesos off this line


def apply(lines: Sequence[PricedLine], rules: Iterable[Rule], day: date) -> dict[int, Applied]:
    """Discounts by line number for the rules valid on `day`."""
    result: dict[int, Applied] = {}
    for rule in sorted(rules, key=lambda r: r.id):
        if not rule.valid_on(day):
            continue
        group = [ln for ln in lines if ln.product_id in rule.product_ids and not ln.manual and ln.line_no not in result]
        if not group:
            continue
        if rule.kind == "percent":
            discounts = _percent(group, rule.percent or 0)
        elif rule.kind == "pack":
            discounts = _pack(group, rule.quantity or 0, rule.price or 0)
        elif rule.kind == "nxm":
            discounts = _nxm(group, rule.quantity or 0, rule.pay or 0)
        else:
            continue
        for line_no, discount in discounts.items():
            if discount > 0:
                result[line_no] = Applied(rule.id, rule.label, discount)
    return result


def _percent(group: Sequence[PricedLine], percent: int) -> dict[int, int]:
    return {ln.line_no: round_half_up(Decimal(line_amount(ln.unit_price, ln.quantity)) * percent / 100) for ln in group}


def _units(group: Sequence[PricedLine]) -> list[tuple[int, int]]:
    """Every whole unit of the group as (unit price, line number)."""
    return [(ln.unit_price, ln.line_no) for ln in group if not ln.weighed for _ in range(ln.quantity // 1000)]


def _pack(group: Sequence[PricedLine], size: int, price: int) -> dict[int, int]:
    if size < 2:
        return {}
    units = sorted(_units(group), key=lambda u: (-u[0], u[1]))
    packs = len(units) // size
    if packs == 0:
        return {}
    packed = units[: packs * size]
    regular = sum(p for p, _ in packed)
    saving = regular - packs * price
    if saving <= 0:
        return {}
    # Spread the saving over the lines in proportion to what their packed units cost (largest remainder): each share
    # stays below the line's own packed value, and the shares add up to the saving exactly.
    by_line: dict[int, int] = {}
    for unit_price, line_no in packed:
        by_line[line_no] = by_line.get(line_no, 0) + unit_price
    shares = {line_no: divmod(saving * value, regular) for line_no, value in by_line.items()}
    discounts = {line_no: whole for line_no, (whole, _) in shares.items()}
    left = saving - sum(discounts.values())
    for line_no in sorted(shares, key=lambda n: (-shares[n][1], n))[:left]:
        discounts[line_no] += 1
    return discounts


def _nxm(group: Sequence[PricedLine], take: int, pay: int) -> dict[int, int]:
    if take < 2 or not 1 <= pay < take:
        return {}
    units = _units(group)
    free = (len(units) // take) * (take - pay)
    discounts: dict[int, int] = {}
    for unit_price, line_no in sorted(units, key=lambda u: (u[0], u[1]))[:free]:
        discounts[line_no] = discounts.get(line_no, 0) + unit_price
    return discounts
