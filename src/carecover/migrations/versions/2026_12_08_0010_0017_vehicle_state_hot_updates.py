"""vehicle state: room for in-place (HOT) updates

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08 00:10:00

Every reading moves its car's state row. PostgreSQL can rewrite a row in place (a HOT update,
no index touched) only when no indexed column changes and the page has room: ``trip_last_at``
changed with every reading of a driving car and was indexed, and the pages were full. The index
goes (the 5-minute silent-car sweep reads one row per car, cheaply, without it) and the table
keeps 30 % of each page free.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telematics_vehicle_state") as batch_op:
        batch_op.drop_index("ix_telematics_vehicle_state_trip_last_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE telematics_vehicle_state SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE telematics_vehicle_state RESET (fillfactor)")
    with op.batch_alter_table("telematics_vehicle_state") as batch_op:
        batch_op.create_index(
            "ix_telematics_vehicle_state_trip_last_at", ["trip_last_at"], unique=False
        )
