"""Past sales for the demo, reports and benchmarks: days of believable trade written straight to the tables.

Each sale is what the counter would have committed — lines at the then price, IVA split of the gross total, payments
with the cash part rounded (Ley 20.956), stock moves out of the sala — but written in bulk, since a benchmark asks
for hundreds of thousands. Levels are brought along so the ledger still adds up.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.core.clock import CHILE_TZ
from appliance.core.money import cash_rounding, split_gross
from appliance.core.quantity import line_amount
from appliance.db.base import COST_SCALE
from appliance.db.models import Location, PaymentMethod, Product, Sale, User

BATCH = 5_000
# How a minimarket's customers pay (share of sales).
METHODS = (
    (PaymentMethod.EFECTIVO, 0.52),
    (PaymentMethod.DEBITO, 0.33),
    (PaymentMethod.CREDITO, 0.08),
    (PaymentMethod.TRANSFERENCIA, 0.07),
)
# Sales per opening hour, 08:00 to 21:00: a morning bread peak and an after-work peak.
HOURLY = (6, 10, 9, 7, 8, 9, 7, 6, 7, 10, 12, 11, 8, 5)


@dataclass(frozen=True)
class _Item:
    id: int
    name: str
    price: int
    unit: str
    tax: str
    additional_tax: int | None
    cost_e4: int  # average cost in ten-thousandths, as the Cost column stores it


def last_days(days: int, today: date) -> list[date]:
    """The `days` days before `today`, oldest first: a history never has sales in the future."""
    return [today - timedelta(days=back) for back in range(days, 0, -1)]


async def days_without_sales(session: AsyncSession, days: Sequence[date]) -> list[date]:
    """Those of `days` (Chile's calendar) on which the shop has no sale yet, oldest first."""
    empty = []
    for day in sorted(days):
        start = datetime.combine(day, time(), tzinfo=CHILE_TZ)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=CHILE_TZ)
        # One index seek per day (ix_sales_at); the bounds are local midnights, stored in UTC like every `at`.
        if await session.scalar(select(Sale.id).where(Sale.at >= start, Sale.at < end).limit(1)) is None:
            empty.append(day)
    return empty


