"""production jobs: jobs, their firings, live schedulers, change counter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("notebook", sa.String(1024), nullable=False),
        sa.Column("notebook_path", sa.String(2048), nullable=False),
        sa.Column("notebook_version", sa.String(64), nullable=False),
        sa.Column("validation_id", sa.Integer, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("kernel_name", sa.String(255), nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("cron", sa.String(255), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("retry_delay", sa.Float, nullable=False),
        sa.Column("timeout", sa.Float, nullable=True),
        sa.Column("missed", sa.String(16), nullable=False),
        sa.Column("experiment", sa.String(255), nullable=False),
        sa.Column("alerts", sa.JSON, nullable=False),
        sa.Column("retrain_job", sa.String(128), nullable=True),
        sa.Column("register_model", sa.String(256), nullable=True),
        sa.Column("paused", sa.Boolean, nullable=False),
        sa.Column("next_due", sa.DateTime(timezone=True), nullable=True, index=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "job_id", sa.Integer, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("scheduled_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("triggered_by", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kernel_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("output_path", sa.String(2048), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("alerts", sa.JSON, nullable=True),
        sa.UniqueConstraint("job_id", "scheduled_time", "attempt", name="uq_job_firing"),
    )
    op.create_table(
        "job_schedulers",
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("workers", sa.Integer, nullable=False),
    )
    changes = op.create_table(
        "job_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("counter", sa.Integer, nullable=False),
    )
    op.bulk_insert(changes, [{"id": 1, "counter": 0}])


def downgrade() -> None:
    op.drop_table("job_changes")
    op.drop_table("job_schedulers")
    op.drop_table("job_runs")
    op.drop_table("jobs")
