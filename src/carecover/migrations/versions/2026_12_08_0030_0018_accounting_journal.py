"""accounting: the double-entry journal and its chart of accounts

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 00:30:00

Entries and lines are append-only at the database: triggers refuse UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE) whatever the client. A correction is a new, reversing entry.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from carecover.platform.db.types import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("accounting_entries", "accounting_lines")

# The chart of accounts (codes after the PRC enterprise accounting standards' insurance chart).
CHART = [
    ("1002", "asset", "银行存款", "Cash at bank"),
    ("2202", "liability", "应付账款—服务商", "Partner payables"),
    ("2241", "liability", "其他应付款—客户退款", "Customer refunds payable"),
    ("2251", "liability", "应付赔付款", "Claims payable"),
    ("4001", "equity", "实收资本", "Paid-in capital"),
    ("6031", "income", "保费收入—服务分摊", "Premium income attributed to services"),
    ("6051", "income", "服务套餐收入", "Service package income"),
    ("6401", "expense", "服务成本—服务商结算", "Service cost (partner settlements)"),
    ("6402", "expense", "救援成本", "Rescue cost"),
    ("6511", "expense", "赔付支出", "Claims expense"),
]


def upgrade() -> None:
    accounts = op.create_table(
        "accounting_accounts",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "asset",
                "liability",
                "equity",
                "income",
                "expense",
                name="accountkind",
                native_enum=False,
                length=12,
            ),
            nullable=False,
        ),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_accounting_accounts")),
    )
    op.create_table(
        "accounting_entries",
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "claim_payout",
                "partner_settlement",
                "refund",
                "adjustment",
                "reversal",
                name="entrykind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("posted_at", UTCDateTime(), nullable=False),
        sa.Column("posted_by", sa.Uuid(), nullable=True),
        sa.Column("reversal_of", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reversal_of"],
            ["accounting_entries.id"],
            name=op.f("fk_accounting_entries_reversal_of_accounting_entries"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_entries")),
        sa.UniqueConstraint("number", name=op.f("uq_accounting_entries_number")),
        sa.UniqueConstraint("reference", name=op.f("uq_accounting_entries_reference")),
        sa.UniqueConstraint("reversal_of", name=op.f("uq_accounting_entries_reversal_of")),
    )
    with op.batch_alter_table("accounting_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_accounting_entries_kind_posted_at", ["kind", "posted_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accounting_entries_posted_at"), ["posted_at"], unique=False
        )
    op.create_table(
        "accounting_lines",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("account_code", sa.String(length=8), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "party_type",
            sa.Enum(
                "customer", "partner", "vehicle", name="partytype", native_enum=False, length=12
            ),
            nullable=True,
        ),
        sa.Column("party_id", sa.Uuid(), nullable=True),
        sa.Column("service_line", sa.String(length=30), nullable=True),
        sa.Column("city_adcode", sa.String(length=6), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("amount_fen <> 0", name=op.f("ck_accounting_lines_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["account_code"],
            ["accounting_accounts.code"],
            name=op.f("fk_accounting_lines_account_code_accounting_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["accounting_entries.id"],
            name=op.f("fk_accounting_lines_entry_id_accounting_entries"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_lines")),
        sa.UniqueConstraint(
            "entry_id", "line_no", name=op.f("uq_accounting_lines_entry_id_line_no")
        ),
    )
    with op.batch_alter_table("accounting_lines", schema=None) as batch_op:
        batch_op.create_index("ix_accounting_lines_account_code", ["account_code"], unique=False)
        batch_op.create_index("ix_accounting_lines_party", ["party_type", "party_id"], unique=False)
    op.bulk_insert(
        accounts,
        [{"code": c, "kind": k, "name_zh": zh, "name_en": en} for c, k, zh, en in CHART],
    )
    _install_append_only_guards()


def _install_append_only_guards() -> None:
    """The journal's tables refuse UPDATE and DELETE at the database, whatever the client."""
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(
                f"""
                CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$
                BEGIN
                    RAISE EXCEPTION '{table} is append-only' USING ERRCODE = 'insufficient_privilege';
                END;
                $$ LANGUAGE plpgsql;
                """
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()"
            )
        elif dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def _drop_append_only_guards() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_refuse_change()")
        elif dialect == "sqlite":
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def downgrade() -> None:
    _drop_append_only_guards()
    with op.batch_alter_table("accounting_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_accounting_lines_party")
        batch_op.drop_index("ix_accounting_lines_account_code")
    op.drop_table("accounting_lines")
    with op.batch_alter_table("accounting_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounting_entries_posted_at"))
        batch_op.drop_index("ix_accounting_entries_kind_posted_at")
    op.drop_table("accounting_entries")
    op.drop_table("accounting_accounts")
