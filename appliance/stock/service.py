"""The stock ledger: every change of stock is a move; the level per product and location moves with it.

Levels are a cache of the sum of moves, updated in the same transaction, so they cannot drift (and `drift()` proves
it). Stock may go negative — the cashier must be able to sell what is physically on the counter — but the caller is
told, so the back office can flag it. Receipts update the weighted average cost (costo promedio ponderado).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.core.errors import DomainError
from appliance.db.models import Location, Product, StockLevel, StockMove, StockReason
from appliance.db.raw import marks, raw, stored_now

# Receipts carry a cost and move the average; the rest move stock at the current average.
COSTED_REASONS = frozenset({StockReason.INITIAL, StockReason.PURCHASE})


class UnknownLocation(DomainError):
    default_code = "unknown_location"


class InvalidMove(DomainError):
    default_code = "invalid_move"


@dataclass(frozen=True)
class MoveResult:
    move_id: int
    level: int  # milli-units at the location after the move
    negative: bool


async def location_id(session: AsyncSession, code: str) -> int:
    # Remembered for the session's life: a five-line sale asked five times for the same "sala".
    known: dict[str, int] = session.info.setdefault("stock_location_ids", {})
    if code in known:
        return known[code]
    row = await (await raw(session)).one("SELECT id FROM locations WHERE code = ?", (code,))
    found: int | None = row[0] if row else None
    if found is None:
        raise UnknownLocation(f"No existe la ubicación de stock «{code}».")
    known[code] = found
    return found


async def total_on_hand(session: AsyncSession, product_id: int) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(StockLevel.quantity), 0)).where(StockLevel.product_id == product_id)
    )
    return int(total or 0)


def weighted_average(old_qty: int, old_cost: Decimal, qty: int, cost: Decimal) -> Decimal:
    """New average cost after receiving `qty` at `cost`. Negative on-hand stock counts as none (it has no cost)."""
    base = max(old_qty, 0)
    if base + qty <= 0:
        return cost
    value = (Decimal(base) * old_cost + Decimal(qty) * cost) / Decimal(base + qty)
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


async def record_move(
    session: AsyncSession,
    *,
    product_id: int,
    location: str | int,
    quantity: int,
    reason: StockReason,
    unit_cost: Decimal | int | None = None,
    user_id: int | None = None,
    ref_type: str = "",
    ref_id: str = "",
    note: str = "",
) -> MoveResult:
    """Append one move and bring the level along. The caller owns the transaction."""
    if quantity == 0:
        raise InvalidMove("La cantidad del movimiento no puede ser cero.")
    loc_id = location if isinstance(location, int) else await location_id(session, location)
    product = await session.get(Product, product_id)
    if product is None:
        raise InvalidMove(f"El producto {product_id} no existe.")
    cost = Decimal(unit_cost) if unit_cost is not None else None
    if reason in COSTED_REASONS and quantity > 0 and cost is not None:
        if cost < 0:
            raise InvalidMove("El costo unitario no puede ser negativo.")
        on_hand = await total_on_hand(session, product_id)
        product.avg_cost = weighted_average(on_hand, product.avg_cost, quantity, cost)
    move = StockMove(
        product_id=product_id,
        location_id=loc_id,
        quantity=quantity,
        reason=reason.value,
        unit_cost=cost if cost is not None else product.avg_cost,
        user_id=user_id,
        ref_type=ref_type,
        ref_id=ref_id,
        note=note[:200],
    )
    session.add(move)
    await session.flush()
    level = await _bring_level(session, product_id, loc_id, quantity)
    return MoveResult(move_id=move.id, level=level, negative=level < 0)


@dataclass(frozen=True)
class Move:
    """One move of `record_moves`: at the product's current average cost, so nothing to recompute."""

    product_id: int
    quantity: int
    reason: StockReason


