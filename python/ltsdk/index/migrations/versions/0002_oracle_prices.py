"""The oracle_price table: each market oracle's AnswerUpdated (additive).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ltsdk.index.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oracle_price",
        sa.Column("market", sa.String(length=16), nullable=False),
        sa.Column("oracle", sa.String(length=42), nullable=False),
        sa.Column("answer", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("decimals", sa.BigInteger(), nullable=False),
        sa.Column("price", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("round_id", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("oracle_price", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oracle_price_market"), ["market"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oracle_price", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oracle_price_market"))

    op.drop_table("oracle_price")
