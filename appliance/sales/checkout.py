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
from appliance.db.models import Lane, OutboxEntry, Payment, PaymentMethod, Product, Sale, SaleLine, StockReason
from appliance.sales import cart as carts
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
    document_id: int
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
    view = await carts.view(session, lane_id)
    if not view.lines:
        raise CartError("La venta no tiene productos.", "empty_cart")
    if any(line.flags.get("age_restricted") and not line.flags.get("age_confirmed") for line in view.lines):
        raise CartError("Confirme la edad del cliente para los productos +18.", "age_not_confirmed")
    settlement = settle(view.total, tenders)
    number = int(await session.scalar(select(func.coalesce(func.max(Sale.number), 0))) or 0) + 1
    sale = Sale(
        number=number,
        at=now,
        lane=lane.code,
        cash_session_id=current.id,
        cashier_id=cashier_id,
        customer_id=None,
        status="completed",
        total=view.total,
        net=view.net,
        iva=view.iva,
        exempt=view.exempt,
        additional_tax=0,
        discount=sum(line.discount for line in view.lines),
        cash_rounding=settlement.rounding,
    )
    session.add(sale)
    await session.flush()
    # Whole rows, not just the cost: held here, so the stock moves below find them in the session without a query.
    products = list(
        await session.scalars(select(Product).where(Product.id.in_([line.product_id for line in view.lines])))
    )
    costs = {product.id: product.avg_cost for product in products}
    negative = []
    for line in view.lines:
        session.add(
            SaleLine(
                sale_id=sale.id,
                line_no=line.line_no,
                product_id=line.product_id,
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                amount=line.amount,
                tax=line.tax,
                unit_cost=costs.get(line.product_id, 0),
            )
        )
        moved = await stock.record_move(
            session,
            product_id=line.product_id,
            location="sala",
            quantity=-line.quantity,
            reason=StockReason.SALE,
            user_id=cashier_id,
            ref_type="sale",
            ref_id=str(sale.id),
        )
        if moved.negative:
            negative.append(line.product_id)
    # The boleta: folio, timbre and signature in this same transaction, so a sale never exists without its document.
    document, issued = await stamping.stamp(
        session,
        secrets_dir,
        tipo=TipoDTE.BOLETA,
        now=now,
        sale_id=sale.id,
        lines=[
            stamping.SoldLine(
                line.product_id, line.description, line.quantity, line.unit_price, line.discount, line.tax
            )
            for line in view.lines
        ],
    )
    if issued.totals.total != view.total:
        raise CartError(
            f"El total de la boleta ({issued.totals.total}) no coincide con el de la venta ({view.total}).",
            "totals_mismatch",
        )
    for payment in settlement.payments:
        session.add(
            Payment(
                sale_id=sale.id,
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
            ref_id=str(sale.id),
            payload={"lane_id": lane_id, "sale_id": sale.id},
            available_at=now,
            created_at=now,
        )
    )
    if any(p.method == PaymentMethod.EFECTIVO for p in settlement.payments):
        session.add(
            OutboxEntry(
                kind="open_drawer",
                ref_type="sale",
                ref_id=str(sale.id),
                payload={"lane_id": lane_id, "pin": lane.drawer_pin},
                available_at=now,
                created_at=now,
            )
        )
    await carts.clear(session, lane_id)
    return CheckoutResult(
        sale.id, number, view.total, settlement, tuple(negative), document.id, document.tipo, document.folio
    )
