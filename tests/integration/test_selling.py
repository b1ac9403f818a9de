"""Selling on a real SQLite file: carts on the box, checkout in one transaction, concurrent lanes, cash sessions,
pairing and PINs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from appliance.audit.log import recent as audit_log
from appliance.cash import sessions as cash
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import Company, Document, Lane, OutboxEntry, Payment, Sale, SaleLine, StockMove, User
from appliance.db.models import PaymentMethod as M
from appliance.pos import pairing, pins
from appliance.sales import cart, checkout, compliance
from appliance.sales.cart import CartError, UnknownBarcode
from appliance.sales.tenders import Tender
from appliance.sii import local_setup
from appliance.sii.stamping import ClockBehind
from appliance.stock import service as stock
from appliance.users import service as users
from tests.support import TEST_COMPANY, migrated_database

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)

MILK = "7802820005509"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = migrated_database(tmp_path)
    async with database.write() as s:
        s.add(Company(id=1, **TEST_COMPANY))
        await s.flush()
        await local_setup.provision(s, tmp_path / "secrets", now=NOW)
        for fields in (
            {"code": "L1", "name": "Leche Entera 1 L", "price": "1.190", "barcodes": MILK},
            {"code": "P1", "name": "Pan Marraqueta", "price": "2.490", "unit": "kg", "plu": "20001"},
            {"code": "C1", "name": "Cerveza Lager 1 L", "price": "1.990", "additional_tax": "26"},
        ):
            await catalog.create(s, parse_product(fields), user_id=None)
        for n in (1, 2, 3, 4):
            s.add(Lane(code=f"caja-{n}", name=f"Caja {n}"))
        await users.create(s, username="carla", full_name="Carla", role="cajero", password="x" * 8, actor_id=None)
        await users.create(s, username="sergio", full_name="Sergio", role="supervisor", password="y" * 8, actor_id=None)
        for lane in (1, 2, 3, 4):
            await cash.open_session(s, lane, user_id=1, opening_float=20_000, now=NOW)
        # These steps run on the real clock: the beer sells at any hour (the alcohol window has its own tests).
        await compliance.save(s, compliance.AlcoholRules(time(0), time(0), ()))
    yield database
    await database.dispose()


async def _user(s: AsyncSession, username: str) -> User:
    found = await s.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


async def test_scan_add_and_checkout_mixed_cash_and_debit(db: Database) -> None:
    async with db.write() as s:
        await cart.add_scan(s, 1, MILK)
        await cart.add_scan(s, 1, MILK)  # same product again: one line, x2
        milk = await catalog.by_code(s, "P1")
        assert milk is not None
        await cart.add_product(s, 1, milk, 1_250)  # 1,250 kg of bread at $2.490/kg = $3.113 (half up)
        view = await cart.view(s, 1)
        assert [(line.quantity, line.amount) for line in view.lines] == [(2_000, 2_380), (1_250, 3_113)]
        assert view.total == 5_493 and view.net + view.iva == 5_493
        result = await checkout.checkout(
            s,
            1,
            [Tender(M.DEBITO, 3_000, "778899"), Tender(M.EFECTIVO, 5_000)],
            cashier_id=1,
            now=NOW,
            secrets_dir=db.path.parent / "secrets",
        )
    assert (result.tipo, result.folio) == (39, 1)
    assert result.settlement.cash_due == 2_490 and result.settlement.rounding == -3
    assert result.settlement.change == 2_510
    async with db.read() as s:
        sale = await s.get(Sale, result.sale_id)
        assert sale is not None and sale.total == 5_493 and sale.cash_rounding == -3 and sale.number == 1
        payments = (await s.execute(select(Payment.method, Payment.amount).where(Payment.sale_id == sale.id))).all()
        assert sorted(payments) == [("debito", 3_000), ("efectivo", 2_490)]
        outbox = list(await s.scalars(select(OutboxEntry.kind).where(OutboxEntry.ref_id == str(sale.id))))
        assert sorted(outbox) == ["open_drawer", "print_receipt"]
        assert (await cart.view(s, 1)).lines == ()
        assert await stock.levels(s, (await catalog.by_code(s, "L1")).id) == {"sala": -2_000, "bodega": 0}


async def test_bad_input_leaves_nothing_half_written(db: Database) -> None:
    async with db.write() as s:
        with pytest.raises(UnknownBarcode, match="no está en el catálogo"):
            await cart.add_scan(s, 1, "7800000000017")
        with pytest.raises(CartError, match="no tiene productos"):
            await checkout.checkout(
                s, 1, [Tender(M.EFECTIVO, 1_000)], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets"
            )
        await cart.add_scan(s, 1, MILK)
    with pytest.raises(Exception, match="no alcanza"):
        async with db.write() as s:
            await checkout.checkout(
                s, 1, [Tender(M.EFECTIVO, 500)], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets"
            )
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Sale)) == 0
        assert await s.scalar(select(func.count()).select_from(StockMove)) == 0
        assert len((await cart.view(s, 1)).lines) == 1  # the cart is still there to pay again


async def test_age_restricted_products_need_confirmation(db: Database) -> None:
    async with db.write() as s:
        beer = await catalog.by_code(s, "C1")
        assert beer is not None and beer.age_restricted
        await cart.add_product(s, 1, beer, 1_000)
        with pytest.raises(CartError, match="edad"):
            await checkout.checkout(
                s, 1, [Tender(M.EFECTIVO, 2_000)], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets"
            )


async def test_concurrent_lanes_never_interleave_lose_moves_or_reuse_numbers(db: Database) -> None:
    per_lane = 25

    async def lane(lane_id: int) -> None:
        for _ in range(per_lane):
            async with db.write() as s:
                await cart.add_scan(s, lane_id, MILK)
                await cart.add_scan(s, lane_id, MILK)
            async with db.write() as s:
                await checkout.checkout(
                    s,
                    lane_id,
                    [Tender(M.EFECTIVO, 5_000)],
                    cashier_id=1,
                    now=NOW,
                    secrets_dir=db.path.parent / "secrets",
                )

    await asyncio.gather(*(lane(n) for n in (1, 2, 3, 4)))
    async with db.read() as s:
        numbers = list(await s.scalars(select(Sale.number).order_by(Sale.number)))
        assert numbers == list(range(1, 4 * per_lane + 1))  # unique and without gaps
        folios = list(await s.scalars(select(Document.folio).where(Document.tipo == 39).order_by(Document.folio)))
        assert folios == list(range(1, 4 * per_lane + 1))  # every sale has its boleta; no folio reused or skipped
        milk = await catalog.by_code(s, "L1")
        assert milk is not None
        assert (await stock.levels(s, milk.id))["sala"] == -2_000 * 4 * per_lane
        # Every sale has exactly its own two-unit line and one move referencing it.
        lines = (
            await s.execute(select(SaleLine.sale_id, func.sum(SaleLine.quantity)).group_by(SaleLine.sale_id))
        ).all()
        assert len(lines) == 4 * per_lane and {q for _, q in lines} == {2_000}
        moves = (
            await s.execute(
                select(StockMove.ref_id, func.count()).where(StockMove.reason == "venta").group_by(StockMove.ref_id)
            )
        ).all()
        assert len(moves) == 4 * per_lane and {c for _, c in moves} == {1}
        assert await stock.drift(s) == []


async def test_cash_session_expected_and_difference(db: Database) -> None:
    async with db.write() as s:
        await cart.add_scan(s, 2, MILK)  # 1.190 → cash 1.190 (ends in 0, no rounding)
        await checkout.checkout(
            s, 2, [Tender(M.EFECTIVO, 2_000)], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets"
        )
        bread = await catalog.by_code(s, "P1")
        assert bread is not None
        await cart.add_product(s, 2, bread, 1_000)  # 2.490 → debit
        await checkout.checkout(
            s, 2, [Tender(M.DEBITO, 2_490)], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets"
        )
        await cart.add_product(s, 2, bread, 555)  # 1.382 (half up of 1.381,95) → cash 1.380, rounding −2
        await checkout.checkout(
            s, 2, [Tender(M.EFECTIVO, 1_500)], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets"
        )
        await cash.add_movement(s, 2, kind="retiro", amount=10_000, note="a caja fuerte", user_id=1, now=NOW)
        await cash.add_movement(s, 2, kind="terceros_ingreso", amount=5_000, note="Caja Vecina", user_id=1, now=NOW)
        with pytest.raises(cash.CashError, match="no alcanza"):
            await cash.add_movement(s, 2, kind="gasto", amount=1_000_000, note="", user_id=1, now=NOW)
        session_id = (await cash.current(s, 2)).id  # type: ignore[union-attr]
        report = await cash.x_report(s, session_id)
    assert report.sales_count == 3 and report.sales_total == 1_190 + 2_490 + 1_382
    assert report.cash_from_sales == 1_190 + 1_380 and report.rounding == -2
    assert report.expected_cash == 20_000 + 2_570 - 10_000 + 5_000 == 17_570
    async with db.write() as s:
        supervisor = await _user(s, "sergio")
        cashier = await _user(s, "carla")
        assert supervisor is not None and cashier is not None
        with pytest.raises(cash.CashError, match="supervisor"):
            await cash.close(s, 2, counted={"10000": 1}, user_id=1, approver=cashier, note="", now=NOW)
        counted = {"10000": 1, "5000": 1, "1000": 2, "500": 1, "50": 1}  # 17.550: $20 short
        row, _ = await cash.close(s, 2, counted=counted, user_id=1, approver=supervisor, note="", now=NOW)
    assert (row.counted_total, row.expected_total, row.difference) == (17_550, 17_570, -20)
    async with db.read() as s:
        assert await cash.current(s, 2) is None


async def test_no_sale_without_an_open_cash_session(db: Database) -> None:
    async with db.write() as s:
        await cash.close(
            s,
            3,
            counted={"20000": 1},
            user_id=1,
            approver=await _user(s, "sergio"),
            note="",
            now=NOW,
        )
        await cart.add_scan(s, 3, MILK)
        with pytest.raises(CartError, match="Abra la caja"):
            await checkout.checkout(
                s, 3, [Tender(M.EFECTIVO, 2_000)], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets"
            )


async def test_pairing_code_works_once_and_expires(db: Database) -> None:
    async with db.write() as s:
        code = await pairing.create_code(s, 1, user_id=None, now=NOW)
        device, token = await pairing.pair(s, code, "Tablet caja 1", now=NOW)
        assert (await pairing.device_for_token(s, token)).id == device.id  # type: ignore[union-attr]
        assert await pairing.device_for_token(s, "forged") is None
        with pytest.raises(pairing.PairingError, match="no es válido"):
            await pairing.pair(s, code, "otra", now=NOW)
        late = await pairing.create_code(s, 1, user_id=None, now=NOW)
        with pytest.raises(pairing.PairingError, match="venció"):
            await pairing.pair(s, late, "tarde", now=NOW + timedelta(minutes=11))
        await pairing.revoke(s, device.id, user_id=None, now=NOW)
        assert await pairing.device_for_token(s, token) is None


async def _try_pin(db: Database, device_id: int, user_id: int, pin: str, at: datetime) -> str:
    """One PIN typed on a tablet, the way the tablet's screen does it; returns "ok" or the refusal."""
    try:
        async with db.read() as s:
            check = await pins.prepare(s, device_id, user_id, now=at)
    except pins.PinError as refused:
        return refused.message
    matched = await users.check_password(check.pin_hash, pin, kind="pin")
    error = "ok"
    async with db.write() as s:
        try:
            await pins.record(s, check, matched, now=at)
        except pins.PinError as failure:  # caught inside: the failure must be committed
            error = failure.message
    return error


