"""Committing a sale: one transaction with the sale, its lines and payments, the stock moves, and the outbox rows
for printing and the drawer. Nothing prints until it commits (DESIGN.md: side effects after commit).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from appliance.cash import sessions as cash
from appliance.core.money import format_clp
from appliance.db.models import Customer, PaymentMethod, StockReason
from appliance.db.raw import marks, raw, stored
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
    # Plain SQL for the rows every sale writes (db/raw.py): through the ORM they cost several times the signature.
    sql = await raw(session)
    lane = await sql.one("SELECT code, drawer_pin FROM lanes WHERE id = ?", (lane_id,))
    if lane is None:
        raise CartError("La caja no existe.", "not_found")
    lane_code, drawer_pin = lane
    cash_session_id = await cash.open_session_id(session, lane_id)
    if cash_session_id is None:
        raise CartError("Abra la caja (turno) antes de vender.", "no_cash_session")
    view = await carts.view(session, lane_id, now=now)
    sold = view.sold_lines
    if not sold:
        raise CartError("La venta no tiene productos.", "empty_cart")
    if view.pending["age"]:
        raise CartError("Confirme la edad del cliente para los productos +18.", "age_not_confirmed")
    # The cart may have waited past closing time, or past midnight into a ley seca date: alcohol is checked again.
    unauthorised = sorted({line.product_id for line in sold if not line.flags.get("alcohol_override")})
    alcohol = unauthorised and await sql.one(
        f"SELECT 1 FROM products WHERE id IN ({marks(len(unauthorised))}) AND is_alcohol LIMIT 1", unauthorised
    )
    reason = (await compliance.alcohol_rules(session)).blocked(now) if alcohol else None
    if reason:
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
    number = int((await sql.one("SELECT coalesce(max(number), 0) FROM sales"))[0]) + 1  # type: ignore[index]
    sale_id = await sql.run(
        "INSERT INTO sales (number, at, lane, cash_session_id, cashier_id, customer_id, status, total, net, iva,"
        " exempt, additional_tax, discount, cash_rounding) VALUES (?, ?, ?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?)",
        (
            number,
            stored(now),
            lane_code,
            cash_session_id,
            cashier_id,
            customer.id if customer else None,
            view.total,
            view.net,
            view.iva,
            view.exempt,
            view.additional_tax,
            sum(line.discount for line in sold),
            settlement.rounding,
        ),
    )
    fiado_amount = sum(p.amount for p in settlement.payments if p.method == PaymentMethod.FIADO)
    if fiado_amount:
        await fiado.charge(session, customer, fiado_amount, sale_id=sale_id, user_id=cashier_id, now=now)
    ids = sorted({line.product_id for line in view.lines})
    # The average cost when sold, for margins: kept as stored (ten-thousandths of a peso), as sale_lines holds it.
    costs: dict[int, int] = dict(
        await sql.all(f"SELECT id, avg_cost FROM products WHERE id IN ({marks(len(ids))})", ids)
    )
    # Lines are numbered afresh: a deposit shares its drink's cart line number, the sale's lines are 1…n.
    await sql.run_many(
        "INSERT INTO sale_lines (sale_id, line_no, product_id, description, quantity, unit_price, discount, amount,"
        " tax, additional_tax_code, unit_cost, note, deposit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                sale_id,
                number_on_sale,
                line.product_id,
                line.description,
                line.quantity,
                line.unit_price,
                line.discount,
                line.amount,
                line.tax,
                line.additional_tax,
                costs.get(line.product_id, 0),
                line.note[:40],
                line.deposit,
            )
            for number_on_sale, line in enumerate(sold, start=1)
        ],
    )
    moves = [stock.Move(line.product_id, -line.quantity, StockReason.SALE) for line in sold]
    # The empties brought back are the shop's again.
    moves += [stock.Move(line.product_id, line.quantity, StockReason.RETURN) for line in view.lines if line.redeem]
    moved = await stock.record_moves(
        session, moves, location="sala", user_id=cashier_id, ref_type="sale", ref_id=str(sale_id), costs=costs
    )
    negative = [m.product_id for m, result in zip(moves, moved, strict=True) if result.negative and m.quantity < 0]
    # The document: folio, timbre and signature in this same transaction, so a sale never exists without it.
    tipo = TipoDTE.FACTURA if view.document_tipo == 33 else TipoDTE.BOLETA
    if emission.voucher_is_the_boleta(
        (p.method for p in settlement.payments),
        voucher_model=await emission.card_voucher_is_boleta(session),
        factura=tipo is TipoDTE.FACTURA,
    ):
        await _add_payments_and_outbox(session, sale_id, lane_id, drawer_pin, settlement, now)
        await carts.clear(session, lane_id)
        return CheckoutResult(sale_id, number, view.total, settlement, tuple(negative), None, 0, 0)
    document, issued = await stamping.stamp(
        session,
        secrets_dir,
        tipo=tipo,
        now=now,
        sale_id=sale_id,
        lines=[line.as_sold() for line in sold],
        buyer=stamping.buyer(customer) if tipo is TipoDTE.FACTURA and customer else None,
        payment_form=2 if fiado_amount == view.total else 1,
    )
    if issued.totals.total != view.total:
        raise CartError(
            f"El total del documento ({issued.totals.total}) no coincide con el de la venta ({view.total}).",
            "totals_mismatch",
        )
    await _add_payments_and_outbox(session, sale_id, lane_id, drawer_pin, settlement, now)
    await carts.clear(session, lane_id)
    return CheckoutResult(
        sale_id, number, view.total, settlement, tuple(negative), document.id, document.tipo, document.folio
    )


_OUTBOX = (
    "INSERT INTO outbox (kind, ref_type, ref_id, payload, status, attempts, available_at, created_at, last_error)"
    " VALUES (?, 'sale', ?, ?, 'pending', 0, ?, ?, '')"
)


async def _add_payments_and_outbox(
    session: AsyncSession, sale_id: int, lane_id: int, drawer_pin: int, settlement: Settlement, now: datetime
) -> None:
    """The payments, then the receipt and (on cash) the drawer: printed only once all this commits."""
    sql = await raw(session)
    await sql.run_many(
        "INSERT INTO payments (sale_id, method, amount, tendered, change, reference) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (sale_id, payment.method.value, payment.amount, payment.tendered, payment.change, payment.reference)
            for payment in settlement.payments
        ],
    )
    at = stored(now)
    await sql.run(
        _OUTBOX, ("print_receipt", str(sale_id), json.dumps({"lane_id": lane_id, "sale_id": sale_id}), at, at)
    )
    if any(p.method == PaymentMethod.EFECTIVO for p in settlement.payments):
        await sql.run(
            _OUTBOX, ("open_drawer", str(sale_id), json.dumps({"lane_id": lane_id, "pin": drawer_pin}), at, at)
        )
