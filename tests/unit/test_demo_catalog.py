"""The demo catalog and the demo people: shapes and invariants the loader and the screens rely on."""

from collections import Counter

import pytest

from appliance.core.barcodes import gtin_kind, is_valid_gtin
from appliance.core.rut import Rut
from appliance.core.text import fold
from appliance.db.models.catalog import ADDITIONAL_TAX_CODES
from appliance.demo.catalog import ENVASES, SHORT_NAME_MAX, Catalog, generate_catalog
from appliance.demo.people import (
    ACTECO_MINIMARKET,
    generate_company,
    generate_customers,
    generate_suppliers,
)

TOP_LEVEL = {
    "Abarrotes",
    "Lácteos",
    "Bebidas",
    "Panadería",
    "Fiambrería",
    "Frutas y verduras",
    "Limpieza",
    "Higiene personal",
    "Snacks y confites",
    "Congelados",
    "Mascotas",
    "Cigarrillos",
    "Alcoholes",
    ENVASES,
}
DRINK_TOP_LEVEL = {"Bebidas", "Alcoholes"}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return generate_catalog()


def test_has_at_least_1500_products(catalog: Catalog) -> None:
    assert len(catalog.products) >= 1500


def test_every_top_level_category_is_stocked(catalog: Catalog) -> None:
    counts = Counter(product.category[0] for product in catalog.products)
    assert set(counts) == TOP_LEVEL
    assert all(count >= 5 for count in counts.values())


def test_codes_are_unique_and_internal(catalog: Catalog) -> None:
    codes = [product.code for product in catalog.products]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 6 and code[0] == "P" and code[1:].isdigit() for code in codes)


def test_barcodes_are_valid_unique_ean13(catalog: Catalog) -> None:
    barcodes = [code for product in catalog.products for code in product.barcodes]
    assert len(set(barcodes)) == len(barcodes)
    for code in barcodes:
        assert is_valid_gtin(code), code
        assert gtin_kind(code) == "EAN-13", code
        assert not code.startswith("2"), code  # 20–29 belong to the scales' variable-measure labels
    chilean = sum(code.startswith("780") for code in barcodes)
    assert chilean / len(barcodes) > 0.7


def test_some_products_have_two_barcodes(catalog: Catalog) -> None:
    assert 5 <= sum(len(product.barcodes) == 2 for product in catalog.products) <= 150
    assert all(len(product.barcodes) <= 2 for product in catalog.products)


def test_plus_are_unique_five_digits(catalog: Catalog) -> None:
    plus = [product.plu for product in catalog.products if product.plu is not None]
    assert len(plus) >= 100
    assert len(set(plus)) == len(plus)
    assert all(len(plu) == 5 and plu.isdigit() for plu in plus)


def test_weighed_items_have_a_plu_and_no_barcode(catalog: Catalog) -> None:
    weighed = [product for product in catalog.products if product.unit == "kg"]
    assert len(weighed) >= 80
    for product in weighed:
        assert product.plu is not None, product.name
        assert product.barcodes == (), product.name
        assert product.category[0] in {"Panadería", "Fiambrería", "Frutas y verduras"}, product.name


def test_every_product_can_be_found_at_the_counter(catalog: Catalog) -> None:
    """By barcode, by PLU, or (the container deposits only) by its code; never by two of barcode and PLU."""
    for product in catalog.products:
        assert not (product.barcodes and product.plu), product.name
        if product.category[0] == ENVASES:
            assert not product.barcodes and product.plu is None
        else:
            assert product.barcodes or product.plu, product.name


def test_bread_fiambres_and_produce_are_weighed(catalog: Catalog) -> None:
    by_name = {product.name: product for product in catalog.products}
    for name in ("Marraqueta", "Hallulla", "Dobladita", "Colisa", "Palta Hass", "Limón", "Plátano", "Papa"):
        assert by_name[name].unit == "kg", name
    assert by_name["Jamón Pierna San Jorge"].unit == "kg"
    assert by_name["Lechuga Escarola Unidad"].unit == "unit"  # counted, not weighed, but still keyed by PLU
    assert by_name["Lechuga Escarola Unidad"].plu is not None


def test_categories_cover_every_path_and_its_parents(catalog: Catalog) -> None:
    paths = [category.path for category in catalog.categories]
    assert len(set(paths)) == len(paths)
    known = set(paths)
    for product in catalog.products:
        assert product.category in known, product.name
    for path in paths:
        for depth in range(1, len(path)):
            assert path[:depth] in known
        # Parents come before their children, so a loader can insert in order.
        if len(path) > 1:
            assert paths.index(path[:-1]) < paths.index(path)
    assert {path[0] for path in paths} == TOP_LEVEL
    assert ("Alcoholes", "Destilados", "Pisco") in known