async def test_pin_lockout_per_user_and_per_device(db: Database) -> None:
    async with db.write() as s:
        await pins.set_pin(s, 1, "1234", actor_id=None)
        await pins.set_pin(s, 2, "4321", actor_id=None)
        tablets = [
            (await pairing.pair(s, await pairing.create_code(s, lane, user_id=None, now=NOW), "t", now=NOW))[0].id
            for lane in (1, 2, 3)
        ]
        with pytest.raises(pins.PinError, match="4 a 6"):
            await pins.set_pin(s, 1, "12a4", actor_id=None)
    one, two, three = tablets
    # Four wrong guesses at Carla's PIN on tablet one; the plural is right down to the last one.
    messages = [await _try_pin(db, one, 1, "0000", NOW) for _ in range(4)]
    assert messages[-1] == "PIN incorrecto. Le queda 1 intento." and "quedan 4 intentos" in messages[0]
    # Carla signing in on tablet two, and Sergio on tablet one, clear nothing of what the guesser spent.
    assert await _try_pin(db, two, 1, "1234", NOW) == "ok"
    assert await _try_pin(db, one, 2, "4321", NOW) == "ok"
    fifth = await _try_pin(db, one, 1, "0000", NOW)
    assert "queda bloqueado/a por 5 minutos" in fifth
    assert "bloquead" in await _try_pin(db, three, 1, "1234", NOW + timedelta(minutes=1))  # on every tablet
    assert await _try_pin(db, three, 1, "1234", NOW + timedelta(minutes=6)) == "ok"
    # The next lockout lasts longer.
    later = NOW + timedelta(minutes=10)
    for _ in range(5):
        last = await _try_pin(db, three, 1, "9999", later)
    assert "por 15 minutos" in last
    assert "bloquead" in await _try_pin(db, one, 1, "1234", later + timedelta(minutes=10))
    assert await _try_pin(db, one, 1, "1234", later + timedelta(minutes=16)) == "ok"
    # Tablet three took those five wrong PINs: it is locked for everyone too, whoever signs in.
    assert "tablet está bloqueada" in await _try_pin(db, three, 2, "4321", later + timedelta(minutes=1))
    # A day without lockouts and the ladder starts again from five minutes.
    next_week = NOW + timedelta(days=7)
    for _ in range(5):
        last = await _try_pin(db, one, 2, "0000", next_week)
    assert "por 5 minutos" in last
    async with db.read() as s:
        failures = [e for e in await audit_log(s) if e.action == "pin.failed"]
    assert len(failures) == 15 and sum(1 for e in failures if e.detail.get("locked")) == 3


async def test_a_sale_dated_before_the_last_document_is_refused(db: Database) -> None:
    """A Pi without a battery clock may boot in the past: no document may go back in time (DESIGN.md)."""
    secrets = db.path.parent / "secrets"
    for lane, at in ((1, NOW), (2, NOW + timedelta(hours=2)), (3, NOW + timedelta(hours=1))):
        async with db.write() as s:
            await cart.add_scan(s, lane, MILK)

        async def pay(lane: int = lane, at: datetime = at) -> None:
            async with db.write() as s:
                await checkout.checkout(s, lane, [Tender(M.DEBITO, 1_190)], cashier_id=1, now=at, secrets_dir=secrets)

        if lane == 3:
            with pytest.raises(ClockBehind, match="anterior al último documento emitido"):
                await pay()
        else:
            await pay()
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Document)) == 2
