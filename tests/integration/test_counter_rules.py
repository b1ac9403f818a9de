"""The counter's rules on a real SQLite file, down to the signed document: promotions, supervisor discounts and
price overrides, alcohol hours and ley seca, returnable containers (Ley 21.368), fiado and the factura."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from appliance.cash import sessions as cash
from appliance.catalog import promotions as promotion_store
from appliance.catalog import service as catalog
from appliance.catalog.draft import parse_product
from appliance.db.engine import Database
from appliance.db.models import (
    AuditEntry,
    Company,
    Customer,
    CustomerAccountEntry,
    Document,
    Lane,
    Payment,
    Product,
    Sale,
    SaleLine,
    User,
)
from appliance.db.models import PaymentMethod as M
from appliance.sales import cart, checkout, compliance, fiado, returns
from appliance.sales.cart import AlcoholBlocked, CartError
from appliance.sales.fiado import FiadoError
from appliance.sales.tenders import Tender
from appliance.sii import local_setup
from appliance.sii.canonical import parse_latin1
from appliance.sii.schemas import SchemaKind, schema_errors
from appliance.stock import service as stock
from appliance.users import service as users
from tests.support import TEST_COMPANY, migrated_database

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 12:00 in Santiago
SII = "{http://www.sii.cl/SiiDte}"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = migrated_database(tmp_path)
    async with database.write() as s:
        s.add(Company(id=1, **TEST_COMPANY))
        await s.flush()
        await local_setup.provision(s, tmp_path / "secrets", now=NOW)
        for fields in (
            {"code": "Y1", "name": "Yogur Frutilla", "price": "790", "barcodes": "7801234500013"},
            {"code": "Y2", "name": "Yogur Durazno", "price": "790"},
            {"code": "ENV1", "name": "Envase Retornable 1,25 L", "price": "300", "tax": "exento"},
            {
                "code": "B1",
                "name": "Bebida Cola 1,25 L Retornable",
                "price": "1.200",
                "additional_tax": "271",
                "container_code": "ENV1",
            },
            {"code": "V1", "name": "Vino Tinto 750 cc", "price": "3.990", "additional_tax": "25"},
            {"code": "Q1", "name": "Queso Gauda", "price": "9.990", "unit": "kg"},
        ):
            await catalog.create(s, parse_product(fields), user_id=None)
        s.add(Lane(code="caja-1", name="Caja 1"))
        await users.create(s, username="carla", full_name="Carla", role="cajero", password="x" * 8, actor_id=None)
        await users.create(s, username="sergio", full_name="Sergio", role="supervisor", password="y" * 8, actor_id=None)
        s.add_all(
            [
                Customer(name="Doña Rosa", credit_limit=10_000),
                Customer(name="Don Lucho", credit_limit=50_000, blocked=True),
                Customer(
                    rut="77123456-9",
                    name="Restorán El Roble Ltda.",
                    giro="Restaurante",
                    address="Av. Grecia 1500",
                    comuna="Ñuñoa",
                    credit_limit=0,
                ),
            ]
        )
        await cash.open_session(s, 1, user_id=1, opening_float=20_000, now=NOW)
        # Most steps here run on the real clock: wine sells at any hour unless a test sets the window it checks.
        await compliance.save(s, compliance.AlcoholRules(time(0), time(0), ()))
    yield database
    await database.dispose()


async def _product(s: object, code: str) -> Product:
    product = await catalog.by_code(s, code)  # type: ignore[arg-type]
    assert product is not None
    return product


async def _user(s: object, username: str) -> User:
    user = await s.scalar(select(User).where(User.username == username))  # type: ignore[attr-defined]
    assert user is not None
    return user  # type: ignore[no-any-return]


async def _pay(db: Database, tenders: list[Tender], now: datetime = NOW) -> checkout.CheckoutResult:
    async with db.write() as s:
        return await checkout.checkout(s, 1, tenders, cashier_id=1, now=now, secrets_dir=db.path.parent / "secrets")


async def _document(db: Database, sale_id: int) -> etree._Element:
    async with db.read() as s:
        doc = await s.scalar(select(Document).where(Document.sale_id == sale_id))
        assert doc is not None
        return parse_latin1(doc.signed_xml)


async def test_pack_price_is_shown_per_line_and_lands_on_the_boleta(db: Database) -> None:
    async with db.write() as s:
        draft, errors = promotion_store.parse_form(
            {
                "name": "Yogur 3 x $2.000",
                "kind": "pack",
                "quantity": "3",
                "price": "$2.000",
                "products": "Y1\nY2",
                "active": "on",
            },
            [],
        )
        assert errors == {}
        await promotion_store.save(s, draft, errors, promo_id=None, user_id=None)  # type: ignore[arg-type]
        await cart.add_scan(s, 1, "7801234500013")
        await cart.add_scan(s, 1, "7801234500013")
        await cart.add_product(s, 1, await _product(s, "Y2"), 2_000)
        view = await cart.view(s, 1, now=NOW)
    # Four yogurts at $790 = $3.160; one pack of three for $2.000 saves $370, spread over both lines.
    assert view.total == 3_160 - 370
    assert {line.note for line in view.lines} == {"3 x $2.000"}
    assert sum(line.discount for line in view.lines) == 370
    result = await _pay(db, [Tender(M.EFECTIVO, 3_000)])
    xml = await _document(db, result.sale_id)
    assert int(xml.findtext(f".//{SII}MntTotal") or 0) == 2_790
    assert [d.text for d in xml.iter(f"{SII}DscItem")] == ["3 x $2.000", "3 x $2.000"]
    async with db.read() as s:
        notes = list(await s.scalars(select(SaleLine.note).where(SaleLine.sale_id == result.sale_id)))
    assert notes == ["3 x $2.000", "3 x $2.000"]


async def test_percentage_off_a_category_only_within_its_dates(db: Database) -> None:
    async with db.write() as s:
        cheese = await _product(s, "Q1")
        draft, errors = promotion_store.parse_form(
            {
                "name": "Quesos",
                "kind": "percent",
                "percent": "20",
                "products": "Q1",
                "active": "on",
                "starts_on": "2026-11-20",
                "ends_on": "2026-11-22",
            },
            [],
        )
        await promotion_store.save(s, draft, errors, promo_id=None, user_id=None)  # type: ignore[arg-type]
        await cart.add_product(s, 1, cheese, 500)  # 0,5 kg at $9.990 = $4.995
        assert (await cart.view(s, 1, now=NOW)).total == 3_996  # 20 % = 999
        assert (await cart.view(s, 1, now=datetime(2026, 11, 23, 15, tzinfo=UTC))).total == 4_995


async def test_bad_promotion_forms_are_refused_field_by_field(db: Database) -> None:
    _, errors = promotion_store.parse_form({"name": "", "kind": "nxm", "quantity": "2", "pay": "2"}, [])
    assert set(errors) == {"name", "pay", "products"}
    draft, errors = promotion_store.parse_form({"name": "X", "kind": "percent", "percent": "95", "products": "Z9"}, [])
    assert errors == {"percent": "porcentaje: un número entero de 1 a 90"}
    async with db.write() as s:
        with pytest.raises(promotion_store.PromotionInvalid) as caught:
            await promotion_store.save(s, draft, dict(errors), promo_id=None, user_id=None)  # type: ignore[arg-type]
    assert caught.value.errors["products"] == "el producto Z9 no existe"


async def test_discounts_and_price_overrides_need_a_supervisor_and_are_audited(db: Database) -> None:
    async with db.write() as s:
        carla = await _user(s, "carla")
        sergio = await _user(s, "sergio")
        assert carla and sergio
        await cart.add_product(s, 1, await _product(s, "V1"), 2_000, now=NOW)
        with pytest.raises(CartError, match="supervisor"):
            await cart.adjust_line(s, 1, 1, approver=carla, reason="cliente frecuente", percent=10)
        with pytest.raises(CartError, match="motivo"):
            await cart.adjust_line(s, 1, 1, approver=sergio, reason=" ", percent=10)
        await cart.adjust_line(s, 1, 1, approver=sergio, reason="botella con etiqueta rota", percent=10)
        view = await cart.view(s, 1, now=NOW)
        assert view.total == 7_980 - 798 and view.lines[0].note == "Dcto. 10% autorizado"
        await cart.adjust_line(s, 1, 1, approver=sergio, reason="precio de lista antiguo", new_price=3_500)
        assert (await cart.view(s, 1, now=NOW)).total == 7_000
        entries = list(await s.scalars(select(AuditEntry).where(AuditEntry.action.like("sale.%"))))
    assert [e.action for e in entries] == ["sale.discount", "sale.price_override"]
    assert entries[0].user_id == sergio.id and entries[0].detail["reason"] == "botella con etiqueta rota"


async def test_alcohol_outside_hours_and_on_ley_seca_needs_a_supervisor(db: Database) -> None:
    night = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 03:30 in Santiago: outside 10:00–01:00
    async with db.write() as s:
        await compliance.save(s, compliance.AlcoholRules(time(10), time(1), ()))  # the shop's default window
        wine = await _product(s, "V1")
        with pytest.raises(AlcoholBlocked, match="Fuera del horario"):
            await cart.add_product(s, 1, wine, 1_000, now=night)
        await compliance.save(s, compliance.AlcoholRules(time(10), time(1), (date(2026, 11, 20),)))
        with pytest.raises(AlcoholBlocked, match="ley seca"):
            await cart.add_product(s, 1, wine, 1_000, now=NOW)
        # 00:30 of the next day still belongs to the dry night.
        with pytest.raises(AlcoholBlocked, match="ley seca"):
            await cart.add_product(s, 1, wine, 1_000, now=datetime(2026, 11, 21, 3, 30, tzinfo=UTC))
        await cart.add_product(s, 1, await _product(s, "Y1"), 1_000, now=NOW)  # the rest sells as usual
        sergio = await _user(s, "sergio")
        line = await cart.add_product(s, 1, wine, 1_000, now=NOW, alcohol_approver=sergio)
        assert line.flags["alcohol_override"] == sergio.id  # type: ignore[union-attr]
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "sale.alcohol_override"))
    assert audit is not None and "ley seca" in audit.detail["reason"]


def test_alcohol_hours_form_is_checked() -> None:
    rules, errors = compliance.parse_form({"alcohol_from": "25:00", "alcohol_until": "01:00", "dry_dates": "18-09"})
    assert rules is None and set(errors) == {"alcohol_from", "dry_dates"}
    rules, errors = compliance.parse_form(
        {"alcohol_from": "09:00", "alcohol_until": "23:30", "dry_dates": "2026-12-14, 2026-12-13"}
    )
    assert rules is not None and rules.dry_dates == (date(2026, 12, 13), date(2026, 12, 14))
    assert rules.blocked(datetime(2026, 11, 21, 3, 0, tzinfo=UTC)) is not None  # 00:00 Santiago
    assert rules.blocked(datetime(2026, 11, 21, 13, 0, tzinfo=UTC)) is None  # 10:00 Santiago


async def test_envase_question_deposit_exchange_and_empties_brought_back(db: Database) -> None:
    async with db.write() as s:
        drink, empty = await _product(s, "B1"), await _product(s, "ENV1")
        await cart.add_product(s, 1, drink, 2_000)
        with pytest.raises(CartError, match="trae envase"):
            await checkout.checkout(
                s, 1, [Tender(M.EFECTIVO, 5_000)], cashier_id=1, now=NOW, secrets_dir=db.path.parent / "secrets"
            )
        await cart.answer_envase(s, 1, 1, brings=False)  # no bottle: two deposits charged
        view = await cart.view(s, 1, now=NOW)
        assert [(ln.description, ln.amount, ln.deposit) for ln in view.lines] == [
            ("Bebida Cola 1,25 L Retornable", 2_400, False),
            ("Envase Retornable 1,25 L", 600, True),
        ]
        await cart.add_product(s, 1, await _product(s, "Y1"), 1_000)
        await cart.redeem_container(s, 1, empty, 1)  # and one empty from last week
        view = await cart.view(s, 1, now=NOW)
        assert (view.total, view.credit, view.due) == (3_790, 300, 3_490)
        with pytest.raises(CartError, match="no es un envase"):
            await cart.redeem_container(s, 1, drink, 1)
    result = await _pay(db, [Tender(M.EFECTIVO, 3_490)])
    xml = await _document(db, result.sale_id)
    deposit = [d for d in xml.iter(f"{SII}Detalle") if d.findtext(f"{SII}NmbItem") == "Envase Retornable 1,25 L"]
    assert deposit and deposit[0].findtext(f"{SII}IndExe") == "1"  # a boleta has no IndExe 3: exempt (NOTES)
    assert int(xml.findtext(f".//{SII}MntTotal") or 0) == 3_790  # the document keeps the full total
    assert schema_errors(SchemaKind.BOLETA, xml) == ()
    async with db.read() as s:
        payments = dict((await s.execute(select(Payment.method, Payment.amount).where(Payment.sale_id == 1))).all())
        assert payments == {"envase": 300, "efectivo": 3_490}
        # Two bottles left full, one empty came back: the container stock moved −2 + 1.
        assert (await stock.levels(s, empty.id))["sala"] == -1_000


async def test_trae_envase_is_an_exchange_without_deposit(db: Database) -> None:
    async with db.write() as s:
        await cart.add_product(s, 1, await _product(s, "B1"), 1_000)
        await cart.answer_envase(s, 1, 1, brings=True)
        view = await cart.view(s, 1, now=NOW)
    assert [ln.deposit for ln in view.lines] == [False] and view.total == 1_200


async def test_fiado_within_the_limit_blocked_and_over_limit(db: Database) -> None:
    async with db.write() as s:
        rosa = await s.scalar(select(Customer).where(Customer.name == "Doña Rosa"))
        lucho = await s.scalar(select(Customer).where(Customer.name == "Don Lucho"))
        assert rosa and lucho
        await cart.add_product(s, 1, await _product(s, "V1"), 2_000)  # $7.980
        await cart.confirm_age(s, 1, user_id=1)
    with pytest.raises(FiadoError, match="elija primero el cliente"):
        await _pay(db, [Tender(M.FIADO, 7_980)])
    async with db.write() as s:
        await cart.set_customer(s, 1, lucho.id, factura=False)
        await cart.confirm_age(s, 1, user_id=1)
    with pytest.raises(FiadoError, match="bloqueado"):
        await _pay(db, [Tender(M.FIADO, 7_980)])
    async with db.write() as s:
        await cart.set_customer(s, 1, rosa.id, factura=False)
    result = await _pay(db, [Tender(M.FIADO, 7_980)])
    async with db.write() as s:
        assert await fiado.balance(s, rosa.id) == 7_980
        await cart.add_product(s, 1, await _product(s, "V1"), 1_000)
        await cart.set_customer(s, 1, rosa.id, factura=False)
        await cart.confirm_age(s, 1, user_id=1)
    with pytest.raises(FiadoError, match=r"puede fiar hasta \$2\.020"):
        await _pay(db, [Tender(M.FIADO, 3_990)])
    mixed = await _pay(db, [Tender(M.FIADO, 2_000), Tender(M.EFECTIVO, 2_000)])  # what's left of the limit + cash
    async with db.write() as s:
        assert await fiado.balance(s, rosa.id) == 9_980
        session_row = await cash.current(s, 1)
        assert session_row is not None
        left = await fiado.pay(s, rosa.id, 5_000, method="efectivo", user_id=1, now=NOW, cash_session_id=session_row.id)
        assert left == 4_980
        with pytest.raises(FiadoError, match="no puede ser mayor"):
            await fiado.pay(s, rosa.id, 5_000, method="efectivo", user_id=1, now=NOW, cash_session_id=session_row.id)
        report = await cash.x_report(s, session_row.id)
        sale = await s.get(Sale, result.sale_id)
        assert sale is not None and sale.customer_id == rosa.id
        count = await s.scalar(select(func.count()).select_from(CustomerAccountEntry))
    assert count == 3 and mixed.total == 3_990
    assert report.movements.get("abono_fiado") == 5_000
    assert report.expected_cash == 20_000 + 1_990 + 5_000  # float + the cash part (rounded) + the abono


async def test_factura_at_the_counter_with_net_prices_and_ila_and_its_nota(db: Database) -> None:
    async with db.write() as s:
        rosa = await s.scalar(select(Customer).where(Customer.name == "Doña Rosa"))
        roble = await s.scalar(select(Customer).where(Customer.rut == "77123456-9"))
        assert rosa and roble
        with pytest.raises(CartError, match="faltan datos"):
            await cart.set_customer(s, 1, rosa.id, factura=True)
        await cart.set_customer(s, 1, roble.id, factura=True)
        await cart.add_product(s, 1, await _product(s, "V1"), 6_000)  # 6 × $3.990 = $23.940 gross
        await cart.add_product(s, 1, await _product(s, "Y1"), 2_000)
        await cart.confirm_age(s, 1, user_id=1)
        view = await cart.view(s, 1, now=NOW)
    assert view.document_tipo == 33
    # Net + IVA + ILA come back to the shelf prices exactly: the customer pays what a boleta would say.
    assert view.total == 23_940 + 1_580
    result = await _pay(db, [Tender(M.TRANSFERENCIA, view.total, "TRX-1")])
    assert result.tipo == 33
    xml = await _document(db, result.sale_id)
    assert schema_errors(SchemaKind.DTE, xml) == ()
    assert xml.findtext(f".//{SII}RUTRecep") == "77123456-9"
    assert xml.findtext(f".//{SII}ImptoReten/{SII}TipoImp") == "25"  # the wine's ILA, itemised for the buyer
    assert int(xml.findtext(f".//{SII}MntTotal") or 0) == view.total
    async with db.write() as s:
        sergio = await _user(s, "sergio")
        lines = list(await s.scalars(select(SaleLine).where(SaleLine.sale_id == result.sale_id)))
        back = await returns.process(
            s,
            db.path.parent / "secrets",
            sale_id=result.sale_id,
            lane_id=1,
            quantities={line.id: line.quantity for line in lines},
            to_merma=set(),
            refund_method="transferencia",
            reason="pedido duplicado",
            user_id=1,
            approver=sergio,  # type: ignore[arg-type]
            now=NOW,
        )
        nota = await s.get(Document, back.document_id)
        factura = await s.get(Document, result.document_id)
    assert nota is not None and nota.tipo == 61 and nota.total == view.total
    assert factura is not None and factura.receptor_rut == nota.receptor_rut == "77123456-9"  # kept for the books
    nota_xml = parse_latin1(nota.signed_xml)
    assert nota_xml.findtext(f".//{SII}TpoDocRef") == "33" and nota_xml.findtext(f".//{SII}CodRef") == "1"
    assert nota_xml.findtext(f".//{SII}RUTRecep") == "77123456-9"  # the factura's buyer, not the anonymous one
    assert schema_errors(SchemaKind.DTE, nota_xml) == ()


async def test_card_voucher_model_issues_no_boleta_for_card_only_sales(db: Database) -> None:
    from appliance.devices.receipts import sale_receipt
    from appliance.sales import emission
    from drivers.printing import PAPER_58MM, render_escpos
    from tests.drivers.escpos_parse import parse

    async with db.write() as s:
        assert await emission.card_voucher_is_boleta(s) is False  # the default: the box always issues the boleta
        await emission.set_card_voucher_is_boleta(s, True)
        await cart.add_product(s, 1, await _product(s, "Y1"), 2_000)
    by_card = await _pay(db, [Tender(M.DEBITO, 1_580, "778899")])
    assert by_card.document_id is None and by_card.folio == 0
    async with db.write() as s:
        await cart.add_product(s, 1, await _product(s, "Y1"), 1_000)
    mixed = await _pay(db, [Tender(M.CREDITO, 400, "1"), Tender(M.EFECTIVO, 400)])
    assert mixed.tipo == 39 and mixed.folio == 1  # a mixed payment still gets its boleta, folio not skipped
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Document)) == 1
        paper = parse(render_escpos(await sale_receipt(s, by_card.sale_id), PAPER_58MM)).text
    assert "COMPROBANTE DE VENTA" in paper and "No válido como boleta" in paper and "Timbre" not in paper
    assert "Débito (778899)" in paper and "$1.580" in paper


async def test_times_n_before_a_scan(db: Database) -> None:
    assert cart.split_times("6*7801234500013") == (6, "7801234500013")
    assert cart.split_times(" 12 x 7801234500013 ") == (12, "7801234500013")
    assert cart.split_times("7801234500013") == (1, "7801234500013")
    async with db.write() as s:
        await cart.add_scan(s, 1, "7801234500013", times=6)
        await cart.add_scan(s, 1, "7801234500013")
        view = await cart.view(s, 1, now=NOW)
        assert [line.quantity for line in view.lines] == [7_000]
        with pytest.raises(CartError, match="1 a 999"):
            await cart.add_scan(s, 1, "7801234500013", times=0)


async def test_factura_totals_split_iva_ila_and_deposits_and_survive_a_free_unit(db: Database) -> None:
    async with db.write() as s:
        roble = await s.scalar(select(Customer).where(Customer.rut == "77123456-9"))
        assert roble is not None
        await cart.set_customer(s, 1, roble.id, factura=True)
        await cart.add_product(s, 1, await _product(s, "B1"), 1_000)  # $1.200, ILA 271 (18 %)
        await cart.answer_envase(s, 1, 1, brings=False)  # + $300 deposit
        view = await cart.view(s, 1, now=NOW)
        # 1.200 / 1,37 = 875,91 net → 876, IVA 166, ILA 158; the deposit apart: 876 + 166 + 158 + 300 = 1.500.
        assert view.additional_tax == 158 and view.iva == 166 and view.exempt == 300
        assert view.net + view.iva + view.additional_tax + view.exempt == view.total == 1_500
        draft, errors = promotion_store.parse_form(
            {"name": "Yogur 2x1", "kind": "nxm", "quantity": "2", "pay": "1", "products": "Y1", "active": "on"}, []
        )
        await promotion_store.save(s, draft, errors, promo_id=None, user_id=None)  # type: ignore[arg-type]
        await cart.add_product(s, 1, await _product(s, "Y1"), 2_000)  # one of the two is free
        view = await cart.view(s, 1, now=NOW)
    yogurt = next(line for line in view.lines if line.description.startswith("Yogur"))
    assert yogurt.discount == 790 and view.total == 1_500 + 790  # the free unit goes as a net discount


async def test_a_factura_of_three_at_a_thousand_totals_three_thousand(db: Database) -> None:
    """Three $1.000 products: made net line by line (840 each) the factura said 2.520 + IVA 479 = $2.999 while the
    counter had said $3.000. Its net is now chosen for the whole document: 2.521 + 479 = 3.000, and so are its notas."""
    from appliance.devices.receipts import sale_receipt
    from drivers.printing import PAPER_58MM, render_escpos
    from tests.drivers.escpos_parse import parse

    async with db.write() as s:
        roble = await s.scalar(select(Customer).where(Customer.rut == "77123456-9"))
        assert roble is not None
        await cart.set_customer(s, 1, roble.id, factura=True)
        assert (await cart.view(s, 1, now=NOW)).total == 0  # factura chosen before the first scan: nothing to split
        for code in ("P1", "P2", "P3"):
            fields = {"code": code, "name": f"Galletas {code}", "price": "1.000"}
            await catalog.create(s, parse_product(fields), user_id=None)
            await cart.add_product(s, 1, await _product(s, code), 1_000)
        view = await cart.view(s, 1, now=NOW)
    assert view.document_tipo == 33 and (view.total, view.net, view.iva, view.additional_tax) == (3_000, 2_521, 479, 0)
    result = await _pay(db, [Tender(M.EFECTIVO, 5_000)])
    assert result.tipo == 33 and result.total == 3_000 and result.settlement.payments[0].change == 2_000
    xml = await _document(db, result.sale_id)
    assert schema_errors(SchemaKind.DTE, xml) == ()
    totales = f".//{SII}Encabezado/{SII}Totales/{SII}"
    assert [xml.findtext(totales + tag) for tag in ("MntNeto", "IVA", "MntTotal")] == ["2521", "479", "3000"]
    assert xml.findtext(f".//{SII}IdDoc/{SII}MntBruto") is None  # net lines with IVA on top
    assert [m.text for m in xml.iter(f"{SII}MontoItem")] == ["841", "840", "840"]
    async with db.read() as s:
        sale = await s.get(Sale, result.sale_id)
        paper = parse(render_escpos(await sale_receipt(s, result.sale_id), PAPER_58MM)).text
    assert sale is not None and (sale.total, sale.net, sale.iva) == (3_000, 2_521, 479)
    assert "$3.000" in paper and "$2.521" in paper and "$479" in paper and "$2.999" not in paper

    async def give_back(codes: tuple[str, ...]) -> Document:
        async with db.write() as s:
            lines = list(await s.scalars(select(SaleLine).where(SaleLine.sale_id == result.sale_id)))
            ids = {(await _product(s, code)).id for code in codes}
            back = await returns.process(
                s,
                db.path.parent / "secrets",
                sale_id=result.sale_id,
                lane_id=1,
                quantities={line.id: line.quantity for line in lines if line.product_id in ids},
                to_merma=set(),
                refund_method="efectivo",
                reason="no era la marca",
                user_id=1,
                approver=await _user(s, "sergio"),
                now=NOW,
            )
            nota = await s.get(Document, back.document_id)
        assert nota is not None and nota.tipo == 61 and back.total == nota.total
        return nota

    one, two = await give_back(("P1",)), await give_back(("P2", "P3"))
    assert (one.total, two.total) == (1_000, 2_000)  # what those products cost at the counter, nothing lost
    for nota in (one, two):
        nota_xml = parse_latin1(nota.signed_xml)
        assert schema_errors(SchemaKind.DTE, nota_xml) == ()
        neto, iva, total = (int(nota_xml.findtext(totales + tag) or 0) for tag in ("MntNeto", "IVA", "MntTotal"))
        assert neto + iva == total == nota.total and nota_xml.findtext(f".//{SII}TpoDocRef") == "33"


async def test_a_new_quantity_does_not_stretch_what_was_decided_for_the_old_one(db: Database) -> None:
    night = datetime(2026, 11, 20, 6, 30, tzinfo=UTC)  # 03:30 in Santiago: alcohol closed
    async with db.write() as s:
        await compliance.save(s, compliance.AlcoholRules(time(10), time(1), ()))  # the shop's default window
        sergio = await _user(s, "sergio")
        await cart.add_product(s, 1, await _product(s, "Y1"), 5_000)
        await cart.adjust_line(s, 1, 1, approver=sergio, reason="vencen mañana", amount=2_000)
        message = await cart.set_quantity(s, 1, 1, 1_000)
        view = await cart.view(s, 1, now=NOW)
        assert "se quitó" in message and view.lines[0].discount == 0 and view.total == 790  # never a negative line
        await cart.add_product(s, 1, await _product(s, "B1"), 1_000)
        await cart.answer_envase(s, 1, 2, brings=True)
        await cart.set_quantity(s, 1, 2, 3_000)
        assert (await cart.view(s, 1, now=NOW)).pending["envase"]  # two more bottles: ask again
        await cart.redeem_container(s, 1, await _product(s, "ENV1"), 2)
        with pytest.raises(CartError, match="envases devueltos"):
            await cart.set_quantity(s, 1, 3, 99_000)
        await cart.add_product(s, 1, await _product(s, "V1"), 1_000, now=NOW)
        with pytest.raises(AlcoholBlocked):
            await cart.set_quantity(s, 1, 4, 2_000, now=night)
        await cart.answer_all_envases(s, 1, brings=True)
        await cart.confirm_age(s, 1, user_id=1)
    with pytest.raises(CartError, match="Fuera del horario"):  # the cart waited past closing time
        await _pay(db, [Tender(M.EFECTIVO, 20_000)], now=night)


async def test_returns_go_back_the_way_the_money_came(db: Database) -> None:
    async with db.write() as s:
        rosa = await s.scalar(select(Customer).where(Customer.name == "Doña Rosa"))
        assert rosa is not None
        await cart.set_customer(s, 1, rosa.id, factura=False)
        await cart.add_product(s, 1, await _product(s, "Y1"), 5_000)  # $3.950
    sale = await _pay(db, [Tender(M.FIADO, 3_000), Tender(M.EFECTIVO, 1_000)])  # cash part 950

    async def give_back(method: str, units: int) -> object:
        async with db.write() as s:
            line = await s.scalar(select(SaleLine).where(SaleLine.sale_id == sale.sale_id))
            assert line is not None
            return await returns.process(
                s,
                db.path.parent / "secrets",
                sale_id=sale.sale_id,
                lane_id=1,
                quantities={line.id: units * 1_000},
                to_merma=set(),
                refund_method=method,
                reason="no le gustó",
                user_id=1,
                approver=await _user(s, "sergio"),
                now=NOW,
            )

    with pytest.raises(returns.ReturnError, match="se abona primero a la cuenta"):
        await give_back("efectivo", 1)  # cash for goods bought on credit: refused
    with pytest.raises(returns.ReturnError, match="medio"):
        await give_back("envase", 1)
    await give_back("fiado", 2)  # $1.580 off her account
    async with db.read() as s:
        assert await fiado.balance(s, rosa.id) == 3_000 - 1_580
    first = await give_back("fiado", 2)  # $1.420 still owed on this sale, the other $160 in cash
    assert first.refund_cash == 160  # type: ignore[attr-defined]
    with pytest.raises(returns.ReturnError, match="mismo medio"):
        await give_back("transferencia", 1)  # never paid by transfer
    await give_back("efectivo", 1)  # the last one: $790 of the $950 paid in cash, less the $160 already back
    async with db.read() as s:
        assert await fiado.balance(s, rosa.id) == 0


async def test_one_transaction_can_remove_a_line_and_add_another(db: Database) -> None:
    async with db.write() as s:  # the cart stays loaded for the whole transaction: numbers must not collide
        await cart.add_product(s, 1, await _product(s, "Y1"), 1_000)
        await cart.add_product(s, 1, await _product(s, "Y2"), 1_000)
        await cart.remove_line(s, 1, 2)
        await cart.add_product(s, 1, await _product(s, "V1"), 1_000, now=NOW)
        await cart.clear(s, 1)
        await cart.add_product(s, 1, await _product(s, "Y2"), 1_000)
    async with db.read() as s:
        view = await cart.view(s, 1, now=NOW)
    assert [(line.line_no, line.description) for line in view.lines] == [(1, "Yogur Durazno")]