def test_prices_are_positive_pesos_ending_in_zero(catalog: Catalog) -> None:
    for product in catalog.products:
        assert isinstance(product.price, int) and product.price > 0, product.name
        assert product.price % 10 == 0, product.name
    endings = Counter(product.price % 100 for product in catalog.products if product.price >= 1000)
    assert endings[90] > endings[0]  # shops price $1.990, not $2.000


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("Leche Entera Colun 1 L", 1000, 1800),
        ("Arroz Grado 2 Tucapel 1 kg", 1500, 2500),
        ("Coca-Cola Original 1,5 L", 1700, 2700),
        ("Marraqueta", 1800, 3200),
        ("Cigarrillos Marlboro Red 20 un", 5000, 7500),
        ("Pisco Capel 35° 750 ml", 5000, 9000),
    ],
)
def test_prices_are_believable(catalog: Catalog, name: str, low: int, high: int) -> None:
    by_name = {product.name: product for product in catalog.products}
    assert low <= by_name[name].price <= high


def test_costs_leave_a_margin(catalog: Catalog) -> None:
    for product in catalog.products:
        assert isinstance(product.unit_cost, int) and product.unit_cost > 0, product.name
        if product.category[0] == ENVASES:
            assert product.unit_cost == product.price  # a deposit is refunded, not sold at a margin
            continue
        net = product.price / 1.19
        assert product.unit_cost < net, product.name
        assert product.unit_cost > net * 0.4, product.name


def test_names_fit_the_model_and_latin1(catalog: Catalog) -> None:
    for product in catalog.products:
        assert 0 < len(product.name) <= 80, product.name
        assert 0 < len(product.short_name) <= SHORT_NAME_MAX, product.short_name
        product.name.encode("latin-1")  # the SII's XML is ISO-8859-1
        product.short_name.encode("latin-1")
        assert product.name == product.name.strip() and "  " not in product.name
    names = [product.name for product in catalog.products]
    assert len(set(names)) == len(names)


def test_names_read_like_a_chilean_shop(catalog: Catalog) -> None:
    names = {product.name for product in catalog.products}
    for name in (
        "Leche Entera Colun 1 L",
        "Arroz Grado 2 Tucapel 1 kg",
        "Coca-Cola Original 1,5 L Retornable",
        "Té Negro Ceylán Supremo 20 bolsitas",
        "Plátano",
        "Limón",
        "Jamón Pierna San Jorge",
    ):
        assert name in names, name
    # The search folds accents: "limon" and "jamon" must find them.
    folded = {fold(name) for name in names}
    assert "limon" in folded and "platano" in folded and "jamon pierna san jorge" in folded


def test_ila_only_on_drinks_and_alcohol(catalog: Catalog) -> None:
    for product in catalog.products:
        if product.additional_tax is None:
            continue
        assert product.additional_tax in ADDITIONAL_TAX_CODES, product.name
        assert product.category[0] in DRINK_TOP_LEVEL, product.name
        if product.category[0] == "Alcoholes":
            assert product.additional_tax in (24, 25, 26), product.name
        else:
            assert product.additional_tax in (27, 271), product.name


def test_ila_codes_follow_the_kind_of_drink(catalog: Catalog) -> None:
    by_name = {product.name: product for product in catalog.products}
    assert by_name["Coca-Cola Original 1,5 L"].additional_tax == 271
    assert by_name["Coca-Cola Sin Azúcar 1,5 L"].additional_tax == 27
    assert by_name["Cerveza Cristal Lager Lata 470 ml"].additional_tax == 26
    assert by_name["Vino Casillero del Diablo Carmenere 750 ml"].additional_tax == 25
    assert by_name["Pisco Capel 35° 750 ml"].additional_tax == 24
    assert by_name["Agua Mineral Sin Gas Cachantun 1,6 L"].additional_tax is None  # plain water pays no ILA
    used = {product.additional_tax for product in catalog.products} - {None}
    assert used == set(ADDITIONAL_TAX_CODES)


def test_alcohol_and_tobacco_are_age_restricted(catalog: Catalog) -> None:
    for product in catalog.products:
        top = product.category[0]
        assert product.is_alcohol == (top == "Alcoholes"), product.name
        assert product.is_tobacco == (top == "Cigarrillos"), product.name
        assert product.age_restricted == (product.is_alcohol or product.is_tobacco), product.name
        if product.is_alcohol:
            assert product.additional_tax in (24, 25, 26)


