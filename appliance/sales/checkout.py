"""Committing a sale: one transaction with the sale, its lines and payments, the stock moves, and the outbox rows
for printing and the drawer. Nothing prints until it commits (DESIGN.md: side effects after commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.cash import sessions as cash
from appliance.core.money import format_clp
from appliance.db.models import (
    Customer,
    Lane,
    OutboxEntry,
    Payment,
    PaymentMethod,
    Product,
    Sale,
    SaleLine,
    StockReason,
)
from appliance.sales import cart as carts
from appliance.sales import compliance, emission, fiado
from appliance.sales.cart import CartError
from appliance.sales.tenders import Settlement, Tender, settle
from appliance.sii import stamping
from appliance.sii.doctypes import TipoDTE
from appliance.stock import service as stock


@dataclass(frozen=True)
class CheckoutResult:
    sale_id: int
    number: int
    total: int
    settlement: Settlement
    negative_stock: tuple[int, ...]  # products that went below zero, for the back office to look at
    document_id: int | None  # None when the card voucher is the boleta (see emission.py)
    tipo: int
    folio: int


async def checkout(
    session: AsyncSession,
    lane_id: int,
    tenders: Sequence[Tender],
    *,
    cashier_id: int,
    now: datetime,
    secrets_dir: Path,
) -> CheckoutResult:
    lane = await session.get(Lane, lane_id)
    if lane is None:
        raise CartError("La caja no existe.", "not_found")
    current = await cash.current(session, lane_id)
    if current is None:
        raise CartError("Abra la caja (turno) antes de vender.", "no_cash_session")
    view = await carts.view(session, lane_id, now=now)
    sold = view.sold_lines
    if not sold:
        raise CartError("La venta no tiene productos.", "empty_cart")
    if view.pending["age"]:
        raise CartError("Confirme la edad del cliente para los productos +18.", "age_not_confirmed")
    # The cart may have waited past closing time, or past midnight into a ley seca date: alcohol is checked again.
    unauthorised = {line.product_id for line in sold if not line.flags.get("alcohol_override")}
    reason = (await compliance.alcohol_rules(session)).blocked(now) if unauthorised else None
    if reason and await session.scalar(
        select(Product.name).where(Product.id.in_(unauthorised), Product.is_alcohol).limit(1)
    ):
        raise CartError(
            f"{reason} Quite esa línea y vuelva a escanearla: el supervisor la autoriza.", "alcohol_blocked"
        )
    if view.pending["envase"]:
        raise CartError("Indique si el cliente trae envase para las bebidas retornables.", "envase_pending")
    if view.credit > view.total:
        raise CartError(
            f"Los envases devueltos ({format_clp(view.credit)}) superan la compra ({format_clp(view.total)}): "
            "quite envases o devuelva la diferencia desde Turno.",
            "credit_exceeds_total",
        )
    tenders = [*tenders, Tender(PaymentMethod.ENVASE, view.credit)] if view.credit else list(tenders)
    settlement = settle(view.total, tenders)
    customer = await session.get(Customer, view.customer.id) if view.customer else None
    number = int(await session.scalar(select(func.coalesce(func.max(Sale.number), 0))) or 0) + 1
    sale = Sale(
        number=number,
        at=now,
        lane=lane.code,
        cash_session_id=current.id,
        cashier_id=cashier_id,
        customer_id=customer.id if customer else None,
        status="completed",
        total=view.total,
        net=view.net,
        iva=view.iva,
        exempt=view.exempt,
        additional_tax=view.additional_tax,
        discount=sum(line.discount for line in sold),
        cash_rounding=settlement.rounding,
    )
    session.add(sale)
    await session.flush()
    fiado_amount = sum(p.amount for p in settlement.payments if p.method == PaymentMethod.FIADO)
    if fiado_amount:
        await fiado.charge(session, customer, fiado_amount, sale_id=sale.id, user_id=cashier_id, now=now)
    # Whole rows, not just the cost: held here, so the stock moves below find them in the session without a query.
    products = list(
        await session.scalars(select(Product).where(Product.id.in_({line.product_id for line in view.lines})))
    )
    costs = {product.id: product.avg_cost for product in products}
    # Lines are numbered afresh: a deposit shares its drink's cart line number, the sale's lines are 1…n.
    for number_on_sale, line in enumerate(sold, start=1):
        session.add(
            SaleLine(
                sale_id=sale.id,
                line_no=number_on_sale,
                product_id=line.product_id,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                amount=line.amount,
                tax=line.tax,
                additional_tax_code=line.additional_tax,
                unit_cost=costs.get(line.product_id, 0),
                note=line.note[:40],
                deposit=line.deposit,
            )
        )
    moves = [stock.Move(line.product_id, -line.quantity, StockReason.SALE) for line in sold]
    # The empties brought back are the shop's again.
    moves += [stock.Move(line.product_id, line.quantity, StockReason.RETURN) for line in view.lines if line.redeem]
    moved = await stock.record_moves(
        session, moves, location="sala", user_id=cashier_id, ref_type="sale", ref_id=str(sale.id)
    )
    negative = [m.product_id for m, result in zip(moves, moved, strict=True) if result.negative and m.quantity < 0]
    # The document: folio, timbre and signature in this same transaction, so a sale never exists without it.
    tipo = TipoDTE.FACTURA if view.document_tipo == 33 else TipoDTE.BOLETA
    if emission.voucher_is_the_boleta(
        (p.method for p in settlement.payments),
        voucher_model=await emission.card_voucher_is_boleta(session),
        factura=tipo is TipoDTE.FACTURA,
    ):
        _add_payments_and_outbox(session, sale.id, lane_id, lane.drawer_pin, settlement, now)
        await carts.clear(session, lane_id)
        return CheckoutResult(sale.id, number, view.total, settlement, tuple(negative), None, 0, 0)
    document, issued = await stamping.stamp(
        session,
        secrets_dir,
        tipo=tipo,
        now=now,
        sale_id=sale.id,
        lines=[line.as_sold() for line in sold],
        buyer=stamping.buyer(customer) if tipo is TipoDTE.FACTURA and customer else None,
        payment_form=2 if fiado_amount == view.total else 1,
    )
    if issued.totals.total != view.total:
        raise CartError(
            f"El total del documento ({issued.totals.total}) no coincide con el de la venta ({view.total}).",
            "totals_mismatch",
        )
    _add_payments_and_outbox(session, sale.id, lane_id, lane.drawer_pin, settlement, now)
    await carts.clear(session, lane_id)
    return CheckoutResult(
        sale.id, number, view.total, settlement, tuple(negative), document.id, document.tipo, document.folio
    )


def _add_payments_and_outbox(
    session: AsyncSession, sale_id: int, lane_id: int, drawer_pin: int, settlement: Settlement, now: datetime
) -> None:
    """The payments, then the receipt and (on cash) the drawer: printed only once all this commits."""
    for payment in settlement.payments:
        session.add(
            Payment(
                sale_id=sale_id,
                method=payment.method.value,
                amount=payment.amount,
                tendered=payment.tendered,
                change=payment.change,
                reference=payment.reference,
            )
        )
    session.add(
        OutboxEntry(
            kind="print_receipt",
            ref_type="sale",
            ref_id=str(sale_id),
            payload={"lane_id": lane_id, "sale_id": sale_id},
            available_at=now,
            created_at=now,
        )
    )
    if any(p.method == PaymentMethod.EFECTIVO for p in settlement.payments):
        session.add(
            OutboxEntry(
                kind="open_drawer",
                ref_type="sale",
                ref_id=str(sale_id),
                payload={"lane_id": lane_id, "pin": drawer_pin},
                available_at=now,
                created_at=now,
            )
        )
