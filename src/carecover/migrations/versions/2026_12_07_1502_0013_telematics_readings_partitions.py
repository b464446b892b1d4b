"""telematics readings partitioned by day on PostgreSQL

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 15:00:00

Readings are keyed by (device, seq, device time) instead of a surrogate id: a partitioned table's
unique keys must hold the partition column, and a redelivered reading repeats all three. On
PostgreSQL the table becomes ``PARTITION BY RANGE (device_time)`` with a default partition and
one partition per day (the days a reading may be accepted for, and a week ahead; the daily
``telematics.partitions`` job keeps them coming). Existing rows are copied over.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from carecover.platform.db.types import UTCDateTime
from carecover.telematics.service import partitions

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        with op.batch_alter_table("telematics_readings", recreate="always") as batch_op:
            batch_op.drop_constraint("uq_telematics_readings_device_id_seq", type_="unique")
            batch_op.drop_constraint("pk_telematics_readings", type_="primary")
            batch_op.drop_column("id")
            batch_op.create_primary_key(
                "pk_telematics_readings", ["device_id", "seq", "device_time"]
            )
        return
    op.execute("ALTER TABLE telematics_readings RENAME TO telematics_readings_0012")
    op.execute("ALTER INDEX pk_telematics_readings RENAME TO pk_telematics_readings_0012")
    op.execute(
        "ALTER INDEX ix_telematics_readings_vehicle_time RENAME TO ix_telematics_readings_0012"
    )
    op.execute(
        "ALTER TABLE telematics_readings_0012 RENAME CONSTRAINT"
        " uq_telematics_readings_device_id_seq TO uq_telematics_readings_0012"
    )
    op.execute(
        "CREATE TABLE telematics_readings ("
        " device_id uuid NOT NULL, seq bigint NOT NULL,"
        " device_time timestamp with time zone NOT NULL, vehicle_id uuid NOT NULL,"
        " received_at timestamp with time zone NOT NULL,"
        " lat double precision, lng double precision, speed_kmh double precision,"
        " data jsonb NOT NULL,"
        " CONSTRAINT pk_telematics_readings PRIMARY KEY (device_id, seq, device_time)"
        ") PARTITION BY RANGE (device_time)"
    )
    op.execute(
        "CREATE INDEX ix_telematics_readings_vehicle_time"
        " ON telematics_readings (vehicle_id, device_time)"
    )
    op.execute(f"CREATE TABLE {partitions.DEFAULT} PARTITION OF telematics_readings DEFAULT")
    session = Session(bind=bind)
    partitions.ensure_window(session, datetime.now(UTC))
    op.execute(
        "INSERT INTO telematics_readings SELECT device_id, seq, device_time, vehicle_id,"
        " received_at, lat, lng, speed_kmh, data FROM telematics_readings_0012"
        " ON CONFLICT DO NOTHING"
    )
    op.execute("DROP TABLE telematics_readings_0012")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        with op.batch_alter_table("telematics_readings", recreate="always") as batch_op:
            batch_op.drop_constraint("pk_telematics_readings", type_="primary")
            batch_op.add_column(sa.Column("id", sa.Integer(), nullable=True))
        op.execute("UPDATE telematics_readings SET id = rowid")
        with op.batch_alter_table("telematics_readings", recreate="always") as batch_op:
            batch_op.alter_column("id", nullable=False)
            batch_op.create_primary_key("pk_telematics_readings", ["id"])
            batch_op.create_unique_constraint(
                "uq_telematics_readings_device_id_seq", ["device_id", "seq"]
            )
        return
    op.execute("ALTER TABLE telematics_readings RENAME TO telematics_readings_0013")
    op.execute("ALTER INDEX pk_telematics_readings RENAME TO pk_telematics_readings_0013")
    op.execute(
        "ALTER INDEX ix_telematics_readings_vehicle_time RENAME TO ix_telematics_readings_0013"
    )
    op.create_table(
        "telematics_readings",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("vehicle_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("device_time", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("speed_kmh", sa.Float(), nullable=True),
        sa.Column("data", sa.dialects.postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_telematics_readings"),
        sa.UniqueConstraint("device_id", "seq", name="uq_telematics_readings_device_id_seq"),
    )
    op.create_index(
        "ix_telematics_readings_vehicle_time", "telematics_readings", ["vehicle_id", "device_time"]
    )
    op.execute(
        "INSERT INTO telematics_readings (device_id, seq, device_time, vehicle_id, received_at,"
        " lat, lng, speed_kmh, data) SELECT device_id, seq, device_time, vehicle_id, received_at,"
        " lat, lng, speed_kmh, data FROM telematics_readings_0013 ORDER BY device_time"
        " ON CONFLICT DO NOTHING"
    )
    op.execute("DROP TABLE telematics_readings_0013 CASCADE")