def test_containers_point_at_envases(catalog: Catalog) -> None:
    by_code = catalog.by_code()
    linked = [product for product in catalog.products if product.container_code is not None]
    assert len(linked) >= 20
    for product in linked:
        container = by_code[product.container_code]  # type: ignore[index]
        assert container.category == (ENVASES,), product.name
        assert "Retornable" in product.name or "Recarga" in product.name, product.name
    for product in catalog.products:
        if "Retornable" in product.name and product.category[0] != ENVASES:
            assert product.container_code is not None, product.name
    names = {product.name for product in catalog.products if product.category[0] == ENVASES}
    assert {"Envase Retornable 1,5 L", "Envase Retornable 2 L", "Envase Cerveza 1 L"} <= names


def test_only_container_deposits_are_exento(catalog: Catalog) -> None:
    for product in catalog.products:
        assert product.tax == ("exento" if product.category[0] == ENVASES else "afecto"), product.name


def test_stock_is_in_milli_units(catalog: Catalog) -> None:
    for product in catalog.products:
        assert product.stock_sala >= 0 and product.stock_bodega >= 0 and product.min_stock >= 0
        if product.unit == "unit":
            assert product.stock_sala % 1000 == 0 and product.stock_bodega % 1000 == 0, product.name
            assert product.min_stock % 1000 == 0, product.name
    below_minimum = sum(product.stock_sala < product.min_stock for product in catalog.products)
    assert 0 < below_minimum < len(catalog.products) // 4


def test_deterministic_for_a_seed() -> None:
    assert generate_catalog(7) == generate_catalog(7)
    other = generate_catalog(8)
    assert [p.name for p in other.products] == [p.name for p in generate_catalog(7).products]
    assert other != generate_catalog(7)


# --- People --------------------------------------------------------------------------------------------------------


def test_company() -> None:
    company = generate_company()
    assert Rut.parse(company.rut).compact == company.rut
    assert company.actecos == (ACTECO_MINIMARKET,) == (472101,)
    assert company.giro == "Venta al por menor en comercios de alimentos"
    assert len(company.giro) <= 80 and len(company.comuna) <= 20 and len(company.address) <= 70
    assert company.sii_office


def test_suppliers() -> None:
    suppliers = generate_suppliers()
    assert 12 <= len(suppliers) <= 20
    ruts = [supplier.rut for supplier in suppliers]
    assert len(set(ruts)) == len(ruts)
    for supplier in suppliers:
        assert Rut.parse(supplier.rut).compact == supplier.rut
        assert 76_000_000 <= Rut.parse(supplier.rut).number < 78_000_000
        assert supplier.payment_terms_days in (0, 15, 30)
        assert set(supplier.supplies) <= TOP_LEVEL
        assert len(supplier.comuna) <= 20 and len(supplier.address) <= 70 and len(supplier.giro) <= 80
        assert supplier.phone.startswith("+56 2 2")
        assert supplier.email.endswith(".example")
    assert {supplier.payment_terms_days for supplier in suppliers} == {0, 15, 30}
    supplied = {top for supplier in suppliers for top in supplier.supplies}
    assert supplied == TOP_LEVEL


def test_customers() -> None:
    customers = generate_customers()
    neighbours = [customer for customer in customers if customer.kind == "vecino"]
    companies = [customer for customer in customers if customer.kind == "empresa"]
    assert len(neighbours) == 40
    assert 3 <= len(companies) <= 10
    assert sum(customer.blocked for customer in customers) == 2
    ruts = [customer.rut for customer in customers if customer.rut is not None]
    assert len(set(ruts)) == len(ruts)
    others = {supplier.rut for supplier in generate_suppliers()} | {generate_company().rut}
    assert not set(ruts) & others
    for rut in ruts:
        assert Rut.parse(rut).compact == rut
    for customer in neighbours:
        assert 20_000 <= customer.credit_limit <= 150_000
        assert customer.phone.startswith("+56 9 ") and len(customer.phone.replace(" ", "")) == 12
        assert customer.giro == ""
    for customer in companies:
        assert customer.rut is not None and customer.giro
        assert len(customer.giro) <= 40
    for customer in customers:
        assert len(customer.comuna) <= 20 and len(customer.address) <= 70 and len(customer.name) <= 100
    assert generate_customers() == customers
