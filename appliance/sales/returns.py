"""Returns: a committed sale is never edited; what comes back is a return with its own nota de crédito.

Quantities are checked against what is still returnable (a line cannot come back twice), goods go back to the shelf
or, if damaged, to merma; money goes back by the original method or in cash (rounded per Ley 20.956 like any cash
payment); a supervisor approves with their PIN. The nota de crédito (61) refers to the boleta: CodRef 1 (anula)
when the whole sale comes back at once, CodRef 3 (corrige montos) otherwise.

A sale paid only by card in a shop that declared the card voucher as its boleta has no DTE of the box to correct:
its document is the payment's, so the money goes back by annulling the charge on the card terminal (which reverses
that voucher) and the return issues no nota; goods and stock come back as in any return.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit import log as audit
from appliance.cash import sessions as cash
from appliance.core.clock import CHILE_TZ
from appliance.core.errors import DomainError
from appliance.core.money import cash_rounding, format_clp, round_half_up
from appliance.core.quantity import line_amount
from appliance.core.text import is_digits
from appliance.db.models import (
    Company,
    Customer,
    CustomerAccountEntry,
    Document,
    Lane,
    Payment,
    PaymentMethod,
    Product,
    ReturnLine,
    Role,
    Sale,
    SaleLine,
    SaleReturn,
    StockReason,
    User,
)
from appliance.sales import emission, fiado
from appliance.sii import stamping
from appliance.sii.doctypes import TipoDTE, nombre_tipo
from appliance.sii.spec import CodRef, Reference
from appliance.stock import service as stock


class ReturnError(DomainError):
    default_code = "return_refused"


@dataclass(frozen=True)
class ReturnableLine:
    line: SaleLine
    unit: str
    returned: int  # milli-units already returned

    @property
    def left(self) -> int:
        return self.line.quantity - self.returned


@dataclass(frozen=True)
class ReturnResult:
    return_id: int
    total: int
    refund_method: str
    refund_cash: int
    document_id: int | None  # the nota de crédito; None for a sale its card voucher documented
    folio: int | None


# The timbre (PDF417) on every printed boleta or factura carries the TED: a 2D scanner reads it as this text.
_TIMBRE = re.compile(r"<DD>\s*<RE>\s*([0-9.]+-[0-9Kk])\s*</RE>\s*<TD>\s*(\d+)\s*</TD>\s*<F>\s*(\d+)\s*</F>")
# What the tablet's return screen is sent to when a timbre is read on the box's scanner: "39-1234".
_DOCUMENT = re.compile(r"^\s*(33|39|41)-(\d{1,10})\s*$")
RETURNABLE_TYPES = (39, 41, 33)


@dataclass(frozen=True)
class ReceiptReference:
    tipo: int
    folio: int
    issuer: str = ""  # the issuer's RUT as the timbre states it

    @property
    def name(self) -> str:
        return f"{nombre_tipo(self.tipo)} N° {self.folio}"


def receipt_reference(text: str) -> ReceiptReference | None:
    """The document a scanned timbre (the receipt's PDF417) or a "39-1234" reference names, if the text is one."""
    found = _TIMBRE.search(text) if "<DD>" in text else None
    if found is not None:
        return ReceiptReference(int(found.group(2)), int(found.group(3)), found.group(1))
    found = _DOCUMENT.match(text)
    return ReceiptReference(int(found.group(1)), int(found.group(2))) if found else None


def scanned_timbre(code: str) -> ReceiptReference | None:
    """The document whose timbre a scanner just read, if it read one and not a product's code."""
    return receipt_reference(code) if code.startswith("<") else None


async def _sale_of(session: AsyncSession, reference: ReceiptReference) -> Sale:
    if reference.tipo not in RETURNABLE_TYPES:
        raise ReturnError(f"Ese timbre es de una {reference.name}: se devuelve con su boleta o factura.", "not_found")
    if reference.issuer:
        company = await session.get(Company, 1)
        if company is not None and reference.issuer.replace(".", "").upper() != company.rut.upper():
            raise ReturnError(f"Ese recibo es de otro comercio (RUT {reference.issuer}).", "not_found")
    sale_id = await session.scalar(
        select(Document.sale_id).where(Document.tipo == reference.tipo, Document.folio == reference.folio)
    )
    sale = await session.get(Sale, sale_id) if sale_id else None
    if sale is None:
        raise ReturnError(f"No hay una {reference.name} de una venta de esta tienda.", "not_found")
    return sale


async def find_sale(session: AsyncSession, text: str) -> Sale:
    """By the receipt's timbre read with a scanner, by boleta folio (what the customer's receipt shows) or, failing
    that, by the shop's sale number."""
    reference = receipt_reference(text)
    if reference is not None:
        return await _sale_of(session, reference)
    digits = "".join(ch for ch in text if is_digits(ch))
    if not digits:
        raise ReturnError("Escriba el N° de boleta (folio) del recibo del cliente.", "not_found")
    if len(digits) > 18:  # no folio nor sale number is that long, and SQLite could not compare it
        raise ReturnError(f"No hay una boleta ni una venta N° {digits[:20]}….", "not_found")
    sale_id = await session.scalar(
        select(Document.sale_id).where(Document.tipo == int(TipoDTE.BOLETA), Document.folio == int(digits))
    )
    sale = await session.get(Sale, sale_id) if sale_id else None
    if sale is None:
        sale = await session.scalar(select(Sale).where(Sale.number == int(digits)))
    if sale is None:
        raise ReturnError(f"No hay una boleta ni una venta N° {digits}.", "not_found")
    return sale


async def returnable(session: AsyncSession, sale_id: int) -> list[ReturnableLine]:
    lines = list(await session.scalars(select(SaleLine).where(SaleLine.sale_id == sale_id).order_by(SaleLine.line_no)))
    returned = dict(
        (
            await session.execute(
                select(ReturnLine.sale_line_id, func.sum(ReturnLine.quantity))
                .where(ReturnLine.sale_line_id.in_([line.id for line in lines]))
                .group_by(ReturnLine.sale_line_id)
            )
        ).all()
    )
    units = dict(
        (
            await session.execute(
                select(Product.id, Product.unit).where(Product.id.in_([line.product_id for line in lines]))
            )
        ).all()
    )
    return [ReturnableLine(line, units.get(line.product_id, "unit"), int(returned.get(line.id, 0))) for line in lines]


async def process(
    session: AsyncSession,
    secrets_dir: Path,
    *,
    sale_id: int,
    lane_id: int,
    quantities: Mapping[int, int],  # sale line id → milli-units coming back
    to_merma: set[int],
    refund_method: str,
    reason: str,
    user_id: int,
    approver: User,
    now: datetime,
) -> ReturnResult:
    if approver.role not in (Role.SUPERVISOR, Role.ADMINISTRADOR):
        raise ReturnError("La devolución la aprueba un supervisor o administrador.", "approval_required")
    if not reason.strip():
        raise ReturnError("Indique el motivo de la devolución.", "reason_required")
    sale = await session.get(Sale, sale_id)
    lane = await session.get(Lane, lane_id)
    if sale is None or lane is None:
        raise ReturnError("La venta no existe.", "not_found")
    boleta = await session.scalar(
        select(Document).where(Document.sale_id == sale_id, Document.tipo.in_(RETURNABLE_TYPES)).order_by(Document.id)
    )
    factura = boleta is not None and boleta.tipo == 33
    rows = {r.line.id: r for r in await returnable(session, sale_id)}
    picked = {line_id: qty for line_id, qty in quantities.items() if qty > 0}
    if not picked:
        raise ReturnError("Elija qué productos devuelve y cuántos.", "nothing_selected")
    for line_id, qty in picked.items():
        row = rows.get(line_id)
        if row is None:
            raise ReturnError("Ese producto no es de esta venta.", "not_in_sale")
        if qty > row.left:
            raise ReturnError(
                f"De «{row.line.description}» quedan {row.left // 1000 if row.unit == 'unit' else row.left}"
                f" por devolver.",
                "too_many",
            )
    paid: dict[str, int] = {}
    for method, amount in await session.execute(
        select(Payment.method, Payment.amount).where(Payment.sale_id == sale_id)
    ):
        paid[method] = paid.get(method, 0) + amount
    if boleta is None:
        if not emission.voucher_is_the_boleta([PaymentMethod(m) for m in paid], voucher_model=True, factura=False):
            raise ReturnError(
                "Esa venta no tiene boleta electrónica: no se puede emitir nota de crédito.", "no_document"
            )
        if refund_method not in paid:
            raise ReturnError(
                "El voucher de esta venta fue su boleta: se devuelve anulando el cobro en el terminal de la tarjeta "
                "con que se pagó, no en efectivo.",
                "refund_method",
            )
    if refund_method == PaymentMethod.ENVASE.value or (
        refund_method != PaymentMethod.EFECTIVO.value and refund_method not in paid
    ):
        raise ReturnError("Se devuelve por el mismo medio con que se pagó, o en efectivo.", "refund_method")

    amounts: dict[int, int] = {}
    for line_id, qty in picked.items():
        line = rows[line_id].line
        # A partly returned line gives back its share of what was paid (discounts included), never more.
        amounts[line_id] = round_half_up(Decimal(line.amount) * qty / line.quantity)
    # Unit price and discount chosen so the nota's MontoItem is exactly the amount given back.
    sold_lines = [
        stamping.SoldLine(
            rows[i].line.product_id,
            rows[i].line.description,
            qty,
            rows[i].line.unit_price,
            max(line_amount(rows[i].line.unit_price, qty) - amounts[i], 0),
            rows[i].line.tax,
            deposit=rows[i].line.deposit,
            additional_tax=rows[i].line.additional_tax_code,
        )
        for i, qty in picked.items()
    ]
    # What comes back is what was paid for it at shelf prices. A nota for a factura follows the factura's rule (net
    # lines, IVA and ILA on top, MntTotal kept at the shelf amount: sii/invoice_lines.py), so it totals the same.
    total = sum(amounts.values())
    whole = all(rows[i].returned == 0 for i in rows) and all(picked.get(i, 0) == rows[i].line.quantity for i in rows)
    sale_customer = await session.get(Customer, sale.customer_id) if sale.customer_id else None
    to_account, in_money = await _refund_split(session, sale_id, sale_customer, paid, refund_method, total)
    current = await cash.current(session, lane_id)
    # Whatever isn't taken off a fiado account and isn't a card or transfer reversal is handed over in cash.
    cash_methods = (PaymentMethod.EFECTIVO.value, PaymentMethod.FIADO.value)
    refund_cash = cash_rounding(in_money) if refund_method in cash_methods and in_money else 0
    if refund_cash:
        if current is None:
            raise ReturnError("Abra la caja (turno) para devolver efectivo.", "no_cash_session")
        report = await cash.x_report(session, current.id)
        if refund_cash > report.expected_cash:
            raise ReturnError("No hay suficiente efectivo en caja para esta devolución.", "insufficient_cash")

    record = SaleReturn(
        sale_id=sale_id,
        at=now,
        lane=lane.code,
        cash_session_id=current.id if current else None,
        user_id=user_id,
        approved_by=approver.id,
        total=total,
        refund_method=refund_method,
        refund_cash=refund_cash,
        reason=reason.strip()[:120],
    )
    session.add(record)
    await session.flush()
    if to_account and sale_customer is not None:
        # What was bought on credit and comes back is taken off the customer's account.
        session.add(
            CustomerAccountEntry(
                customer_id=sale_customer.id,
                at=now,
                kind="abono",
                amount=to_account,
                sale_id=sale_id,
                method="devolucion",
                user_id=user_id,
                note=f"Devolución {record.id}: {reason.strip()}"[:120],
            )
        )
    for line_id, qty in picked.items():
        line = rows[line_id].line
        session.add(
            ReturnLine(
                return_id=record.id,
                sale_line_id=line_id,
                quantity=qty,
                amount=amounts[line_id],
                to_merma=line_id in to_merma,
            )
        )
        await stock.record_move(
            session,
            product_id=line.product_id,
            location="sala",
            quantity=qty,
            reason=StockReason.RETURN,
            user_id=user_id,
            ref_type="return",
            ref_id=str(record.id),
        )
        if line_id in to_merma:
            await stock.record_move(
                session,
                product_id=line.product_id,
                location="sala",
                quantity=-qty,
                reason=StockReason.MERMA,
                user_id=user_id,
                ref_type="return",
                ref_id=str(record.id),
                note="devuelto dañado",
            )
    fully = all(rows[i].left - picked.get(i, 0) == 0 for i in rows)
    sale.status = "returned" if fully else "partially_returned"
    if boleta is None:  # the card voucher was the boleta: the terminal's annulment reverses it, no nota here
        await _audit(session, user_id, sale_id, record.id, total, approver, None, refund_method)
        return ReturnResult(record.id, total, refund_method, refund_cash, None, None)
    reference = Reference(
        tipo_doc=boleta.tipo,
        folio=boleta.folio,
        fecha=boleta.issued_at.astimezone(CHILE_TZ).date(),
        cod_ref=CodRef.ANULA if whole else CodRef.CORRIGE_MONTOS,
        razon=reason.strip()[:90],
    )
    document, issued = await stamping.stamp(
        session,
        secrets_dir,
        tipo=TipoDTE.NOTA_CREDITO,
        lines=sold_lines,
        now=now,
        sale_id=sale_id,
        references=(reference,),
        gross_prices=not factura,
        # A nota on a factura names the factura's buyer: the SII matches it, and the buyer adjusts their IVA credit.
        buyer=stamping.buyer(sale_customer) if factura and sale_customer is not None else None,
    )
    if issued.totals.total != total:
        raise ReturnError(
            f"El total de la nota de crédito ({issued.totals.total}) no coincide con la devolución ({total}).",
            "totals_mismatch",
        )
    await _audit(session, user_id, sale_id, record.id, total, approver, document.folio, refund_method)
    return ReturnResult(record.id, total, refund_method, refund_cash, document.id, document.folio)


async def _audit(
    session: AsyncSession,
    user_id: int,
    sale_id: int,
    return_id: int,
    total: int,
    approver: User,
    nc_folio: int | None,
    refund_method: str,
) -> None:
    await audit.record(
        session,
        user_id,
        "sale.return",
        "sale",
        sale_id,
        {
            "return_id": return_id,
            "total": total,
            "approved_by": approver.id,
            "nc_folio": nc_folio,
            "refund": refund_method,
        },
    )


async def _refund_split(
    session: AsyncSession,
    sale_id: int,
    customer: Customer | None,
    paid: dict[str, int],
    method: str,
    total: int,
) -> tuple[int, int]:
    """How `total` goes back: (taken off the fiado account, handed over in money). Money goes back the way it came
    and never more than came that way: what was bought on fiado comes off the account first (cash for it would pay
    the customer for goods never paid), then cash, cards and transfers give back at most what they paid, less
    earlier returns."""
    credited = int(
        await session.scalar(
            select(func.coalesce(func.sum(CustomerAccountEntry.amount), 0)).where(
                CustomerAccountEntry.sale_id == sale_id,
                CustomerAccountEntry.kind == "abono",
                CustomerAccountEntry.method == "devolucion",
            )
        )
        or 0
    )
    by_method: dict[str, int] = {}
    for row_method, amount in await session.execute(
        select(SaleReturn.refund_method, SaleReturn.total).where(SaleReturn.sale_id == sale_id)
    ):
        by_method[row_method] = by_method.get(row_method, 0) + amount
    owed = await fiado.balance(session, customer.id) if customer is not None else 0
    fiado_left = max(0, min(paid.get("fiado", 0) - credited, owed))
    money_paid = sum(amount for m, amount in paid.items() if m not in ("fiado", "envase"))
    money_left = money_paid - (sum(by_method.values()) - credited)
    if method == "fiado":
        account = min(total, fiado_left)
        if total - account > money_left:
            raise ReturnError(
                f"Se pueden devolver {format_clp(account + max(money_left, 0))} entre la cuenta y el efectivo; "
                f"esta devolución es de {format_clp(total)}.",
                "refund_over_paid",
            )
        return account, total - account
    if fiado_left > 0:
        raise ReturnError(
            "Esta venta fue fiada: la devolución se abona primero a la cuenta del cliente "
            f"(hasta {format_clp(fiado_left)}; el resto, en efectivo).",
            "refund_to_fiado",
        )
    cap = money_left if method == "efectivo" else min(paid.get(method, 0) - by_method.get(method, 0), money_left)
    if total > cap:
        shown = "en efectivo" if method == "efectivo" else f"por {method}"
        raise ReturnError(
            f"Se pueden devolver {format_clp(max(cap, 0))} {shown}; esta devolución es de {format_clp(total)}.",
            "refund_over_paid",
        )
    return 0, total
