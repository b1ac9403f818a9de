"""SII: CAF ranges with their next folio, issued documents (signed XML and timbre), envelopes as sent.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 21:03:37.721955
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sii_envelopes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=6), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("track_id", sa.String(length=30), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("sii_state", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('boleta', 'dte')", name=op.f("ck_sii_envelopes_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sii_envelopes")),
        sa.UniqueConstraint("track_id", name=op.f("uq_sii_envelopes_track_id")),
    )
    with op.batch_alter_table("sii_envelopes", schema=None) as batch_op:
        batch_op.create_index("ix_sii_envelopes_state", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "caf_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipo", sa.Integer(), nullable=False),
        sa.Column("folio_from", sa.Integer(), nullable=False),
        sa.Column("folio_to", sa.Integer(), nullable=False),
        sa.Column("next_folio", sa.Integer(), nullable=False),
        sa.Column("authorized_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("idk", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=120), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "folio_from <= next_folio AND next_folio <= folio_to + 1", name=op.f("ck_caf_ranges_next_in_range")
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], name=op.f("fk_caf_ranges_uploaded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caf_ranges")),
        sa.UniqueConstraint("tipo", "folio_from", name=op.f("uq_caf_ranges_tipo_folio_from")),
    )
    op.create_table(
        "sii_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tipo", sa.Integer(), nullable=False),
        sa.Column("folio", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=True),
        sa.Column("caf_id", sa.Integer(), nullable=False),
        sa.Column("receptor_rut", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("signed_xml", sa.LargeBinary(), nullable=False),
        sa.Column("ted", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("envelope_id", sa.Integer(), nullable=True),
        sa.Column("sii_detail", sa.String(length=1000), nullable=False),
        sa.CheckConstraint(
            "state IN ('pendiente', 'enviado', 'aceptado', 'reparo', 'rechazado')", name=op.f("ck_sii_documents_state")
        ),
        sa.ForeignKeyConstraint(["caf_id"], ["caf_ranges.id"], name=op.f("fk_sii_documents_caf_id_caf_ranges")),
        sa.ForeignKeyConstraint(
            ["envelope_id"], ["sii_envelopes.id"], name=op.f("fk_sii_documents_envelope_id_sii_envelopes")
        ),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_sii_documents_sale_id_sales")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sii_documents")),
        sa.UniqueConstraint("tipo", "folio", name=op.f("uq_sii_documents_tipo_folio")),
    )
    with op.batch_alter_table("sii_documents", schema=None) as batch_op:
        batch_op.create_index("ix_sii_documents_sale_id", ["sale_id"], unique=False)
        batch_op.create_index("ix_sii_documents_state", ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sii_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_sii_documents_state")
        batch_op.drop_index("ix_sii_documents_sale_id")

    op.drop_table("sii_documents")
    op.drop_table("caf_ranges")
    with op.batch_alter_table("sii_envelopes", schema=None) as batch_op:
        batch_op.drop_index("ix_sii_envelopes_state")

    op.drop_table("sii_envelopes")
