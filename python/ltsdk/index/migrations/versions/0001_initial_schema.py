"""The initial schema of the indexer (ltsdk.index.models as first committed).

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ltsdk.index.models

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "block",
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("block_number"),
    )
    op.create_table(
        "cursor",
        sa.Column("lens", sa.String(length=42), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("start_block", sa.BigInteger(), nullable=False),
        sa.Column("last_block", sa.BigInteger(), nullable=False),
        sa.Column("last_sample_time", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("lens"),
    )
    op.create_table(
        "event",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=True),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_token_name", ["token", "name"], unique=False)

    op.create_table(
        "token",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("market", sa.String(length=16), nullable=True),
        sa.Column("leverage", sa.BigInteger(), nullable=True),
        sa.Column("is_long", sa.Boolean(), nullable=True),
        sa.Column("adapter", sa.String(length=42), nullable=True),
        sa.Column("oracle", sa.String(length=42), nullable=True),
        sa.Column("first_block", sa.BigInteger(), nullable=False),
        sa.Column("initial_base_per_share", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_token_symbol"), ["symbol"], unique=False)

    op.create_table(
        "fee",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fee_recipient", sa.String(length=42), nullable=False),
        sa.Column("shares", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("assets", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("fee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_token"), ["token"], unique=False)

    op.create_table(
        "funding",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("venue", sa.String(length=42), nullable=False),
        sa.Column("amount", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("funding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funding_token"), ["token"], unique=False)

    op.create_table(
        "holder_change",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("holder", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("base_balance", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("cost_basis", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("realized_pnl", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("assets_in", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("assets_out", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("seq", "block_number", "log_index"),
    )
    with op.batch_alter_table("holder_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holder_change_holder"), ["holder"], unique=False)
        batch_op.create_index(
            "ix_holder_change_position", ["token", "holder", "block_number", "log_index", "seq"], unique=False
        )

    op.create_table(
        "lifecycle",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("reason", sa.BigInteger(), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("lifecycle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lifecycle_token"), ["token"], unique=False)

    op.create_table(
        "liquidation",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("venue", sa.String(length=42), nullable=False),
        sa.Column("liquidator", sa.String(length=42), nullable=False),
        sa.Column("size", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("price", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("penalty", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("liquidation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_liquidation_token"), ["token"], unique=False)

    op.create_table(
        "mint",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("owner", sa.String(length=42), nullable=False),
        sa.Column("assets", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("shares", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("mint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mint_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_mint_token"), ["token"], unique=False)

    op.create_table(
        "parameter_change",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("change_id", sa.String(length=66), nullable=True),
        sa.Column("kind", sa.BigInteger(), nullable=True),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("eta", sa.BigInteger(), nullable=True),
        sa.Column("caller", sa.String(length=42), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("parameter_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parameter_change_token"), ["token"], unique=False)

    op.create_table(
        "rebalance",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("reason", sa.BigInteger(), nullable=False),
        sa.Column("size_before", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("size_after", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("price", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("leverage_before", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("leverage_after", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("rebalance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rebalance_token"), ["token"], unique=False)

    op.create_table(
        "redeem",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("receiver", sa.String(length=42), nullable=False),
        sa.Column("owner", sa.String(length=42), nullable=False),
        sa.Column("assets", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("shares", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("redeem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redeem_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_redeem_token"), ["token"], unique=False)

    op.create_table(
        "ripcord",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("caller", sa.String(length=42), nullable=False),
        sa.Column("reward", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("leverage_before", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("leverage_after", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("ripcord", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ripcord_token"), ["token"], unique=False)

    op.create_table(
        "sample",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("supply", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("nav", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("nav_per_share", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("price", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("oracle_updated_at", sa.BigInteger(), nullable=False),
        sa.Column("oracle_fresh", sa.Boolean(), nullable=False),
        sa.Column("leverage", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("target_leverage", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("band_lower", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("band_upper", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("ripcord_leverage", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("is_long", sa.Boolean(), nullable=False),
        sa.Column("status", sa.BigInteger(), nullable=False),
        sa.Column("size_delta", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("size", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("margin", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("idle_assets", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("next_slot", sa.BigInteger(), nullable=False),
        sa.Column("last_rebalance_time", sa.BigInteger(), nullable=False),
        sa.Column("chunk_pending", sa.Boolean(), nullable=False),
        sa.Column("split_factor", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("split_is_reverse", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("is_shutdown", sa.Boolean(), nullable=False),
        sa.Column("mint_fee_bps", sa.BigInteger(), nullable=False),
        sa.Column("redeem_fee_bps", sa.BigInteger(), nullable=False),
        sa.Column("management_fee_bps", sa.BigInteger(), nullable=False),
        sa.Column("max_total_assets", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("max_price_age", sa.BigInteger(), nullable=False),
        sa.Column("twap_cooldown", sa.BigInteger(), nullable=False),
        sa.Column("keeper_grace", sa.BigInteger(), nullable=False),
        sa.Column("due_since", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("token", "block_number"),
    )
    op.create_table(
        "split",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("factor", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("is_reverse", sa.Boolean(), nullable=False),
        sa.Column("nav_per_share_before", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("nav_per_share_after", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("base_per_share_after", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("split", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_split_token"), ["token"], unique=False)

    op.create_table(
        "trade",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("venue", sa.String(length=42), nullable=False),
        sa.Column("size_delta", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("exec_price", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("fee", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("realized_pnl", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("size_after", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("trade", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trade_token"), ["token"], unique=False)

    op.create_table(
        "transfer",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("receiver", sa.String(length=42), nullable=False),
        sa.Column("shares", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("base", ltsdk.index.models.ChainInt(length=80), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token"],
            ["token.address"],
        ),
        sa.PrimaryKeyConstraint("block_number", "log_index"),
    )
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_receiver"), ["receiver"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfer_sender"), ["sender"], unique=False)
        batch_op.create_index(batch_op.f("ix_transfer_token"), ["token"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_token"))
        batch_op.drop_index(batch_op.f("ix_transfer_sender"))
        batch_op.drop_index(batch_op.f("ix_transfer_receiver"))

    op.drop_table("transfer")
    with op.batch_alter_table("trade", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trade_token"))

    op.drop_table("trade")
    with op.batch_alter_table("split", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_split_token"))

    op.drop_table("split")
    op.drop_table("sample")
    with op.batch_alter_table("ripcord", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ripcord_token"))

    op.drop_table("ripcord")
    with op.batch_alter_table("redeem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redeem_token"))
        batch_op.drop_index(batch_op.f("ix_redeem_owner"))

    op.drop_table("redeem")
    with op.batch_alter_table("rebalance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rebalance_token"))

    op.drop_table("rebalance")
    with op.batch_alter_table("parameter_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parameter_change_token"))

    op.drop_table("parameter_change")
    with op.batch_alter_table("mint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mint_token"))
        batch_op.drop_index(batch_op.f("ix_mint_owner"))

    op.drop_table("mint")
    with op.batch_alter_table("liquidation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_liquidation_token"))

    op.drop_table("liquidation")
    with op.batch_alter_table("lifecycle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lifecycle_token"))

    op.drop_table("lifecycle")
    with op.batch_alter_table("holder_change", schema=None) as batch_op:
        batch_op.drop_index("ix_holder_change_position")
        batch_op.drop_index(batch_op.f("ix_holder_change_holder"))

    op.drop_table("holder_change")
    with op.batch_alter_table("funding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_token"))

    op.drop_table("funding")
    with op.batch_alter_table("fee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_token"))

    op.drop_table("fee")
    with op.batch_alter_table("token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_token_symbol"))

    op.drop_table("token")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_token_name")

    op.drop_table("event")
    op.drop_table("cursor")
    op.drop_table("block")
