"""How a sale is paid: any mix of efectivo, débito, crédito, transferencia and fiado.

Ley 20.956 rounds only what is paid in cash, to the ten (1–5 down, 6–9 up). Cards, transfers and fiado cover exact
amounts; whatever they leave is the cash part, which is rounded; the customer hands over bills and gets change.
The document always keeps the exact total — the rounding is recorded beside it, for the Z report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from appliance.core.errors import DomainError
from appliance.core.money import cash_rounding, format_clp
from appliance.db.models import PaymentMethod

NON_CASH = (
    PaymentMethod.DEBITO,
    PaymentMethod.CREDITO,
    PaymentMethod.TRANSFERENCIA,
    PaymentMethod.FIADO,
    PaymentMethod.ENVASE,
)
METHOD_LABELS = {
    PaymentMethod.EFECTIVO: "Efectivo",
    PaymentMethod.DEBITO: "Débito",
    PaymentMethod.CREDITO: "Crédito",
    PaymentMethod.TRANSFERENCIA: "Transferencia",
    PaymentMethod.FIADO: "Fiado",
    PaymentMethod.ENVASE: "Envases devueltos",
}
# Common Chilean bills, for the quick-tender buttons.
BILLS = (1_000, 2_000, 5_000, 10_000, 20_000)


class TenderError(DomainError):
    default_code = "invalid_tender"


@dataclass(frozen=True)
class Tender:
    method: PaymentMethod
    amount: int  # non-cash: what it covers; cash: what the customer handed over
    reference: str = ""  # voucher / authorisation code / transfer id


@dataclass(frozen=True)
class PaymentLine:
    method: PaymentMethod
    amount: int  # what this tender covers of the total (cash: after rounding)
    tendered: int | None = None
    change: int | None = None
    reference: str = ""


@dataclass(frozen=True)
class Settlement:
    total: int  # the document's exact total
    payments: tuple[PaymentLine, ...]
    rounding: int  # cash due − exact cash part (negative: the customer paid less)

    @property
    def cash_due(self) -> int:
        return sum(p.amount for p in self.payments if p.method == PaymentMethod.EFECTIVO)

    @property
    def change(self) -> int:
        return sum(p.change or 0 for p in self.payments)


def settle(total: int, tenders: Sequence[Tender]) -> Settlement:
    """Check that the tenders pay `total` and work out the cash part, its rounding and the change."""
    if total < 0:
        raise TenderError("El total de la venta no puede ser negativo.")
    if not tenders:
        raise TenderError("Indique cómo paga el cliente.")
    for tender in tenders:
        if tender.amount <= 0:
            raise TenderError(f"El monto en {tender.method.value} debe ser mayor que cero.")
    non_cash = [t for t in tenders if t.method in NON_CASH]
    cash = [t for t in tenders if t.method == PaymentMethod.EFECTIVO]
    covered = sum(t.amount for t in non_cash)
    if covered > total:
        raise TenderError(
            f"Los pagos con tarjeta, transferencia, fiado o envases ({format_clp(covered)}) superan el total "
            f"({format_clp(total)}): a esos medios no se les da vuelto."
        )
    payments = [PaymentLine(t.method, t.amount, reference=t.reference) for t in non_cash]
    remainder = total - covered
    if remainder == 0:
        if cash:
            raise TenderError("La venta ya está pagada sin efectivo: quite el pago en efectivo.")
        return Settlement(total, tuple(payments), 0)
    if not cash:
        raise TenderError(f"Faltan {format_clp(remainder)} por pagar.")
    due = cash_rounding(remainder)
    handed = sum(t.amount for t in cash)
    if handed < due:
        raise TenderError(f"El efectivo recibido ({format_clp(handed)}) no alcanza: faltan {format_clp(due - handed)}.")
    payments.append(PaymentLine(PaymentMethod.EFECTIVO, due, tendered=handed, change=handed - due))
    return Settlement(total, tuple(payments), due - remainder)


def quick_tenders(cash_due: int) -> list[int]:
    """Buttons for the cashier: the exact (rounded) amount, then the bills that cover it."""
    exact = cash_rounding(cash_due)
    options = [exact]
    for bill in BILLS:
        amount = -(-exact // bill) * bill  # the smallest multiple of this bill that covers the amount
        if amount not in options:
            options.append(amount)
    return sorted(options)[:5]