async def generate(
    session: AsyncSession,
    *,
    days: int = 0,
    sales: int = 0,
    end: datetime | None = None,
    seed: int = 5,
    dates: Sequence[date] = (),
) -> int:
    """Write `sales` sales (or about 200 a day) over `dates`, or over the `days` days before `end`. Returns how many
    were written."""
    if dates:
        day_list = sorted(dates)
        # Another stretch of days than a previous fill's: another seed, or each day would repeat the first's sales.
        rng = random.Random(seed * 1_000_003 + day_list[0].toordinal())
        total = sales or len(day_list) * 200
    else:
        rng = random.Random(seed)
        total = sales or days * 200
        span_days = max(days, total // 200, 1)
        # Up to yesterday: no sale in the future.
        day_list = last_days(span_days, (end or datetime.now(CHILE_TZ)).date())
    if total <= 0:
        return 0
    items = [
        _Item(p.id, p.short_name, p.price, p.unit, p.tax, p.additional_tax, int(p.avg_cost * COST_SCALE))
        for p in await session.scalars(select(Product).where(Product.active, Product.price > 0))
    ]
    if not items:
        raise ValueError("the shop has no products to sell")
    # A few products sell far more than the rest (bread, milk, soft drinks).
    weights = [rng.paretovariate(1.2) for _ in items]
    cum_weights = list(itertools.accumulate(weights))
    method_names = [m for m, _ in METHODS]
    method_weights = list(itertools.accumulate(w for _, w in METHODS))
    cashiers: list[int | None] = [*await session.scalars(select(User.id).where(User.role == "cajero"))] or [None]
    sala = await session.scalar(select(Location.id).where(Location.code == "sala"))
    next_number = int(await session.scalar(select(func.coalesce(func.max(Sale.number), 0))) or 0) + 1
    next_id = int(await session.scalar(select(func.coalesce(func.max(Sale.id), 0))) or 0) + 1
    hours = [8 + h for h, w in enumerate(HOURLY) for _ in range(w)]

    batches: dict[str, list[tuple[object, ...]]] = {"sales": [], "lines": [], "payments": [], "moves": []}
    deltas: dict[int, int] = {}
    for n in range(total):
        day = day_list[n * len(day_list) // total]
        at = datetime(
            day.year, day.month, day.day, rng.choice(hours), rng.randrange(60), rng.randrange(60), tzinfo=CHILE_TZ
        )
        stamp = _stamp(at)
        sale_id = next_id + n
        gross_afecto = exempt = 0
        chosen = rng.choices(items, cum_weights=cum_weights, k=min(1 + int(rng.expovariate(0.45)), 12))
        for line_no, item in enumerate(chosen, start=1):
            qty = rng.randint(150, 1_500) if item.unit == "kg" else rng.choice((1, 1, 1, 1, 2, 2, 3)) * 1000
            amount = line_amount(item.price, qty)
            if item.tax == "exento":
                exempt += amount
            else:
                gross_afecto += amount
            batches["lines"].append(
                (
                    sale_id,
                    line_no,
                    item.id,
                    item.name,
                    qty,
                    item.price,
                    amount,
                    item.tax,
                    item.additional_tax,
                    item.cost_e4,
                )
            )
            batches["moves"].append((stamp, item.id, sala, -qty, item.cost_e4, str(sale_id)))
            deltas[item.id] = deltas.get(item.id, 0) - qty
        net, iva = split_gross(gross_afecto)
        total_amount = gross_afecto + exempt
        method = rng.choices(method_names, cum_weights=method_weights)[0]
        rounding = 0
        if method is PaymentMethod.EFECTIVO:
            paid = cash_rounding(total_amount)
            rounding = paid - total_amount
            tendered = next(b for b in (paid, 1000, 2000, 5000, 10000, 20000, 50000, paid) if b >= paid)
            payment: tuple[object, ...] = (sale_id, method.value, paid, tendered, tendered - paid, "")
        else:
            reference = f"{rng.randrange(10**6):06d}" if method != PaymentMethod.TRANSFERENCIA else ""
            payment = (sale_id, method.value, total_amount, None, None, reference)
        batches["payments"].append(payment)
        batches["sales"].append(
            (
                sale_id,
                next_number + n,
                stamp,
                f"caja-{1 + n % 2}",
                rng.choice(cashiers),
                None,
                total_amount,
                net,
                iva,
                exempt,
                rounding,
            )
        )
        if len(batches["sales"]) >= BATCH:
            await _flush(session, batches)
    await _flush(session, batches)
    # The shop restocked what it sold: one receipt per product at the start of the period. Sales and restock
    # cancel out, so levels stay where the opening stock left them instead of thousands below zero.
    restock_at = _stamp(datetime.combine(day_list[0], time(7, 30), tzinfo=CHILE_TZ))
    costs = {item.id: item.cost_e4 for item in items}
    await _flush(session, {"restock": [(restock_at, pid, sala, -delta, costs[pid]) for pid, delta in deltas.items()]})
    return total


_SQL = {
    "sales": "INSERT INTO sales (id, number, at, lane, cashier_id, customer_id, status, total, net, iva, exempt, "
    "additional_tax, discount, cash_rounding) VALUES (?, ?, ?, ?, ?, ?, 'completed', ?, ?, ?, ?, 0, 0, ?)",
    "lines": "INSERT INTO sale_lines (sale_id, line_no, product_id, description, quantity, unit_price, discount, "
    "amount, tax, additional_tax_code, unit_cost) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
    "payments": "INSERT INTO payments (sale_id, method, amount, tendered, change, reference) VALUES (?, ?, ?, ?, ?, ?)",
    "restock": "INSERT INTO stock_moves (at, product_id, location_id, quantity, reason, unit_cost, ref_type, ref_id, "
    "note) VALUES (?, ?, ?, ?, 'compra', ?, '', '', 'reposición de la demostración')",
    "moves": "INSERT INTO stock_moves (at, product_id, location_id, quantity, reason, unit_cost, ref_type, ref_id, "
    "note) VALUES (?, ?, ?, ?, 'venta', ?, 'sale', ?, '')",
}


def _stamp(at: datetime) -> str:
    """The text form SQLAlchemy's DateTime uses on SQLite, in UTC like UtcDateTime."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def _flush(session: AsyncSession, batches: dict[str, list[tuple[object, ...]]]) -> None:
    # Straight to the driver: the ORM's per-row work would make 200.000 sales take minutes.
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    for name, rows in batches.items():
        if rows:
            await driver.executemany(_SQL[name], rows)
            rows.clear()
