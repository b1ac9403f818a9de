"""The demo shop: on first run, a believable Chilean minimarket in the data directory; later runs reuse it.

Everything goes through the same tables and rules as a real shop (stock as initial ledger moves, prices with their
history), written in one transaction so a half-built demo never exists.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.catalog import categories
from appliance.core.clock import CHILE_TZ
from appliance.db import migrate
from appliance.db.engine import Database
from appliance.db.models import (
    BarcodeLayout,
    Company,
    Customer,
    Lane,
    Location,
    PriceChange,
    Product,
    ProductBarcode,
    StockLevel,
    StockMove,
    StockReason,
    Supplier,
)
from appliance.demo import counter
from appliance.demo.catalog import generate_catalog
from appliance.demo.people import generate_company, generate_customers, generate_suppliers
from appliance.pos import pins
from appliance.settings import Settings
from appliance.sii import local_setup
from appliance.users import service as users

# Shown on the console and in the README: a demo is for trying, so its passwords are public.
DEMO_USERS = (
    ("admin", "Andrea Administradora", "administrador", "demo-admin"),
    ("supervisor", "Sergio Supervisor", "supervisor", "demo-super"),
    ("cajero", "Carla Cajera", "cajero", "demo-cajero"),
    ("duena", "Dolores Dueña", "dueno", "demo-duena"),
)
# PINs for the tablets (the owner watches from home and has none).
DEMO_PINS = {"admin": "9999", "supervisor": "4321", "cajero": "1234"}
DEMO_LANES = (("caja-1", "Caja 1"), ("caja-2", "Caja 2"))
# Two scale label layouts: weight labels (20 + PLU + grams) and price labels (25 + PLU + pesos).
DEMO_LAYOUTS = (("Balanza peso", "20", 5, "grams"), ("Balanza precio", "25", 5, "pesos"))


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    products: int
    seconds: float
    history_days: int = 0  # days of past sales asked for (the ones before today)
    history_filled: int = 0  # of those, the days that had no sale and got their history now
    history_sales: int = 0

    def history_message(self) -> str | None:
        if not self.history_days:
            return None
        if not self.history_filled:
            days = self.history_days
            return f"Historial ya generado: los {days} días hasta ayer ya tienen ventas; no se agregó nada."
        message = f"Historial generado: {_miles(self.history_sales)} ventas en {self.history_filled} días"
        if self.history_filled < self.history_days:
            message += f" (los otros {self.history_days - self.history_filled} ya tenían ventas)"
        return message + "."


def _miles(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 12.000, as Chile writes it


async def _seed(session: AsyncSession, settings: Settings) -> int:
    company = generate_company()
    session.add(
        Company(
            id=1,
            rut=company.rut,
            razon_social=company.razon_social,
            nombre_fantasia=company.nombre_fantasia,
            giro=company.giro,
            actecos=list(company.actecos),
            address=company.address,
            comuna=company.comuna,
            ciudad=company.ciudad,
            phone=company.phone,
            email=company.email,
            sii_office=company.sii_office,
            resolution_number=company.resolution_number,
            resolution_date=company.resolution_date,
            environment=company.environment,
        )
    )
    await session.flush()
    # Folios (CAF) and a signing certificate from a local authority the demo's SII simulator trusts.
    await local_setup.provision(session, settings.secrets_dir, now=datetime.now(UTC))
    for name, prefix, plu_length, kind in DEMO_LAYOUTS:
        session.add(BarcodeLayout(name=name, prefix=prefix, plu_length=plu_length, value_kind=kind))
    for username, full_name, role, password in DEMO_USERS:
        user = await users.create(
            session, username=username, full_name=full_name, role=role, password=password, actor_id=None
        )
        if username in DEMO_PINS:
            await pins.set_pin(session, user.id, DEMO_PINS[username], actor_id=None)
    for code, name in DEMO_LANES:
        session.add(Lane(code=code, name=name))
    for s in generate_suppliers():
        session.add(
            Supplier(
                rut=s.rut,
                razon_social=s.razon_social,
                giro=s.giro,
                address=s.address,
                comuna=s.comuna,
                contact_name=s.contact_name,
                phone=s.phone,
                email=s.email,
                payment_terms_days=s.payment_terms_days,
            )
        )
    for c in generate_customers():
        session.add(
            Customer(
                rut=c.rut,
                name=c.name,
                giro=c.giro,
                address=c.address,
                comuna=c.comuna,
                email=c.email,
                phone=c.phone,
                credit_limit=c.credit_limit,
                blocked=c.blocked,
            )
        )

    catalog = generate_catalog()
    category_ids: dict[tuple[str, ...], int] = {}
    for spec in catalog.categories:
        category_ids[spec.path] = await categories.ensure_path(session, " > ".join(spec.path))
    locations = {code: loc_id for code, loc_id in (await session.execute(select(Location.code, Location.id))).all()}

    # Bulk inserts: 1.500 products with the ORM's unit of work would take seconds on a Pi.
    products = [
        {
            "code": p.code,
            "name": p.name,
            "short_name": p.short_name,
            "category_id": category_ids[p.category],
            "unit": p.unit,
            "price": p.price,
            "tax": p.tax,
            "additional_tax": p.additional_tax,
            "is_alcohol": p.is_alcohol,
            "is_tobacco": p.is_tobacco,
            "age_restricted": p.age_restricted,
            "plu": p.plu,
            "min_stock": p.min_stock,
            "avg_cost": Decimal(p.unit_cost),
            "active": True,
        }
        for p in catalog.products
    ]
    await session.execute(insert(Product), products)
    ids = {code: pid for code, pid in (await session.execute(select(Product.code, Product.id))).all()}
    for p in catalog.products:
        if p.container_code:
            product = await session.get(Product, ids[p.code])
            assert product is not None
            product.container_product_id = ids[p.container_code]
    barcodes = [{"product_id": ids[p.code], "code": code} for p in catalog.products for code in p.barcodes]
    if barcodes:
        await session.execute(insert(ProductBarcode), barcodes)
    await session.execute(
        insert(PriceChange),
        [
            {"product_id": ids[p.code], "old_price": None, "new_price": p.price, "reason": "precio inicial"}
            for p in catalog.products
        ],
    )
    # Opening stock as ledger moves, with the levels they add up to.
    moves, levels = [], []
    for p in catalog.products:
        for location, quantity in (("sala", p.stock_sala), ("bodega", p.stock_bodega)):
            if quantity:
                moves.append(
                    {
                        "product_id": ids[p.code],
                        "location_id": locations[location],
                        "quantity": quantity,
                        "reason": StockReason.INITIAL.value,
                        "unit_cost": Decimal(p.unit_cost),
                        "note": "stock inicial de la demostración",
                    }
                )
                levels.append({"product_id": ids[p.code], "location_id": locations[location], "quantity": quantity})
    await session.execute(insert(StockMove), moves)
    await session.execute(insert(StockLevel), levels)
    await counter.seed(session, datetime.now(UTC).astimezone(CHILE_TZ).date())
    return len(products)


async def ensure_demo(settings: Settings, *, history_days: int = 0) -> int:
    """Create the demo shop if the data directory has none. Returns a process exit code."""
    summary = await build(settings, history_days=history_days)
    if summary.created:
        print(f"Tienda de demostración creada: {summary.products} productos ({summary.seconds:.1f} s).", flush=True)
    if message := summary.history_message():
        print(message, flush=True)
    return 0


async def build(settings: Settings, *, history_days: int = 0, today: date | None = None) -> DemoSummary:
    """The demo shop, unless the data directory has it; with `history_days`, past sales on each of the days before
    `today` that has none yet. So a second run with the same days adds nothing, and a run days later fills only the
    days since (a day with sales, generated or sold at the demo's counter, is never given more)."""
    started = time.perf_counter()
    settings.ensure_dirs()
    migrate.upgrade(settings.database_path, settings.backups_dir)
    db = Database(settings.database_path)
    filled = sales = 0
    try:
        async with db.read() as session:
            exists = await session.get(Company, 1) is not None
        count = 0
        if not exists:
            async with db.write() as session:
                count = await _seed(session, settings)
        if history_days > 0:
            from appliance.demo import history

            wanted = history.last_days(history_days, today or datetime.now(CHILE_TZ).date())
            # Looked for and written in one write transaction: two runs at once cannot both fill the same days.
            async with db.write() as session:
                missing = await history.days_without_sales(session, wanted)
                if missing:
                    sales = await history.generate(session, dates=missing)
            filled = len(missing)
    finally:
        await db.dispose()
    return DemoSummary(
        created=not exists,
        products=count,
        seconds=time.perf_counter() - started,
        history_days=max(history_days, 0),
        history_filled=filled,
        history_sales=sales,
    )


def print_credentials() -> None:
    print("Usuarios de la demostración (usuario / contraseña / PIN de caja):", flush=True)
    for username, full_name, _role, password in DEMO_USERS:
        print(f"  {username:<11} {password:<12} {DEMO_PINS.get(username, '-'):<5} {full_name}", flush=True)
    print("Para vender: en Ajustes › Cajas pida un código y ábralo en la tablet (/emparejar).", flush=True)