async def record_moves(
    session: AsyncSession,
    moves: Sequence[Move],
    *,
    location: str,
    user_id: int | None,
    ref_type: str,
    ref_id: str,
    costs: Mapping[int, int] | None = None,
) -> list[MoveResult]:
    """A sale's moves at once: the same rows as `record_move` one by one, with one flush instead of one per line.

    Levels are brought along in the order given, so two lines of one product each see the level after their own move.
    `costs`: the products' average costs as stored, when the caller read them in this transaction already.
    """
    if any(move.quantity == 0 for move in moves):
        raise InvalidMove("La cantidad del movimiento no puede ser cero.")
    if any(move.reason in COSTED_REASONS and move.quantity > 0 for move in moves):
        raise InvalidMove("Las entradas con costo van de a una (record_move): mueven el costo promedio.")
    loc_id = await location_id(session, location)
    # Plain SQL: this runs in every sale's transaction (db/raw.py). Costs stay as stored (ten-thousandths of a peso).
    sql = await raw(session)
    ids = sorted({move.product_id for move in moves})
    if costs is None or not costs.keys() >= set(ids):
        costs = dict(await sql.all(f"SELECT id, avg_cost FROM products WHERE id IN ({marks(len(ids))})", ids))
    for move in moves:
        if move.product_id not in costs:
            raise InvalidMove(f"El producto {move.product_id} no existe.")
    at = stored_now()
    results = []
    for move in moves:
        move_id = await sql.run(
            "INSERT INTO stock_moves (at, product_id, location_id, quantity, reason, unit_cost, user_id, ref_type,"
            " ref_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '')",
            (
                at,
                move.product_id,
                loc_id,
                move.quantity,
                move.reason.value,
                costs[move.product_id],
                user_id,
                ref_type,
                ref_id,
            ),
        )
        level = await _bring_level(session, move.product_id, loc_id, move.quantity)
        results.append(MoveResult(move_id=move_id, level=level, negative=level < 0))
    return results


async def _bring_level(session: AsyncSession, product_id: int, location_id: int, quantity: int) -> int:
    # One statement for insert-or-add keeps concurrent lanes from losing an update.
    # RETURNING rows are read to the end, so the statement is finished before the next one.
    rows = await (await raw(session)).all(
        "INSERT INTO stock_levels (product_id, location_id, quantity, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (product_id, location_id) DO UPDATE SET"
        " quantity = quantity + excluded.quantity, updated_at = excluded.updated_at RETURNING quantity",
        (product_id, location_id, quantity, stored_now()),
    )
    return int(rows[0][0])


async def transfer(
    session: AsyncSession, *, product_id: int, source: str, dest: str, quantity: int, user_id: int | None = None
) -> tuple[MoveResult, MoveResult]:
    if quantity <= 0:
        raise InvalidMove("La cantidad a trasladar debe ser positiva.")
    if source == dest:
        raise InvalidMove("El origen y el destino del traslado son la misma ubicación.")
    out = await record_move(
        session,
        product_id=product_id,
        location=source,
        quantity=-quantity,
        reason=StockReason.TRANSFER,
        user_id=user_id,
        note=f"a {dest}",
    )
    into = await record_move(
        session,
        product_id=product_id,
        location=dest,
        quantity=quantity,
        reason=StockReason.TRANSFER,
        user_id=user_id,
        note=f"desde {source}",
    )
    return out, into


async def levels(session: AsyncSession, product_id: int) -> dict[str, int]:
    """Milli-units per location code, every location listed (0 where nothing moved yet)."""
    rows = await session.execute(
        select(Location.code, func.coalesce(StockLevel.quantity, 0))
        .select_from(Location)
        .outerjoin(StockLevel, (StockLevel.location_id == Location.id) & (StockLevel.product_id == product_id))
        .order_by(Location.id)
    )
    return {code: int(qty) for code, qty in rows.all()}


async def drift(session: AsyncSession) -> list[tuple[int, int, int, int]]:
    """(product, location, level, sum of moves) wherever the two disagree — always empty unless something is broken."""
    rows = await session.execute(
        text(
            "SELECT p, l, lvl, mv FROM ("
            " SELECT COALESCE(s.product_id, m.product_id) AS p, COALESCE(s.location_id, m.location_id) AS l,"
            "  COALESCE(s.quantity, 0) AS lvl, COALESCE(m.total, 0) AS mv"
            " FROM stock_levels s FULL OUTER JOIN"
            "  (SELECT product_id, location_id, SUM(quantity) AS total FROM stock_moves"
            "   GROUP BY product_id, location_id) m"
            "  ON s.product_id = m.product_id AND s.location_id = m.location_id"
            ") WHERE lvl != mv"
        )
    )
    return [(int(a), int(b), int(c), int(d)) for a, b, c, d in rows.all()]


async def negative_levels(session: AsyncSession, limit: int = 200) -> list[tuple[int, str, int]]:
    """Products whose stock went below zero somewhere: (product id, location code, level)."""
    rows = await session.execute(
        select(StockLevel.product_id, Location.code, StockLevel.quantity)
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.quantity < 0)
        .order_by(StockLevel.quantity)
        .limit(limit)
    )
    return [(int(p), str(c), int(q)) for p, c, q in rows.all()]
