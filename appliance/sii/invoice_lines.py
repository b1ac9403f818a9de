"""A factura at the counter: the shelf shows gross prices, a factura carries net ones with IVA and ILA on top, and its
total is still what the customer was charged (what a boleta for the same cart totals).

Why net lines and not the gross-amount indicator (Formato DTE v2.2, 2019-07-10): `MntBruto` = 1 in IdDoc is "sólo para
documentos sin impuestos adicionales" (Encabezado field 10, p. 12), and ILA is an ImptoReten whose MontoImp is
"Tasa × (suma de líneas de detalle con código de impuesto adicional)" of net lines (field 117, p. 26). So a factura
carries net lines: PrcItem admits 6 decimals (Detalle field 22, p. 34), MontoItem = PrcItem × QtyItem − DescuentoMonto
(field 38, p. 37), MntNeto = Σ MontoItem afectos, IVA = MntNeto × tasa (fields 107 and 112, pp. 24-25), and
MntTotal = MntNeto + MntExe + IVA + impuestos adicionales + GrntDep (field 124, p. 27).

How the amounts are chosen:
1. Each line's shelf amount (gross unit price × quantity − gross discount) is what the counter charged for it. Exempt
   lines and container deposits carry no tax: their net is their shelf amount.
2. The afecto lines are grouped by ILA code (none, 24, 25, 26, 27, 271). For each group the net N_c is chosen near its
   exact value G_c / (1 + 19 % + ILA rate), so that N + round(N × 19 %) + Σ round(N_c × ILA rate) equals the shelf
   total of the afecto lines, with N = Σ N_c: the SII's own formulas then land on the shelf total to the peso.
3. When no integers do (N + round(N × 19 %) skips about one total in six: 1 × $1.500 has no net N with it), IVA takes
   the remaining peso, exactly as on a boleta or a MntBruto document (neto = round(bruto / 1,19), IVA = bruto − neto),
   so it differs by at most one peso from MntNeto × 19 % — a content difference the SII does not reject (§2.2, p. 10)
   — while the ILA stays exact on its net base: see `amounts.compute_totals(shelf_total=…)`.
4. A group's net is shared among its lines in proportion to their shelf amounts, and each line's PrcItem is its net
   (plus its net discount) divided by the quantity, rounded up at the 6th decimal, so that MontoItem is exactly its
   share. A nota de crédito for a factura goes through the same steps: returning a whole factura gives the same lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from itertools import product

from appliance.core.money import IVA_RATE, iva_on_net, round_half_up
from appliance.core.quantity import line_amount as shelf_amount
from appliance.sii.amounts import ILA_RATES, line_amount, quantity_decimal
from appliance.sii.errors import DocumentInvalid
from appliance.sii.spec import Line, LineKind

_SIX = Decimal("0.000001")
_HUNDRED = Decimal(100)
Group = int | None  # an ILA code, or None for afecto lines that pay IVA only


@dataclass(frozen=True)
class ShelfLine:
    """A sold line at shelf prices (IVA and any ILA included): what the counter charged for it."""

    name: str
    quantity_milli: int
    unit_price: int  # gross, per unit or per kg
    discount: int = 0  # gross pesos off the line: a promotion or an authorised discount
    exempt: bool = False
    deposit: bool = False  # a container deposit: GrntDep on a factura
    ila_code: int | None = None
    weighed: bool = False
    code: str = ""
    note: str = ""  # DscItem: the promotion or discount that explains DescuentoMonto

    @property
    def amount(self) -> int:
        """What the customer pays for this line, as the counter computes it (and a boleta, whenever it accepts it)."""
        return shelf_amount(self.unit_price, self.quantity_milli) - self.discount

    @property
    def group(self) -> Group:
        return self.ila_code if self.ila_code in ILA_RATES else None


def shelf_total(lines: Sequence[ShelfLine]) -> int:
    """The document's total at shelf prices: what a boleta for these lines totals, and what the factura must."""
    return sum(line.amount for line in lines)


def net_lines(lines: Sequence[ShelfLine]) -> tuple[Line, ...]:
    """The factura's Detalle for lines sold at shelf prices (see the module's docstring for the rule)."""
    groups: dict[Group, list[int]] = {}
    amounts = [line.amount for line in lines]
    for index, line in enumerate(lines):
        if line.quantity_milli <= 0:
            raise DocumentInvalid(f"«{line.name}»: la cantidad debe ser mayor que cero.")
        if amounts[index] < 0:
            raise DocumentInvalid(f"«{line.name}»: el descuento es mayor que el valor de la línea.")
        if not (line.exempt or line.deposit):
            groups.setdefault(line.group, []).append(index)
    nets = _group_nets({group: sum(amounts[i] for i in indexes) for group, indexes in groups.items()})
    shares: dict[int, int] = {}
    for group, indexes in groups.items():
        shares.update(zip(indexes, _split(nets[group], [amounts[i] for i in indexes]), strict=True))
    return tuple(
        _net_line(line, shares[index]) if index in shares else _exempt_line(line) for index, line in enumerate(lines)
    )


