"""Scale-out: procrastinate's schema (PostgreSQL), the link from a job to its procrastinate
job, and the fair scheduler's per-installation turns.

procrastinate's own tables and functions come from the installed procrastinate package
(``SchemaManager.get_schema()``), applied once when absent. A later procrastinate upgrade
that changes its schema ships SQL migrations; apply them in a new revision of ours.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("broker_job_id", sa.BigInteger(), nullable=True))
        batch.create_index("ix_jobs_broker_job_id", ["broker_job_id"])
    op.create_table(
        "queue_turns",
        sa.Column("installation_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("last_started_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_jobs_installation_state", "jobs", ["installation_id", "state"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        present = bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar()
        if present is None:
            # Through the driver without parameters: the schema's text contains '%'.
            with bind.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(SchemaManager.get_schema())


def downgrade() -> None:
    # procrastinate's schema stays: other applications may share it, and its jobs are
    # the only record of work in flight.
    op.drop_index("ix_jobs_installation_state", table_name="jobs")
    op.drop_table("queue_turns")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_broker_job_id")
        batch.drop_column("broker_job_id")
