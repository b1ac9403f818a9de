"""Initial schema: company, users, catalog, stock ledger, customers, suppliers, audit log.

Also the product search index (FTS5, accent- and case-insensitive) kept in step with `products` by triggers,
and triggers that make the stock ledger and the audit log append-only. A later batch migration that rebuilds
`products`, `stock_moves` or `audit_log` drops their triggers and must create them again.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 20:07:19.012618
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# unicode61 with remove_diacritics folds "Léche" and "leche" together; prefix indexes make type-ahead cheap.
SEARCH_DDL = [
    """CREATE VIRTUAL TABLE product_search USING fts5(
        name, short_name, code,
        content='products', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2", prefix='2 3')""",
    """CREATE TRIGGER products_ai AFTER INSERT ON products BEGIN
        INSERT INTO product_search(rowid, name, short_name, code) VALUES (new.id, new.name, new.short_name, new.code);
    END""",
    """CREATE TRIGGER products_ad AFTER DELETE ON products BEGIN
        INSERT INTO product_search(product_search, rowid, name, short_name, code)
        VALUES ('delete', old.id, old.name, old.short_name, old.code);
    END""",
    """CREATE TRIGGER products_au AFTER UPDATE OF name, short_name, code ON products BEGIN
        INSERT INTO product_search(product_search, rowid, name, short_name, code)
        VALUES ('delete', old.id, old.name, old.short_name, old.code);
        INSERT INTO product_search(rowid, name, short_name, code) VALUES (new.id, new.name, new.short_name, new.code);
    END""",
]

APPEND_ONLY_TRIGGERS = (
    "stock_moves_no_update",
    "stock_moves_no_delete",
    "audit_log_no_update",
    "audit_log_no_delete",
)
APPEND_ONLY_DDL = [
    f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    for table in ("stock_moves", "audit_log")
    for verb in ("update", "delete")
]


