"""Document totals computed exactly as the SII recomputes them when it receives the document (NOTES §4).

- Boletas (and notas marked MntBruto) have gross lines: MntNeto = round_half_up(afecto / 1,19), IVA = afecto − neto.
- Facturas have net lines: IVA = round_half_up(MntNeto × 0,19), and each additional tax (ILA) is
  round_half_up(base × rate) on the net amount of the lines carrying its code, itemised in ImptoReten. A factura whose
  net lines come from shelf prices states the total the customer paid (`shelf_total`, see invoice_lines.py).
- MontoItem = round_half_up(QtyItem × PrcItem − DescuentoMonto) for every line.
Every amount is an int of pesos, every rounding ROUND_HALF_UP (`appliance.core.money`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from appliance.core.money import IVA_RATE, iva_on_net, round_half_up, split_gross
from appliance.sii.doctypes import TipoDTE
from appliance.sii.errors import DocumentInvalid
from appliance.sii.spec import GlobalDiscount, Line, LineKind

# Impuestos adicionales a las bebidas (ILA) by SII code, in percent of the net amount.
ILA_RATES: dict[int, Decimal] = {
    24: Decimal("31.5"),  # licores, piscos, whisky y destilados
    25: Decimal("20.5"),  # vinos
    26: Decimal("20.5"),  # cervezas y otras bebidas alcohólicas
    27: Decimal("10"),  # bebidas analcohólicas y aguas minerales
    271: Decimal("18"),  # bebidas analcohólicas con elevado contenido de azúcar
}

_HUNDRED = Decimal(100)
# Dec12_6Type: the SII accepts at most 6 decimals in QtyItem and PrcItem.
_MAX_DECIMALS = 6


@dataclass(frozen=True)
class TaxAmount:
    """One ImptoReten entry: additional tax `code` at `rate` percent on `base`, amounting to `amount`."""

    code: int
    rate: Decimal
    base: int
    amount: int


@dataclass(frozen=True)
class Totals:
    """The Totales of a document and the amounts that produced them."""

    line_amounts: tuple[int, ...]  # MontoItem per line, in order
    discount_amounts: tuple[int, ...]  # pesos each GlobalDiscount takes off, in order
    neto: int  # MntNeto
    exento: int  # MntExe
    iva: int
    taxes: tuple[TaxAmount, ...]  # ImptoReten
    deposito: int  # GrntDep: container deposits on DTE_v10 documents
    total: int  # MntTotal
    has_afecto: bool  # whether MntNeto/IVA belong in the document at all
    iva_rate: Decimal = IVA_RATE

    @property
    def taxes_total(self) -> int:
        return sum(tax.amount for tax in self.taxes)


def quantity_decimal(quantity_milli: int) -> Decimal:
    """QtyItem from milli-units: 1250 → Decimal("1.25"), 3000 → Decimal("3")."""
    return _plain(Decimal(quantity_milli).scaleb(-3))


def line_amount(quantity_milli: int, unit_price: int | Decimal, discount: int = 0) -> int:
    """MontoItem = round_half_up(QtyItem × PrcItem − DescuentoMonto): 1,250 kg × $12.990 − $500 → 15.738."""
    return round_half_up(quantity_decimal(quantity_milli) * Decimal(unit_price) - discount)


def compute_totals(
    tipo: TipoDTE,
    lines: Sequence[Line],
    global_discounts: Sequence[GlobalDiscount] = (),
    *,
    gross: bool,
    shelf_total: int | None = None,
) -> Totals:
    """The document's totals; raises `DocumentInvalid` for combinations the SII rejects.

    `shelf_total`: for net lines derived from shelf (gross) prices by `invoice_lines.net_lines`, what the customer was
    charged. MntTotal is then that amount and IVA takes the rounding remainder, never more than a peso away from
    round_half_up(MntNeto × 19 %); the ILA stays exactly its rate on its net base.
    """
    if gross and shelf_total is not None:
        raise ValueError("shelf_total is for net lines: gross lines already add up to the shelf total")
    _check_lines(tipo, lines, gross=gross)
    amounts = tuple(line_amount(line.quantity_milli, line.unit_price, line.discount) for line in lines)
    kinds = [_effective_kind(tipo, line) for line in lines]

    afecto = sum(amount for amount, kind in zip(amounts, kinds, strict=True) if kind is LineKind.AFECTO)
    exento = sum(amount for amount, kind in zip(amounts, kinds, strict=True) if kind is LineKind.EXENTO)
    # Boletas have no GrntDep: there a deposit is exempt (see LineKind.DEPOSITO).
    deposit_is_exempt = tipo.is_boleta
    deposito = sum(amount for amount, kind in zip(amounts, kinds, strict=True) if kind is LineKind.DEPOSITO)
    if deposit_is_exempt:
        exento, deposito = exento + deposito, 0

    discounts: list[int] = []
    afecto_discount = exento_discount = 0
    for discount in global_discounts:
        base = exento if discount.applies_to_exempt else afecto
        amount = _discount_amount(discount, base)
        discounts.append(amount)
        if discount.applies_to_exempt:
            exento_discount += amount
        else:
            afecto_discount += amount
    if afecto_discount > afecto or exento_discount > exento:
        raise DocumentInvalid("El descuento global es mayor que el monto al que se aplica.")

    afecto_after = afecto - afecto_discount
    exento_after = exento - exento_discount
    taxes: tuple[TaxAmount, ...] = ()
    if gross:
        neto, iva = split_gross(afecto_after)
    else:
        neto, iva = afecto_after, iva_on_net(afecto_after)
        taxes = _additional_taxes(lines, amounts, kinds, afecto, afecto_discount)
        if shelf_total is not None and not tipo.is_exenta:
            iva = _iva_to_shelf_total(shelf_total - neto - exento_after - deposito - sum(t.amount for t in taxes), neto)
    if tipo.is_exenta:
        neto = iva = 0
    total = neto + iva + exento_after + deposito + sum(tax.amount for tax in taxes)
    return Totals(
        line_amounts=amounts,
        discount_amounts=tuple(discounts),
        neto=neto,
        exento=exento_after,
        iva=iva,
        taxes=taxes,
        deposito=deposito,
        total=total,
        has_afecto=LineKind.AFECTO in kinds,
    )


def _iva_to_shelf_total(iva: int, neto: int) -> int:
    # Net N and N + round(N × 19 %) skip about one total in six (1 × $1.500 has no N), so there the IVA takes the
    # remaining peso, as on a boleta or a MntBruto document (Formato DTE v2.2: MntNeto field 107, p. 24); §2.2 (p. 10)
    # says the SII does not reject a document whose IVA differs from MntNeto × tasa. More than that is a bug here.
    if iva < 0 or abs(iva - iva_on_net(neto)) > 1:
        raise DocumentInvalid(
            f"El IVA ({iva}) que deja el total a precio de venta no corresponde al monto neto ({neto}): "
            "revise los precios de las líneas."
        )
    return iva


def indicator(tipo: TipoDTE, line: Line) -> int | None:
    """IndExe for a line: 1 exempt, 3 container deposit (DTE_v10 only), None for afecto lines.

    Exempt documents (34, 41) are exempt as a whole and mark no line exempt, as the format document asks.
    """
    kind = _effective_kind(tipo, line)
    if kind is LineKind.DEPOSITO:
        return 1 if tipo.is_boleta else 3
    if kind is LineKind.EXENTO and not tipo.is_exenta:
        return 1
    return None


def _effective_kind(tipo: TipoDTE, line: Line) -> LineKind:
    if tipo.is_exenta and line.kind is LineKind.AFECTO:
        raise DocumentInvalid(
            f"«{line.name}» está afecto a IVA y no puede ir en una {tipo.nombre.lower()}: use una boleta o factura "
            "afecta."
        )
    return line.kind


def _check_lines(tipo: TipoDTE, lines: Sequence[Line], *, gross: bool) -> None:
    if not lines:
        raise DocumentInvalid("El documento no tiene líneas de detalle.")
    if len(lines) > tipo.max_lines:
        raise DocumentInvalid(
            f"Una {tipo.nombre.lower()} admite hasta {tipo.max_lines} líneas de detalle; esta tiene {len(lines)}."
        )
    for line in lines:
        if line.quantity_milli <= 0:
            raise DocumentInvalid(f"«{line.name}»: la cantidad debe ser mayor que cero.")
        price = Decimal(line.unit_price)
        if price < 0 or line.discount < 0:
            raise DocumentInvalid(f"«{line.name}»: el precio y el descuento no pueden ser negativos.")
        if _decimals(price) > _MAX_DECIMALS:
            raise DocumentInvalid(f"«{line.name}»: el precio admite hasta {_MAX_DECIMALS} decimales.")
        if line.discount > quantity_decimal(line.quantity_milli) * price:
            raise DocumentInvalid(f"«{line.name}»: el descuento es mayor que el valor de la línea.")
        if line.ila_code is not None:
            if line.ila_code not in ILA_RATES:
                raise DocumentInvalid(
                    f"«{line.name}»: el código de impuesto adicional {line.ila_code} no es uno de "
                    f"{', '.join(str(code) for code in ILA_RATES)}."
                )
            if line.kind is not LineKind.AFECTO and not gross:
                raise DocumentInvalid(f"«{line.name}»: un ítem exento no lleva impuesto adicional.")
    if tipo is TipoDTE.FACTURA and all(line.kind is LineKind.EXENTO for line in lines):
        raise DocumentInvalid("Todas las líneas son exentas: emita una factura exenta (tipo 34), no una factura 33.")


def _discount_amount(discount: GlobalDiscount, base: int) -> int:
    value = Decimal(discount.value)
    if value <= 0:
        raise DocumentInvalid("El descuento global debe ser mayor que cero.")
    if discount.percent:
        if value > _HUNDRED:
            raise DocumentInvalid("El descuento global no puede superar el 100 %.")
        return round_half_up(Decimal(base) * value / _HUNDRED)
    if value != value.to_integral_value():
        raise DocumentInvalid("El descuento global en pesos no lleva decimales.")
    return int(value)


def _additional_taxes(
    lines: Sequence[Line],
    amounts: Sequence[int],
    kinds: Sequence[LineKind],
    afecto: int,
    afecto_discount: int,
) -> tuple[TaxAmount, ...]:
    bases: dict[int, int] = {}
    for line, amount, kind in zip(lines, amounts, kinds, strict=True):
        if line.ila_code is not None and kind is LineKind.AFECTO:
            bases[line.ila_code] = bases.get(line.ila_code, 0) + amount
    taxes = []
    for code in sorted(bases):
        base = bases[code]
        # A global discount lowers the price of every afecto line alike, so each tax base takes its share of it.
        if afecto_discount and afecto:
            base -= round_half_up(Decimal(afecto_discount) * base / afecto)
        rate = ILA_RATES[code]
        taxes.append(TaxAmount(code=code, rate=rate, base=base, amount=round_half_up(Decimal(base) * rate / _HUNDRED)))
    return tuple(taxes)


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros and never in exponent form (Decimal("1E+1") would print as "1E+1")."""
    normalized = value.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral_value() else normalized
