"""Returns on a real SQLite file: what can come back, stock and merma, refunds in the cash session, and the nota de
crédito that refers to the boleta."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from appliance.cash import sessions as cash
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db import migrate
from appliance.db.engine import Database
from appliance.db.models import Company, Document, Lane, Sale, StockMove, User
from appliance.db.models import PaymentMethod as M
from appliance.sales import cart, checkout, returns
from appliance.sales.tenders import Tender
from appliance.sii import local_setup
from appliance.stock import service as stock
from appliance.users import service as users
from tests.support import TEST_COMPANY

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
MILK = "7802820005509"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "shop.sqlite")
    migrate.upgrade(database.path, tmp_path / "backups")
    async with database.write() as s:
        s.add(Company(id=1, **TEST_COMPANY))
        await s.flush()
        await local_setup.provision(s, tmp_path / "secrets", now=NOW)
        for fields in (
            {"code": "L1", "name": "Leche Entera 1 L", "price": "1.190", "barcodes": MILK},
            {"code": "P1", "name": "Pan Marraqueta", "price": "2.490", "unit": "kg", "plu": "20001"},
        ):
            await catalog.create(s, parse_product(fields), user_id=None)
        s.add(Lane(code="caja-1", name="Caja 1"))
        await users.create(s, username="carla", full_name="Carla", role="cajero", password="x" * 8, actor_id=None)
        await users.create(s, username="sergio", full_name="Sergio", role="supervisor", password="y" * 8, actor_id=None)
        await cash.open_session(s, 1, user_id=1, opening_float=20_000, now=NOW)
    yield database
    await database.dispose()


async def _sell(db: Database, milk: int, bread_grams: int, tender: Tender) -> int:
    async with db.write() as s:
        for _ in range(milk):
            await cart.add_scan(s, 1, MILK)
        if bread_grams:
            bread = await catalog.by_code(s, "P1")
            assert bread is not None
            await cart.add_product(s, 1, bread, bread_grams)
        result = await checkout.checkout(s, 1, [tender], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets")
    return result.sale_id


async def _user(s: object, name: str) -> User:
    found = await s.scalar(select(User).where(User.username == name))  # type: ignore[attr-defined]
    assert found is not None
    return found  # type: ignore[no-any-return]


async def test_partial_then_rest_with_cash_refund_and_credit_notes(db: Database) -> None:
    sale_id = await _sell(db, 2, 1_000, Tender(M.EFECTIVO, 10_000))  # 2.380 + 2.490 = 4.870
    async with db.read() as s:
        lines = {r.line.description: r.line.id for r in await returns.returnable(s, sale_id)}
        boleta = await s.scalar(select(Document.folio).where(Document.sale_id == sale_id, Document.tipo == 39))
        assert (await returns.find_sale(s, str(boleta))).id == sale_id
    async with db.write() as s:
        first = await returns.process(
            s,
            db.path.parent / "secrets",
            sale_id=sale_id,
            lane_id=1,
            quantities={lines["Leche Entera 1 L"]: 1_000},
            to_merma=set(),
            refund_method="efectivo",
            reason="vencida",
            user_id=1,
            approver=await _user(s, "sergio"),
            now=NOW,
        )
    assert first.total == 1_190 and first.refund_cash == 1_190 and first.folio == 1
    async with db.read() as s:
        nc = await s.get(Document, first.document_id)
        assert nc is not None and nc.tipo == 61
        assert b"<TpoDocRef>39</TpoDocRef>" in nc.signed_xml and b"<CodRef>3</CodRef>" in nc.signed_xml
        assert f"<FolioRef>{boleta}</FolioRef>".encode() in nc.signed_xml
        milk = await catalog.by_code(s, "L1")
        assert milk is not None and (await stock.levels(s, milk.id))["sala"] == -1_000
        report = await cash.x_report(s, 1)
        assert report.refunds_cash == 1_190 and report.expected_cash == 20_000 + 4_870 - 1_190
        assert (await s.get(Sale, sale_id)).status == "partially_returned"  # type: ignore[union-attr]

    async with db.write() as s:
        with pytest.raises(returns.ReturnError, match="quedan 1 por devolver"):
            await returns.process(
                s,
                db.path.parent / "secrets",
                sale_id=sale_id,
                lane_id=1,
                quantities={lines["Leche Entera 1 L"]: 2_000},
                to_merma=set(),
                refund_method="efectivo",
                reason="x",
                user_id=1,
                approver=await _user(s, "sergio"),
                now=NOW,
            )
    async with db.write() as s:  # the rest: bread damaged (to merma), 1 milk
        rest = await returns.process(
            s,
            db.path.parent / "secrets",
            sale_id=sale_id,
            lane_id=1,
            quantities={lines["Leche Entera 1 L"]: 1_000, lines["Pan Marraqueta"]: 1_000},
            to_merma={lines["Pan Marraqueta"]},
            refund_method="efectivo",
            reason="reclamo",
            user_id=1,
            approver=await _user(s, "sergio"),
            now=NOW,
        )
    assert rest.total == 1_190 + 2_490 and rest.refund_cash == 3_680 and rest.folio == 2
    async with db.read() as s:
        assert (await s.get(Sale, sale_id)).status == "returned"  # type: ignore[union-attr]
        merma = await s.scalar(select(StockMove).where(StockMove.reason == "merma"))
        assert merma is not None and merma.quantity == -1_000
        assert await stock.drift(s) == []


async def test_whole_sale_at_once_annuls_the_boleta_and_refunds_by_card(db: Database) -> None:
    sale_id = await _sell(db, 1, 555, Tender(M.DEBITO, 2_572))  # 1.190 + 1.382
    async with db.read() as s:
        ids = [r.line.id for r in await returns.returnable(s, sale_id)]
        grams = {r.line.id: r.line.quantity for r in await returns.returnable(s, sale_id)}
    async with db.write() as s:
        result = await returns.process(
            s,
            db.path.parent / "secrets",
            sale_id=sale_id,
            lane_id=1,
            quantities=grams,
            to_merma=set(),
            refund_method="debito",
            reason="cliente se arrepintió",
            user_id=1,
            approver=await _user(s, "sergio"),
            now=NOW,
        )
    assert result.total == 2_572 and result.refund_cash == 0 and len(ids) == 2
    async with db.read() as s:
        nc = await s.get(Document, result.document_id)
        assert (
            nc is not None and b"<CodRef>1</CodRef>" in nc.signed_xml and b"<MntTotal>2572</MntTotal>" in nc.signed_xml
        )


async def test_refusals(db: Database) -> None:
    sale_id = await _sell(db, 1, 0, Tender(M.DEBITO, 1_190))
    async with db.read() as s:
        line_id = (await returns.returnable(s, sale_id))[0].line.id
    cases = [
        ("carla", "debito", "motivo", "supervisor"),
        ("sergio", "credito", "motivo", "mismo medio"),
        ("sergio", "debito", " ", "motivo"),
    ]
    for approver, method, reason, message in cases:
        async with db.write() as s:
            with pytest.raises(returns.ReturnError, match=message):
                await returns.process(
                    s,
                    db.path.parent / "secrets",
                    sale_id=sale_id,
                    lane_id=1,
                    quantities={line_id: 1_000},
                    to_merma=set(),
                    refund_method=method,
                    reason=reason,
                    user_id=1,
                    approver=await _user(s, approver),
                    now=NOW,
                )
    async with db.read() as s:
        with pytest.raises(returns.ReturnError, match="No hay una boleta"):
            await returns.find_sale(s, "99999")
        assert await s.scalar(select(Document).where(Document.tipo == 61)) is None


async def test_a_sale_its_card_voucher_documented_comes_back_by_annulling_the_charge(db: Database) -> None:
    """The shop declared the card voucher as its boleta: the sale has no DTE of the box, so the return issues no
    nota; the money goes back on the card terminal (never in cash), and the goods come back to stock."""
    from appliance.sales import emission

    async with db.write() as s:
        await emission.set_card_voucher_is_boleta(s, True)
        milk = await catalog.by_code(s, "L1")
        assert milk is not None
    sale_id = await _sell(db, 2, 0, Tender(M.CREDITO, 2_380, "445566"))
    async with db.read() as s:
        assert await s.scalar(select(Document).where(Document.sale_id == sale_id)) is None
        line_id = (await returns.returnable(s, sale_id))[0].line.id
    arguments = {
        "sale_id": sale_id,
        "lane_id": 1,
        "quantities": {line_id: 1_000},
        "to_merma": set(),
        "reason": "no era la marca",
        "user_id": 1,
        "now": NOW,
    }
    for method in ("efectivo", "debito"):
        async with db.write() as s:
            with pytest.raises(returns.ReturnError, match="anulando el cobro en el terminal"):
                await returns.process(
                    s, db.path.parent / "secrets", refund_method=method, approver=await _user(s, "sergio"), **arguments
                )
    async with db.read() as s:
        sold = (await stock.levels(s, milk.id))["sala"]
    async with db.write() as s:
        result = await returns.process(
            s, db.path.parent / "secrets", refund_method="credito", approver=await _user(s, "sergio"), **arguments
        )
    assert result.document_id is None and result.folio is None
    assert result.total == 1_190 and result.refund_cash == 0 and result.refund_method == "credito"
    async with db.read() as s:
        assert await s.scalar(select(Document).where(Document.tipo == 61)) is None
        sale = await s.get(Sale, sale_id)
        assert sale is not None and sale.status == "partially_returned"
        moves = list(await s.scalars(select(StockMove).where(StockMove.ref_type == "return")))
        assert [m.quantity for m in moves] == [1_000]
        assert (await stock.levels(s, milk.id))["sala"] == sold + 1_000
        assert [r.left for r in await returns.returnable(s, sale_id)] == [1_000]


async def test_the_sale_is_found_by_its_receipts_timbre(db: Database) -> None:
    """A 2D scanner reads the timbre (PDF417) of the printed boleta as the TED's text: that finds the sale."""
    sale_id = await _sell(db, 1, 0, Tender(M.EFECTIVO, 2_000))
    async with db.read() as s:
        boleta = await s.scalar(select(Document).where(Document.sale_id == sale_id))
        assert boleta is not None
        timbre = boleta.ted.decode("iso-8859-1")
        assert (await returns.find_sale(s, timbre)).id == sale_id
        assert (await returns.find_sale(s, f"39-{boleta.folio}")).id == sale_id  # what the box's scanner sends on
        reference = returns.receipt_reference(timbre)
        assert reference == returns.ReceiptReference(39, boleta.folio, TEST_COMPANY["rut"])
        other_shop = timbre.replace(f"<RE>{TEST_COMPANY['rut']}</RE>", "<RE>76086428-5</RE>", 1)
        with pytest.raises(returns.ReturnError, match="otro comercio"):
            await returns.find_sale(s, other_shop)
        unknown = timbre.replace(f"<F>{boleta.folio}</F>", "<F>987654</F>", 1)
        with pytest.raises(returns.ReturnError, match="No hay una Boleta Electrónica N° 987654"):
            await returns.find_sale(s, unknown)
        credit_note = timbre.replace("<TD>39</TD>", "<TD>61</TD>", 1)
        with pytest.raises(returns.ReturnError, match="se devuelve con su boleta o factura"):
            await returns.find_sale(s, credit_note)
    assert returns.receipt_reference("7802820005509") is None and returns.receipt_reference("12") is None