def _factor(group: Group) -> Decimal:
    return 1 + IVA_RATE + (ILA_RATES[group] / _HUNDRED if group is not None else 0)


def _ila(group: Group, net: int) -> int:
    return round_half_up(Decimal(net) * ILA_RATES[group] / _HUNDRED) if group is not None else 0


def _group_nets(gross: dict[Group, int]) -> dict[Group, int]:
    """The net N_c of each group: the SII's formulas land on the shelf total when integers near the exact nets allow
    it; otherwise the nets that leave IVA closest to MntNeto × 19 %."""
    nets: dict[Group, int] = {group: 0 for group, amount in gross.items() if amount == 0}  # all free: no net, no tax
    taxed = sorted(group for group, amount in gross.items() if group is not None and amount > 0)
    afecto = sum(gross.values())
    plain = gross.get(None, 0) > 0
    plain_exact = Decimal(gross.get(None, 0)) / _factor(None)
    plain_near = _candidates(plain_exact)
    # Per taxed group, each candidate net with its ILA and its distance from the exact net.
    options = [
        [(net, _ila(group, net), abs(net - exact)) for net in _candidates(exact)]
        for group in taxed
        for exact in (Decimal(gross[group]) / _factor(group),)
    ]
    best: tuple[tuple[int, Decimal, Decimal], tuple[int, ...], int] | None = None
    for combo in product(*options):
        taxed_net = sum(net for net, _, _ in combo)
        ila = sum(tax for _, tax, _ in combo)
        drift = sum((distance for _, _, distance in combo), Decimal(0))
        plain_nets = [0]
        if plain:
            # With IVA alone, N + round(N × 19 %) = afecto − ILA has at most one solution: round(… / 1,19).
            solved = round_half_up(Decimal(afecto - ila) / (1 + IVA_RATE)) - taxed_net
            plain_nets = sorted({*plain_near, *([solved] if solved >= 0 else [])})
        for plain_net in plain_nets:
            neto = taxed_net + plain_net
            iva = afecto - neto - ila
            spread = drift + abs(plain_net - plain_exact)
            key = (0, Decimal(0), spread) if iva == iva_on_net(neto) else (1, abs(iva - neto * IVA_RATE), spread)
            if best is None or key < best[0]:
                best = (key, tuple(net for net, _, _ in combo), plain_net)
    if best is not None:
        nets.update(zip(taxed, best[1], strict=True))
        if plain:
            nets[None] = best[2]
    return nets


def _candidates(exact: Decimal) -> tuple[int, ...]:
    # Each group's ILA rounds on its own: the neighbours of the exact net may be what makes the total land.
    middle = round_half_up(exact)
    return tuple(net for net in (middle - 1, middle, middle + 1) if net >= 0)


def _split(total: int, weights: Sequence[int]) -> list[int]:
    """`total` shared in proportion to `weights` (largest remainder, earlier lines first on ties)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares = [total * weight // whole for weight in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _net_line(line: ShelfLine, net: int) -> Line:
    quantity = quantity_decimal(line.quantity_milli)
    discount = round_half_up(Decimal(line.discount) / _factor(line.group)) if line.discount else 0
    # Rounded up at the 6th decimal, QtyItem × PrcItem exceeds net + discount by less than QtyItem / 10⁶ (a tenth of a
    # peso at the largest quantity the counter takes), so MontoItem rounds to exactly this line's net share.
    price = (Decimal(net + discount) / quantity).quantize(_SIX, rounding=ROUND_CEILING)
    if line_amount(line.quantity_milli, price, discount) != net:
        raise DocumentInvalid(f"«{line.name}»: la cantidad es demasiado grande para expresar su precio neto.")
    return Line(
        name=line.name,
        quantity_milli=line.quantity_milli,
        unit_price=int(price) if price == price.to_integral_value() else price.normalize(),
        discount=discount,
        kind=LineKind.AFECTO,
        ila_code=line.group,
        weighed=line.weighed,
        code=line.code,
        description=line.note,
    )


def _exempt_line(line: ShelfLine) -> Line:
    return Line(
        name=line.name,
        quantity_milli=line.quantity_milli,
        unit_price=line.unit_price,
        discount=line.discount,
        kind=LineKind.DEPOSITO if line.deposit else LineKind.EXENTO,
        weighed=line.weighed,
        code=line.code,
        description=line.note,
    )