def upgrade() -> None:
    op.create_table(
        "barcode_layouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("prefix", sa.String(length=2), nullable=False),
        sa.Column("plu_length", sa.Integer(), nullable=False),
        sa.Column("value_kind", sa.String(length=5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("value_kind IN ('grams', 'pesos')", name=op.f("ck_barcode_layouts_value_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_barcode_layouts")),
        sa.UniqueConstraint("prefix", name=op.f("uq_barcode_layouts_prefix")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("parent_id", "name", name=op.f("uq_categories_parent_id_name")),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rut", sa.String(length=12), nullable=False),
        sa.Column("razon_social", sa.String(length=100), nullable=False),
        sa.Column("nombre_fantasia", sa.String(length=80), nullable=False),
        sa.Column("giro", sa.String(length=80), nullable=False),
        sa.Column("actecos", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=70), nullable=False),
        sa.Column("comuna", sa.String(length=20), nullable=False),
        sa.Column("ciudad", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=80), nullable=False),
        sa.Column("sii_office", sa.String(length=60), nullable=False),
        sa.Column("resolution_number", sa.Integer(), nullable=False),
        sa.Column("resolution_date", sa.Date(), nullable=True),
        sa.Column("environment", sa.String(length=12), nullable=False),
        sa.CheckConstraint("environment IN ('certificacion', 'produccion')", name=op.f("ck_company_environment")),
        sa.CheckConstraint("id = 1", name=op.f("ck_company_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rut", sa.String(length=12), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("giro", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=70), nullable=False),
        sa.Column("comuna", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("credit_limit", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("rut", name=op.f("uq_customers_rut")),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("code", name=op.f("uq_locations_code")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "suppliers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rut", sa.String(length=12), nullable=False),
        sa.Column("razon_social", sa.String(length=100), nullable=False),
        sa.Column("giro", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=70), nullable=False),
        sa.Column("comuna", sa.String(length=20), nullable=False),
        sa.Column("contact_name", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=80), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("rut", name=op.f("uq_suppliers_rut")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("full_name", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=15), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IN ('cajero', 'supervisor', 'administrador', 'dueno')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("short_name", sa.String(length=40), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.String(length=4), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("tax", sa.String(length=7), nullable=False),
        sa.Column("additional_tax", sa.Integer(), nullable=True),
        sa.Column("is_alcohol", sa.Boolean(), nullable=False),
        sa.Column("is_tobacco", sa.Boolean(), nullable=False),
        sa.Column("age_restricted", sa.Boolean(), nullable=False),
        sa.Column("container_product_id", sa.Integer(), nullable=True),
        sa.Column("plu", sa.String(length=6), nullable=True),
        sa.Column("min_stock", sa.Integer(), nullable=False),
        sa.Column("avg_cost", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("tax IN ('afecto', 'exento')", name=op.f("ck_products_tax")),
        sa.CheckConstraint("unit IN ('unit', 'kg')", name=op.f("ck_products_unit")),
        sa.CheckConstraint(
            "additional_tax IS NULL OR additional_tax IN (24, 25, 26, 27, 271)",
            name=op.f("ck_products_ila_code"),
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_products_price_not_negative")),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], name=op.f("fk_products_category_id_categories")),
        sa.ForeignKeyConstraint(
            ["container_product_id"], ["products.id"], name=op.f("fk_products_container_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", name=op.f("uq_products_code")),
        sa.UniqueConstraint("plu", name=op.f("uq_products_plu")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index("ix_products_category_id", ["category_id"], unique=False)

    op.create_table(
        "price_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("old_price", sa.Integer(), nullable=True),
        sa.Column("new_price", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_price_changes_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_price_changes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_changes")),
    )
    with op.batch_alter_table("price_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_price_changes_product_id"), ["product_id"], unique=False)

    op.create_table(
        "product_barcodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_barcodes_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_barcodes")),
        sa.UniqueConstraint("code", name=op.f("uq_product_barcodes_code")),
    )
    with op.batch_alter_table("product_barcodes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_barcodes_product_id"), ["product_id"], unique=False)

    op.create_table(
        "stock_levels",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_stock_levels_location_id_locations")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_stock_levels_product_id_products")),
        sa.PrimaryKeyConstraint("product_id", "location_id", name=op.f("pk_stock_levels")),
    )
    op.create_table(
        "stock_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("unit_cost", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ref_type", sa.String(length=24), nullable=False),
        sa.Column("ref_id", sa.String(length=40), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_stock_moves_location_id_locations")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_stock_moves_product_id_products")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_stock_moves_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_moves")),
    )
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.create_index("ix_stock_moves_product_location", ["product_id", "location_id", "id"], unique=False)

    for statement in SEARCH_DDL + APPEND_ONLY_DDL:
        op.execute(statement)
    locations = sa.table("locations", sa.column("code", sa.String), sa.column("name", sa.String))
    op.bulk_insert(locations, [{"code": "sala", "name": "Sala de ventas"}, {"code": "bodega", "name": "Bodega"}])


def downgrade() -> None:
    for name in ("products_ai", "products_ad", "products_au", *APPEND_ONLY_TRIGGERS):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS product_search")
    with op.batch_alter_table("stock_moves", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_moves_product_location")

    op.drop_table("stock_moves")
    op.drop_table("stock_levels")
    with op.batch_alter_table("product_barcodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_barcodes_product_id"))

    op.drop_table("product_barcodes")
    with op.batch_alter_table("price_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_changes_product_id"))

    op.drop_table("price_changes")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_category_id")

    op.drop_table("products")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_at")

    op.drop_table("audit_log")
    op.drop_table("users")
    op.drop_table("suppliers")
    op.drop_table("settings")
    op.drop_table("locations")
    op.drop_table("customers")
    op.drop_table("company")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_parent_id"))

    op.drop_table("categories")
    op.drop_table("barcode_layouts")
