"""bookings

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 16:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from carecover.platform.db.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("benefit_uses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returned_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("return_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("benefit_uses", schema=None) as batch_op:
        batch_op.drop_column("return_reason")
        batch_op.drop_column("returned_at")
